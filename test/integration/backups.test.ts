// test: backups through the local stack — every change reaches the Object-Locked bucket (moto's S3, which enforces
// Object Lock), a restore rebuilds exactly the live items and proves itself, a locked version cannot be deleted,
// a duplicated batch adds nothing, and no backup holds personal data in the clear.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectLegalHoldCommand } from '@aws-sdk/client-s3';
import type { DynamoDBRecord } from 'aws-lambda';
import { canonicalJson } from '../../functions/domain/canonical-json';
import { localLambdaContext } from '../../local/lambda-context';
import { BackupProbe, toStreamJson } from './backup-probe';
import {
  as,
  auditChained,
  clientsByRole,
  endpoints,
  localHandlers,
  sampleInvoice,
  tableClient,
} from './support';

const execute = promisify(execFile);
const { tenantA, tenantB } = clientsByRole();
const stateDir = () => process.env.LEDGERLOCK_TEST_STATE_DIR ?? '';
const probe = new BackupProbe(endpoints(), stateDir());
const s3 = (credentials?: { accessKeyId: string; secretAccessKey: string }) => probe.s3(credentials);
const bucket = () => probe.bucket;
const allVersions = () => probe.allVersions();
const contentOf = (version: { key: string; versionId: string }) => probe.contentOf(version);
const scan = (tableName: string) => probe.scan(tableName);
const caughtUp = () => probe.caughtUp();
const restore = (into: string, asOf?: string) => probe.restore(into, asOf);

const canary = `canary${randomBytes(6).toString('hex')}`;

/** A history over two tenants: customers, drafts, issues, payments, a void, a credit note, a customer change. */
async function mixedHistory() {
  const ids: string[] = [];
  for (const client of [tenantA, tenantB]) {
    const api = await as(client);
    const customer = await api.post('/v1/customers', {
      ...sampleInvoice().customer,
      name: `Customer ${canary}`,
    });
    expect(customer.status).toBe(201);
    const draft = await api.post(
      '/v1/invoices',
      sampleInvoice({
        customer: { ...sampleInvoice().customer, name: `Name ${canary}` },
        memo: `Memo ${canary}`,
        lines: [{ description: `Line ${canary}`, quantity: 3, unitAmount: 1000, taxRateBps: 1900 }],
      }),
    );
    const paid = await api.post('/v1/invoices', sampleInvoice());
    const voided = await api.post('/v1/invoices', sampleInvoice());
    const credited = await api.post('/v1/invoices', sampleInvoice());
    for (const invoice of [paid, voided, credited])
      await api.post(`/v1/invoices/${invoice.body.id}/issue`, {});
    await api.post(`/v1/invoices/${paid.body.id}/payments`, { amount: 1000, reference: `Ref ${canary}` });
    await api.post(`/v1/invoices/${voided.body.id}/void`, { reason: `Void ${canary}` });
    await api.post(`/v1/invoices/${credited.body.id}/credit-notes`, {
      reason: `Credit ${canary}`,
      lines: [{ invoiceLine: 0, quantity: 1 }],
    });
    await api.patch(`/v1/customers/${customer.body.id}`, { email: `new.${canary}@example.com` });
    ids.push(customer.body.id, draft.body.id, paid.body.id, voided.body.id, credited.body.id);
  }
  return ids;
}

describe('backups', () => {
  afterAll(() => probe.close());
  let history: string[];

  beforeAll(async () => {
    history = await mixedHistory();
    await auditChained();
    await caughtUp();
  }, 120_000);

  describe('restore', () => {
    it('rebuilds exactly the live items from the backups and verifies seals and audit chains', async () => {
      await auditChained();
      await caughtUp();
      const live = await scan(endpoints().tables.main);
      const into = `restored-${randomUUID().slice(0, 8)}`;
      const result = await restore(into);
      const lines = result.stdout.trimEnd().split('\n');
      // What failed, if anything, is in the failure message: the restore's BROKEN and FAILED lines.
      expect({
        last: lines.at(-1),
        failed: lines.filter((line) => /BROKEN|FAILED/.test(line)),
      }).toEqual({ last: expect.stringMatching(/^restore: \d+ items as of \S+, verified$/), failed: [] });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/audit chain of ten_\w+: valid, \d+ events, [1-9]\d* signed checkpoints/);
      const restored = await scan(into);
      const byKey = (items: Record<string, any>[]) =>
        Object.fromEntries(items.map((item) => [`${item.pk?.S}|${item.sk?.S}`, toStreamJson(item)]));
      // Durable items: expired ones (a TTL in the past) are left out on purpose and said so.
      const now = Math.floor(Date.now() / 1000);
      const durable = live.filter(
        (item) => item.expiresAt?.N === undefined || Number(item.expiresAt.N) >= now,
      );
      expect(canonicalJson(byKey(restored))).toBe(canonicalJson(byKey(durable)));
      for (const id of history) expect(JSON.stringify(restored)).toContain(id);
    }, 180_000);

    it('restores the state as of a moment between two changes of one invoice', async () => {
      const api = await as(tenantA);
      const draft = await api.post('/v1/invoices', sampleInvoice({ memo: 'before' }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const between = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const issued = await api.post(`/v1/invoices/${draft.body.id}/issue`, {});
      expect(issued.status).toBe(200);
      await caughtUp();
      const into = `as-of-${randomUUID().slice(0, 8)}`;
      const result = await restore(into, between);
      expect(result.code).toBe(0);
      const restored = (await scan(into)).find(
        (item) => item.pk?.S === `${tenantA.tenantId}#INVOICE#${draft.body.id}`,
      );
      expect(restored?.status?.S).toBe('draft');
      expect(restored?.number?.NULL).toBe(true);
      const latest = (await scan(endpoints().tables.main)).find(
        (item) => item.pk?.S === `${tenantA.tenantId}#INVOICE#${draft.body.id}`,
      );
      expect(latest?.status?.S).toBe('issued');
    }, 180_000);

    it('fails the restore of a chain cut off its end in the table, by a signed checkpoint only the backups still hold', async () => {
      const api = await as(tenantA);
      await api.post('/v1/invoices', sampleInvoice());
      await auditChained();
      const audit = { S: `${tenantA.tenantId}#AUDIT` };
      const newest = async (prefix: string) =>
        (
          await tableClient().send(
            new QueryCommand({
              TableName: endpoints().tables.main,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
              ExpressionAttributeValues: { ':pk': audit, ':prefix': { S: prefix } },
              ScanIndexForward: false,
              ConsistentRead: true,
              Limit: 2,
            }),
          )
        ).Items ?? [];
      const [last, before] = await newest('EVENT#');
      const [checkpoint] = await newest('CHECKPOINT#');
      const { Item: head } = await tableClient().send(
        new GetItemCommand({
          TableName: endpoints().tables.main,
          Key: { pk: audit, sk: { S: 'HEAD' } },
          ConsistentRead: true,
        }),
      );
      if (last === undefined || before === undefined || checkpoint === undefined || head === undefined) {
        throw new Error('expected a chained, checkpointed trail');
      }
      expect(checkpoint.sequence?.N).toBe(last.sequence?.N);
      const table = endpoints().tables.main;
      const write = (item: Record<string, any>) =>
        tableClient().send(new PutItemCommand({ TableName: table, Item: item }));
      const erase = (item: Record<string, any>) =>
        tableClient().send(new DeleteItemCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk } }));
      // A table writer removes the newest event and the checkpoint that signed it, and moves the head back: the
      // table alone is consistent again. The backups still hold the checkpoint's INSERT.
      await erase(last);
      await erase(checkpoint);
      await write({ ...head, sequence: before.sequence as any, hash: before.hash as any });
      try {
        await caughtUp();
        const result = await restore(`cut-${randomUUID().slice(0, 8)}`);
        expect(result.code).toBe(1);
        expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(
          /^restore: \d+ items as of \S+, NOT verified$/,
        );
        expect(result.stdout).toContain(
          `audit chain of ${tenantA.tenantId}: BROKEN (missing at ${last.sequence?.N}`,
        );
      } finally {
        await write(last);
        await write(checkpoint);
        await write(head);
        await caughtUp();
      }
    }, 240_000);

    it('refuses to restore into a table that holds items', async () => {
      const result = await restore(endpoints().tables.main);
      expect(result.code).not.toBe(0);
      expect(result.stdout).toMatch(/already holds items/);
    });
  });

  describe('immutability', () => {
    // moto does not check identities in the stack (its IAM checks break prefix listings), so both credentials
    // reach the same bucket: what holds here is Object Lock itself, for anyone. The backup role's narrower
    // rights are asserted on the template (test/infra) and with moto's IAM on (test/tooling/moto-s3.test.ts).
    const credentials = {
      'the backup function': { accessKeyId: 'AKIABACKUPFUNCTION', secretAccessKey: 'backup-function-secret' },
      'the local admin': { accessKeyId: 'AKIALOCALADMIN00001', secretAccessKey: 'local-admin-secret' },
    };

    it.each(Object.entries(credentials))(
      'refuses %s the deletion of a locked backup version',
      async (_who, credential) => {
        const [version] = await allVersions();
        if (version === undefined) throw new Error('no backup yet');
        await expect(
          s3(credential).send(
            new DeleteObjectCommand({
              Bucket: bucket(),
              Key: version.key,
              VersionId: version.versionId,
              BypassGovernanceRetention: true,
            }),
          ),
        ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
        await expect(
          s3(credential).send(new DeleteObjectCommand({ Bucket: bucket(), Key: version.key })),
        ).rejects.toThrow();
        expect((await contentOf(version)).length).toBeGreaterThan(0);
      },
    );

    it('keeps a legally held version, and every version readable, whatever delete is tried', async () => {
      const [version] = await allVersions();
      if (version === undefined) throw new Error('no backup yet');
      await s3().send(
        new PutObjectLegalHoldCommand({
          Bucket: bucket(),
          Key: version.key,
          VersionId: version.versionId,
          LegalHold: { Status: 'ON' },
        }),
      );
      await expect(
        s3().send(
          new DeleteObjectCommand({ Bucket: bucket(), Key: version.key, VersionId: version.versionId }),
        ),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      const head = await s3().send(
        new HeadObjectCommand({ Bucket: bucket(), Key: version.key, VersionId: version.versionId }),
      );
      expect(head).toMatchObject({
        ObjectLockLegalHoldStatus: 'ON',
        ObjectLockMode: 'COMPLIANCE',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: endpoints().keys.backups,
      });
    });
  });

  describe('idempotence', () => {
    it('writes a duplicated stream batch once: same name, same bytes, no second version', async () => {
      const { backup } = localHandlers();
      const record: DynamoDBRecord = {
        eventID: randomUUID(),
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        eventSourceARN: `arn:aws:dynamodb:${endpoints().region}:000000000000:table/${endpoints().tables.main}/stream/2026-12-01T00:00:00.000`,
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
          SequenceNumber: String(9_000_000_000_000_000_000n + BigInt(Date.now())),
          Keys: { pk: { S: `${tenantA.tenantId}#DUPLICATE#x` }, sk: { S: 'X' } },
          NewImage: { pk: { S: `${tenantA.tenantId}#DUPLICATE#x` }, sk: { S: 'X' } },
        },
      };
      const context = () =>
        localLambdaContext({
          functionName: 'backup',
          requestId: randomUUID(),
          region: endpoints().region,
          timeoutMs: 60_000,
        });
      const before = await allVersions();
      await backup({ Records: [record] }, context());
      await backup({ Records: [structuredClone(record)] }, context());
      const added = (await allVersions()).filter(
        (version) => !before.some((seen) => seen.versionId === version.versionId),
      );
      expect(added).toHaveLength(1);
      expect(added[0]?.key).toContain(record.dynamodb?.SequenceNumber);
    });
  });

  describe('personal data', () => {
    it('has no plaintext canary in any version, key or metadata of any backup object', async () => {
      const versions = await allVersions();
      expect(versions.length).toBeGreaterThan(0);
      for (const version of versions) {
        expect(version.key).not.toContain(canary);
        const head = await s3().send(
          new HeadObjectCommand({ Bucket: bucket(), Key: version.key, VersionId: version.versionId }),
        );
        expect(JSON.stringify(head.Metadata ?? {})).not.toContain(canary);
        const content = gunzipSync(await contentOf(version));
        // Sealed fields travel as ciphertext (base64 in the JSON): neither form may hold the canary.
        expect(content.toString('utf8')).not.toContain(canary);
        expect(content.toString('latin1')).not.toContain(canary);
      }
    });
  });

  it('says how far the backups lag', async () => {
    const { stdout } = await execute(
      'npx',
      ['tsx', 'ops/restore.ts', '--status', '--state-dir', stateDir()],
      {
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    expect(stdout).toMatch(
      /main\s+\d+ objects, \d+ changes; last written \d+ s ago; lag p50 \d+ ms, p95 \d+ ms/,
    );
    expect(stdout).toMatch(/key-store/);
  });
});
