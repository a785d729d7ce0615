// test: moto's S3 server as the backup bucket's emulator — what Object Lock holds there through the real SDK, the
// gaps we rely on the template for (each named for what it shows, so a change in moto fails here), IAM-enforced
// credentials, and persistence through the launcher's recorder.
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { EmulatorStartError, emulatorClientConfig, localAwsIdentity } from '../../local/emulators/emulator';
import {
  findMotoServer,
  MotoServerRequirementError,
  type RunningMotoS3,
  startMotoS3,
} from '../../local/emulators/moto-s3';
import { listeningAddresses } from '../../local/emulators/ports';
import {
  administratorPolicy,
  backupBucketPolicy,
  backupWriterPolicy,
  ensureLocalPrincipal,
  ensureLockedBucket,
  LockedBucketMismatchError,
} from '../../local/provision-backups';

const bucket = 'ledgerlock-backups-test';
const retentionDays = 1;
const dayMs = 86_400_000;
const directories: string[] = [];

function newDirectory(purpose: string): string {
  const directory = mkdtempSync(join(tmpdir(), `ledgerlock-moto-${purpose}-`));
  directories.push(directory);
  return directory;
}

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function clientFor(
  moto: RunningMotoS3,
  credentials: { accessKeyId: string; secretAccessKey: string } = localAwsIdentity.credentials,
): S3Client {
  return new S3Client({ ...emulatorClientConfig(moto.endpoint), credentials, forcePathStyle: true });
}

function provisioningConfig(moto: RunningMotoS3) {
  return {
    endpoint: moto.endpoint,
    region: localAwsIdentity.region,
    credentials: { ...localAwsIdentity.credentials },
  };
}

async function put(client: S3Client, key: string, body: string | Buffer = 'batch'): Promise<string> {
  const { VersionId } = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  if (VersionId === undefined) throw new Error(`moto gave ${key} no VersionId`);
  return VersionId;
}

async function readVersion(client: S3Client, key: string, versionId: string): Promise<string | undefined> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return object.Body?.transformToString();
}

function deleteVersion(client: S3Client, key: string, versionId: string, bypassGovernance = false) {
  return client.send(
    new DeleteObjectCommand({
      Bucket: bucket,
      Key: key,
      VersionId: versionId,
      ...(bypassGovernance ? { BypassGovernanceRetention: true } : {}),
    }),
  );
}

/**
 * Puts a version held until `retainUntil` (with a legal hold when asked) and a control version with the same
 * retention and no hold; resolves once the control can be deleted, i.e. once the retention has really ended.
 */
async function heldPastItsRetention(client: S3Client, key: string): Promise<string> {
  const retainUntil = new Date(Date.now() + 1_500);
  const putUntil = (objectKey: string, legalHold: boolean) =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: objectKey,
        Body: 'short',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: retainUntil,
        ...(legalHold ? { ObjectLockLegalHoldStatus: 'ON' as const } : {}),
      }),
    );
  const held = (await putUntil(key, true)).VersionId ?? '';
  const control = (await putUntil(`${key}.control`, false)).VersionId ?? '';
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await deleteVersion(client, `${key}.control`, control);
      return held;
    } catch (error) {
      if ((error as Error).name !== 'AccessDenied' || Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('moto S3 emulator (backup bucket)', () => {
  describe('prerequisites', () => {
    it('finds a Python that imports moto 5 or newer', async () => {
      const runtime = await findMotoServer();

      expect(Number.parseInt(runtime.motoVersion, 10)).toBeGreaterThanOrEqual(5);
    });

    it('says how to install moto when the given Python cannot run it', async () => {
      const attempt = findMotoServer('/nonexistent/python3');

      await expect(attempt).rejects.toBeInstanceOf(MotoServerRequirementError);
      await expect(attempt).rejects.toThrow(/pip install "moto\[server\]"/);
    });

    it('refuses the ports Node fetch cannot reach', async () => {
      await expect(startMotoS3({ port: 5060 })).rejects.toThrow(/fetch refuses ports 5060 and 5061/);
    });
  });

  describe('Object Lock in memory', () => {
    let moto: RunningMotoS3;
    let client: S3Client;

    beforeAll(async () => {
      moto = await startMotoS3();
      client = clientFor(moto);
      await ensureLockedBucket(provisioningConfig(moto), bucket, { retentionDays, mode: 'COMPLIANCE' });
    });

    afterAll(async () => {
      client?.destroy();
      await moto?.stop();
    });

    it('creates the bucket with Object Lock, versioning and a COMPLIANCE default retention', async () => {
      const lock = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      const versioning = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));

      expect(lock.ObjectLockConfiguration).toEqual({
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: retentionDays, Years: 0 } },
      });
      expect(versioning.Status).toBe('Enabled');
    });

    it('is idempotent, and refuses an existing bucket without Object Lock', async () => {
      await client.send(new CreateBucketCommand({ Bucket: 'plain-bucket-test' }));

      const again = await ensureLockedBucket(provisioningConfig(moto), bucket, {
        retentionDays,
        mode: 'COMPLIANCE',
      });

      expect(again.created).toBe(false);
      await expect(
        ensureLockedBucket(provisioningConfig(moto), 'plain-bucket-test', {
          retentionDays,
          mode: 'COMPLIANCE',
        }),
      ).rejects.toBeInstanceOf(LockedBucketMismatchError);
    });

    it('keeps two versions of one key, each under the default retention', async () => {
      const first = await put(client, 'changes/v1/two-versions.json.gz', 'first');
      const second = await put(client, 'changes/v1/two-versions.json.gz', 'second');

      const head = await client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: 'changes/v1/two-versions.json.gz', VersionId: first }),
      );
      expect(first).not.toBe(second);
      expect(await readVersion(client, 'changes/v1/two-versions.json.gz', first)).toBe('first');
      expect(await readVersion(client, 'changes/v1/two-versions.json.gz', second)).toBe('second');
      expect(head.ObjectLockMode).toBe('COMPLIANCE');
      expect(head.ObjectLockRetainUntilDate?.getTime()).toBeGreaterThan(
        Date.now() + retentionDays * dayMs - 60_000,
      );
    });

    it('refuses DeleteObjectVersion on a version under retention with AccessDenied (403)', async () => {
      const versionId = await put(client, 'changes/v1/locked.json.gz');

      await expect(deleteVersion(client, 'changes/v1/locked.json.gz', versionId)).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
      expect(await readVersion(client, 'changes/v1/locked.json.gz', versionId)).toBe('batch');
    });

    it('does not delete a COMPLIANCE version with BypassGovernanceRetention', async () => {
      const versionId = await put(client, 'changes/v1/bypass.json.gz');

      await expect(deleteVersion(client, 'changes/v1/bypass.json.gz', versionId, true)).rejects.toMatchObject(
        {
          name: 'AccessDenied',
        },
      );
      expect(await readVersion(client, 'changes/v1/bypass.json.gz', versionId)).toBe('batch');
    });

    it('keeps a version under legal hold after its retention ended', async () => {
      const held = await heldPastItsRetention(client, 'changes/v1/held.json.gz');

      const hold = await client.send(
        new GetObjectLegalHoldCommand({ Bucket: bucket, Key: 'changes/v1/held.json.gz', VersionId: held }),
      );

      expect(hold.LegalHold?.Status).toBe('ON');
      await expect(deleteVersion(client, 'changes/v1/held.json.gz', held)).rejects.toMatchObject({
        name: 'AccessDenied',
      });
      expect(await readVersion(client, 'changes/v1/held.json.gz', held)).toBe('short');
    });

    it('adds a delete marker on a plain DeleteObject and keeps the version readable by VersionId', async () => {
      const versionId = await put(client, 'changes/v1/marked.json.gz');

      const deletion = await client.send(
        new DeleteObjectCommand({ Bucket: bucket, Key: 'changes/v1/marked.json.gz' }),
      );
      const versions = await client.send(
        new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'changes/v1/marked.json.gz' }),
      );

      expect(deletion.DeleteMarker).toBe(true);
      await expect(
        client.send(new GetObjectCommand({ Bucket: bucket, Key: 'changes/v1/marked.json.gz' })),
      ).rejects.toMatchObject({ name: 'NoSuchKey' });
      expect(await readVersion(client, 'changes/v1/marked.json.gz', versionId)).toBe('batch');
      expect(versions.DeleteMarkers?.map((marker) => marker.IsLatest)).toEqual([true]);
      expect(versions.Versions?.map((version) => version.VersionId)).toEqual([versionId]);
    });

    it('refuses a second version of an existing key under If-None-Match: * with 412 PreconditionFailed', async () => {
      const key = 'changes/v1/once.json.gz';
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'first', IfNoneMatch: '*' }));

      await expect(
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'second', IfNoneMatch: '*' })),
      ).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
      const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
      expect(versions.Versions).toHaveLength(1);
    });

    it('echoes SSE-KMS headers without checking the key (a gap of moto: it never calls KMS)', async () => {
      const key = 'changes/v1/encrypted.json.gz';
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: 'sealed',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: 'not-a-key-anyone-created',
        }),
      );

      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));

      expect(head).toMatchObject({
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'not-a-key-anyone-created',
      });
    });

    it('accepts a shortened COMPLIANCE retention (a gap of moto; AWS refuses — asserted on the template instead)', async () => {
      const key = 'changes/v1/shortened.json.gz';
      const versionId = await put(client, key);
      const shorter = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);

      await client.send(
        new PutObjectRetentionCommand({
          Bucket: bucket,
          Key: key,
          VersionId: versionId,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: shorter },
        }),
      );
      const head = await client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      );

      expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(shorter.getTime());
    });

    it('stores the bucket policy but does not enforce its Deny of s3:PutObjectRetention (a gap of moto)', async () => {
      const key = 'changes/v1/policy.json.gz';
      const versionId = await put(client, key);
      const { Policy } = await client.send(new GetBucketPolicyCommand({ Bucket: bucket }));

      const extension = await client.send(
        new PutObjectRetentionCommand({
          Bucket: bucket,
          Key: key,
          VersionId: versionId,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 2 * dayMs) },
        }),
      );

      expect(JSON.parse(Policy ?? '{}')).toEqual(backupBucketPolicy(bucket));
      expect(extension.$metadata.httpStatusCode).toBe(200);
    });

    it('has no GetObjectRetention (a gap of moto: it answers the object; HeadObject carries the retention)', async () => {
      const key = 'changes/v1/retention.json.gz';
      const versionId = await put(client, key);

      await expect(
        client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: versionId })),
      ).rejects.toThrow(/XML parse error|Deserialization error/);
    });

    it("refuses moto's management API, whose /moto-api/reset would wipe locked versions", async () => {
      const versionId = await put(client, 'changes/v1/survives-reset.json.gz');

      const reset = await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
      const recorder = await fetch(`${moto.endpoint}/moto-api/recorder/reset-recording`, { method: 'POST' });

      expect([reset.status, recorder.status]).toEqual([403, 403]);
      expect(await readVersion(client, 'changes/v1/survives-reset.json.gz', versionId)).toBe('batch');
    });

    it('listens on 127.0.0.1 only and answers its health URL', async () => {
      const addresses = listeningAddresses(Number(new URL(moto.endpoint).port));
      const health = await fetch(moto.healthUrl);

      expect(addresses).toEqual(['127.0.0.1']);
      expect(await health.json()).toEqual({ status: 'ok', iamEnforced: false, recording: false });
    });
  });

  describe("IAM enforced: the backup function's credentials and the local admin's", () => {
    let moto: RunningMotoS3;
    let writer: S3Client;
    let admin: S3Client;
    let lockedVersion: string;
    let writerAccessKeyId: string;
    const batchKey = 'changes/v1/main/2026-12-01/shard-1/100-200.json.gz';

    beforeAll(async () => {
      moto = await startMotoS3();
      await ensureLockedBucket(provisioningConfig(moto), bucket, { retentionDays, mode: 'COMPLIANCE' });
      const writerPrincipal = await ensureLocalPrincipal(
        moto.endpoint,
        'backup-function',
        backupWriterPolicy(bucket),
      );
      const adminPrincipal = await ensureLocalPrincipal(moto.endpoint, 'local-admin', administratorPolicy);
      await moto.enforceIam();
      writerAccessKeyId = writerPrincipal.credentials.accessKeyId;
      writer = clientFor(moto, writerPrincipal.credentials);
      admin = clientFor(moto, adminPrincipal.credentials);
      const { VersionId } = await writer.send(
        new PutObjectCommand({ Bucket: bucket, Key: batchKey, Body: gzipSync('[]'), IfNoneMatch: '*' }),
      );
      lockedVersion = VersionId ?? '';
    });

    afterAll(async () => {
      writer?.destroy();
      admin?.destroy();
      await moto?.stop();
    });

    it('lets the backup function add a batch under its prefix, and nothing else', async () => {
      const denied = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };

      expect(lockedVersion).not.toBe('');
      await expect(
        writer.send(new PutObjectCommand({ Bucket: bucket, Key: 'elsewhere.json', Body: 'x' })),
      ).rejects.toMatchObject(denied);
      await expect(
        writer.send(new GetObjectCommand({ Bucket: bucket, Key: batchKey })),
      ).rejects.toMatchObject(denied);
      await expect(
        writer.send(new DeleteObjectCommand({ Bucket: bucket, Key: batchKey })),
      ).rejects.toMatchObject(denied);
      await expect(deleteVersion(writer, batchKey, lockedVersion)).rejects.toMatchObject(denied);
    });

    it('lets the backup function change retention and legal holds (a gap of moto: both are checked as s3:PutObject)', async () => {
      const retention = await writer.send(
        new PutObjectRetentionCommand({
          Bucket: bucket,
          Key: batchKey,
          VersionId: lockedVersion,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 3 * dayMs) },
        }),
      );
      const hold = await writer.send(
        new PutObjectLegalHoldCommand({
          Bucket: bucket,
          Key: batchKey,
          VersionId: lockedVersion,
          LegalHold: { Status: 'OFF' },
        }),
      );

      expect([retention.$metadata.httpStatusCode, hold.$metadata.httpStatusCode]).toEqual([200, 200]);
    });

    it('does not let the admin delete a locked version; a plain delete leaves a marker and the version readable', async () => {
      await expect(deleteVersion(admin, batchKey, lockedVersion, true)).rejects.toMatchObject({
        name: 'AccessDenied',
      });

      const deletion = await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: batchKey }));
      const object = await admin.send(
        new GetObjectCommand({ Bucket: bucket, Key: batchKey, VersionId: lockedVersion }),
      );

      expect(deletion.DeleteMarker).toBe(true);
      expect(gunzipSync(Buffer.from((await object.Body?.transformToByteArray()) ?? [])).toString()).toBe(
        '[]',
      );
    });

    it("keeps a version under the admin's legal hold after its retention ended", async () => {
      const held = await heldPastItsRetention(admin, 'changes/v1/admin-held.json.gz');

      await expect(deleteVersion(admin, 'changes/v1/admin-held.json.gz', held, true)).rejects.toMatchObject({
        name: 'AccessDenied',
      });
      expect(await readVersion(admin, 'changes/v1/admin-held.json.gz', held)).toBe('short');
    });

    it('refuses unknown access keys and wrong secrets', async () => {
      const stranger = clientFor(moto);
      const forger = clientFor(moto, { accessKeyId: writerAccessKeyId, secretAccessKey: 'guessed-secret' });
      try {
        await expect(
          stranger.send(new GetObjectCommand({ Bucket: bucket, Key: batchKey })),
        ).rejects.toMatchObject({
          name: 'InvalidAccessKeyId',
        });
        await expect(
          forger.send(new PutObjectCommand({ Bucket: bucket, Key: `${batchKey}.forged`, Body: 'x' })),
        ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
      } finally {
        stranger.destroy();
        forger.destroy();
      }
    });

    it('still answers its health URL without credentials', async () => {
      const health = await fetch(moto.healthUrl);

      expect(await health.json()).toMatchObject({ status: 'ok', iamEnforced: true });
    });
  });

  describe('persistence through the recorder', () => {
    it('brings back buckets, the same versions, lock configuration, retention, holds and markers after a restart', async () => {
      const dataDir = newDirectory('restart');
      let moto = await startMotoS3({ dataDir });
      let client = clientFor(moto);
      try {
        await ensureLockedBucket(provisioningConfig(moto), bucket, { retentionDays, mode: 'COMPLIANCE' });
        const gzipped = gzipSync(randomBytes(50_000));
        const binaryVersion = await put(client, 'changes/v1/binary.json.gz', gzipped);
        const oddKey = 'changes/v1/odd key + ünïcode/100.json.gz';
        const oddVersion = await put(client, oddKey, 'odd');
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: 'changes/v1/streamed.json.gz',
            // A stream makes the SDK send aws-chunked with a trailing checksum.
            Body: Readable.from([gzipped.subarray(0, 1000), gzipped.subarray(1000)]),
            ContentLength: gzipped.length,
          }),
        );
        const heldVersion = await put(client, 'changes/v1/held.json.gz');
        await client.send(
          new PutObjectLegalHoldCommand({
            Bucket: bucket,
            Key: 'changes/v1/held.json.gz',
            VersionId: heldVersion,
            LegalHold: { Status: 'ON' },
          }),
        );
        const shortenedVersion = await put(client, 'changes/v1/shortened.json.gz');
        const shortened = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000);
        await client.send(
          new PutObjectRetentionCommand({
            Bucket: bucket,
            Key: 'changes/v1/shortened.json.gz',
            VersionId: shortenedVersion,
            Retention: { Mode: 'COMPLIANCE', RetainUntilDate: shortened },
          }),
        );
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: oddKey }));
        // Concurrent writes to one key: the replay must apply them in the order moto did.
        await Promise.all(
          Array.from({ length: 20 }, (_, index) => put(client, 'changes/v1/concurrent.json.gz', `v${index}`)),
        );
        const before = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
        const headBefore = await client.send(
          new HeadObjectCommand({
            Bucket: bucket,
            Key: 'changes/v1/binary.json.gz',
            VersionId: binaryVersion,
          }),
        );
        client.destroy();
        await moto.stop();

        moto = await startMotoS3({ dataDir });
        client = clientFor(moto);
        const after = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
        const lock = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
        const headAfter = await client.send(
          new HeadObjectCommand({
            Bucket: bucket,
            Key: 'changes/v1/binary.json.gz',
            VersionId: binaryVersion,
          }),
        );
        const binary = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: 'changes/v1/binary.json.gz',
            VersionId: binaryVersion,
          }),
        );
        const streamed = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: 'changes/v1/streamed.json.gz' }),
        );
        const shortenedHead = await client.send(
          new HeadObjectCommand({
            Bucket: bucket,
            Key: 'changes/v1/shortened.json.gz',
            VersionId: shortenedVersion,
          }),
        );
        const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

        expect(moto.replay?.requests).toBeGreaterThanOrEqual(10);
        expect(after.Versions).toEqual(before.Versions);
        expect(after.DeleteMarkers).toEqual(before.DeleteMarkers);
        expect(lock.ObjectLockConfiguration?.Rule?.DefaultRetention).toMatchObject({
          Mode: 'COMPLIANCE',
          Days: retentionDays,
        });
        expect(headAfter.ObjectLockRetainUntilDate).toEqual(headBefore.ObjectLockRetainUntilDate);
        expect(headAfter.LastModified).toEqual(headBefore.LastModified);
        expect(shortenedHead.ObjectLockRetainUntilDate).toEqual(shortened);
        expect(sha256((await binary.Body?.transformToByteArray()) ?? new Uint8Array())).toBe(sha256(gzipped));
        expect(sha256((await streamed.Body?.transformToByteArray()) ?? new Uint8Array())).toBe(
          sha256(gzipped),
        );
        expect(await readVersion(client, oddKey, oddVersion)).toBe('odd');
        await expect(deleteVersion(client, 'changes/v1/held.json.gz', heldVersion)).rejects.toMatchObject({
          name: 'AccessDenied',
        });
      } finally {
        client.destroy();
        await moto.stop();
      }
    });

    it('keeps the recording to successful writes', async () => {
      const dataDir = newDirectory('writes-only');
      const moto = await startMotoS3({ dataDir });
      const client = clientFor(moto);
      try {
        await ensureLockedBucket(provisioningConfig(moto), bucket, { retentionDays, mode: 'COMPLIANCE' });
        const lines = () =>
          readFileSync(moto.recordingFile ?? '', 'utf8')
            .trim()
            .split('\n').length;
        const afterProvisioning = lines();
        const versionId = await put(client, 'changes/v1/a.json.gz');

        await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'changes/v1/a.json.gz' }));
        await deleteVersion(client, 'changes/v1/a.json.gz', versionId).catch(() => undefined);

        expect(lines()).toBe(afterProvisioning + 1);
      } finally {
        client.destroy();
        await moto.stop();
      }
    });

    it('refuses a second moto on the same data dir', async () => {
      const dataDir = newDirectory('lock');
      const moto = await startMotoS3({ dataDir });
      try {
        await expect(startMotoS3({ dataDir })).rejects.toThrow(/is in use by process/);
      } finally {
        await moto.stop();
      }
    });

    it('drops a last line cut short by a crash and replays the rest', async () => {
      const dataDir = newDirectory('partial');
      let moto = await startMotoS3({ dataDir });
      let client = clientFor(moto);
      await ensureLockedBucket(provisioningConfig(moto), bucket, { retentionDays, mode: 'COMPLIANCE' });
      const versionId = await put(client, 'changes/v1/kept.json.gz', 'kept');
      client.destroy();
      await moto.stop();
      appendFileSync(join(dataDir, 'moto-s3-recording.jsonl'), '{"headers": {"Host": "127.0.0.1:1"}, "meth');

      moto = await startMotoS3({ dataDir });
      client = clientFor(moto);
      try {
        expect(moto.replay?.droppedPartialLine).toBe(true);
        expect(await readVersion(client, 'changes/v1/kept.json.gz', versionId)).toBe('kept');
      } finally {
        client.destroy();
        await moto.stop();
      }
    });

    it('refuses to start when the recording no longer replays as recorded', async () => {
      const dataDir = newDirectory('diverged');
      const moto = await startMotoS3({ dataDir });
      const client = clientFor(moto);
      await ensureLockedBucket(provisioningConfig(moto), bucket, { retentionDays, mode: 'COMPLIANCE' });
      await put(client, 'changes/v1/a.json.gz');
      client.destroy();
      await moto.stop();
      const recording = join(dataDir, 'moto-s3-recording.jsonl');
      const lines = readFileSync(recording, 'utf8').trimEnd().split('\n');
      // Replaying the PutObject first, before its bucket exists, cannot answer what was recorded.
      writeFileSync(recording, `${[lines.at(-1), ...lines.slice(0, -1)].join('\n')}\n`);

      const failure = await startMotoS3({ dataDir }).then(
        (unexpected) => unexpected.stop(),
        (error: unknown) => error,
      );

      expect(failure).toBeInstanceOf(EmulatorStartError);
      expect((failure as Error).message).toMatch(/line 1 \(PUT \/ledgerlock-backups-test\/changes.*diverged/);
    });

    it('leaves no python process behind after stop()', async () => {
      const moto = await startMotoS3({ dataDir: newDirectory('stop') });

      await moto.stop();
      await moto.stop();

      expect(isGone(moto.pid)).toBe(true);
    });
  });
});
