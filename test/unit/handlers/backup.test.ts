// test (fast): backup through makeHandler with an in-memory archive — one write-once object per batch, named by
// sequence numbers, holding the items exactly as the stream gave them.
import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import { MemoryBackupArchive } from '../../../functions/adapters/memory/memory-backup-archive';
import { backupPutRequest } from '../../../functions/adapters/s3-backup-archive';
import { decodeChangeBatch } from '../../../functions/application/back-up-changes';
import { makeHandler } from '../../../functions/backup/handler';
import { parseBackupObjectKey } from '../../../functions/platform/key-layout';
import { localLambdaContext } from '../../../local/lambda-context';
import { silentObservability, tenantA } from '../support/memory-world';

const mainStream =
  'arn:aws:dynamodb:eu-central-1:000000000000:table/ledgerlock-main/stream/2026-12-01T00:00:00.000';
const keyStoreStream =
  'arn:aws:dynamodb:eu-central-1:000000000000:table/ledgerlock-keys/stream/2026-12-01T00:00:00.000';

function change(
  sequence: number,
  options: { stream?: string; eventName?: 'INSERT' | 'MODIFY' | 'REMOVE'; changedAt?: string } = {},
): DynamoDBRecord {
  const eventName = options.eventName ?? 'INSERT';
  const keys = {
    pk: { S: `${tenantA}#INVOICE#inv_${String(sequence).padStart(32, '0')}` },
    sk: { S: 'INVOICE' },
  };
  return {
    eventID: randomUUID(),
    eventName,
    eventSource: 'aws:dynamodb',
    eventSourceARN: options.stream ?? mainStream,
    dynamodb: {
      ApproximateCreationDateTime: 1_796_133_000,
      SequenceNumber: String(100_000 + sequence),
      Keys: keys,
      ...(eventName === 'REMOVE'
        ? {}
        : {
            NewImage: {
              ...keys,
              status: { S: 'draft' },
              total: { N: '28560' },
              sealed: { B: Buffer.from(`sealed-${sequence}`).toString('base64') },
              ...(options.changedAt === undefined ? {} : { changedAt: { S: options.changedAt } }),
            },
          }),
    },
  };
}

function setup() {
  const archive = new MemoryBackupArchive();
  const handler = makeHandler({
    archive,
    tables: { main: 'ledgerlock-main', 'key-store': 'ledgerlock-keys' },
    observability: silentObservability('backup'),
  });
  const invoke = (records: DynamoDBRecord[]) =>
    handler(
      { Records: records },
      localLambdaContext({
        functionName: 'backup',
        requestId: randomUUID(),
        region: 'eu-central-1',
        timeoutMs: 60_000,
      }),
    );
  return { archive, invoke };
}

describe('backup', () => {
  it('writes one object per batch, named by the source, the day and the first and last sequence numbers', async () => {
    const { archive, invoke } = setup();
    expect(await invoke([change(1), change(2), change(3, { eventName: 'MODIFY' })])).toEqual({
      batchItemFailures: [],
    });
    expect([...archive.objects.keys()]).toEqual(['changes/v1/main/2026-12-01/100001-100003.json.gz']);
    expect(parseBackupObjectKey('changes/v1/main/2026-12-01/100001-100003.json.gz')).toEqual({
      source: 'main',
      day: '2026-12-01',
      firstSequence: '100001',
      lastSequence: '100003',
    });
  });

  it('keeps the items exactly as stored — sealed attributes stay sealed bytes — and removals as keys', async () => {
    const { archive, invoke } = setup();
    await invoke([change(1, { changedAt: '2026-12-01T10:00:00.123Z' }), change(2, { eventName: 'REMOVE' })]);
    const [content] = [...archive.objects.values()];
    const batch = decodeChangeBatch(content ?? new Uint8Array());
    expect(batch.source).toBe('main');
    expect(batch.changes[0]).toMatchObject({
      sequenceNumber: '100001',
      eventName: 'INSERT',
      changedAt: Date.parse('2026-12-01T10:00:00.123Z'),
      item: { sealed: { B: Buffer.from('sealed-1').toString('base64') }, total: { N: '28560' } },
    });
    expect(batch.changes[1]).toEqual({
      sequenceNumber: '100002',
      eventName: 'REMOVE',
      changedAt: 1_796_133_000_000,
      keys: expect.objectContaining({ sk: { S: 'INVOICE' } }),
    });
  });

  it('gives a retried or duplicated batch the same name and bytes, and writes it only once', async () => {
    const { archive, invoke } = setup();
    const batch = [change(1), change(2)];
    await invoke(batch);
    const first = [...archive.objects.values()][0];
    await invoke(structuredClone(batch));
    expect(archive.objects.size).toBe(1);
    expect(archive.faults.count('putOnce')).toBe(2);
    expect([...archive.objects.values()][0]).toEqual(first);
  });

  it('names the key store’s batches apart from the main table’s', async () => {
    const { archive, invoke } = setup();
    await invoke([change(7, { stream: keyStoreStream })]);
    expect([...archive.objects.keys()]).toEqual(['changes/v1/key-store/2026-12-01/100007-100007.json.gz']);
  });

  it('fails the batch when it cannot write, so the mapping retries it whole', async () => {
    const { archive, invoke } = setup();
    archive.faults.failNext('putOnce', 1, () => new Error('S3 unavailable'));
    await expect(invoke([change(1)])).rejects.toThrow('S3 unavailable');
    await invoke([change(1)]);
    expect(archive.objects.size).toBe(1);
  });

  it('refuses a batch with a record from a stream it does not back up', async () => {
    const { archive, invoke } = setup();
    await expect(
      invoke([change(1), change(2, { stream: mainStream.replace('ledgerlock-main', 'other') })]),
    ).rejects.toThrow(/stream this function does not back up/);
    expect(archive.objects.size).toBe(0);
  });

  it('asks S3 for a write-once, SSE-KMS object and never for a retention, a legal hold or a bypass', () => {
    const request = backupPutRequest(
      {
        client: undefined as never,
        bucket: 'backups',
        kmsKeyArn: 'arn:aws:kms:eu-central-1:000000000000:key/backup',
      },
      'changes/v1/main/2026-12-01/1-2.json.gz',
      new Uint8Array([1]),
    );
    expect(request).toMatchObject({
      IfNoneMatch: '*',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:eu-central-1:000000000000:key/backup',
      BucketKeyEnabled: true,
      ChecksumAlgorithm: 'SHA256',
    });
    for (const forbidden of [
      'ObjectLockMode',
      'ObjectLockRetainUntilDate',
      'ObjectLockLegalHoldStatus',
      'BypassGovernanceRetention',
    ]) {
      expect(request).not.toHaveProperty(forbidden);
    }
  });
});
