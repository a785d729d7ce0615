// test: moto's S3 server as the backup bucket's emulator — what Object Lock holds there through the real SDK, the
// gaps we rely on the template for (each named for what it shows, so a change in moto fails here), IAM-enforced
// credentials, and persistence through the launcher's recorder.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
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
import { backupPutRequest, S3BackupArchive } from '../../functions/adapters/s3-backup-archive';
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
  backupWriterPolicy,
  deployedBackupBucketPolicy,
  ensureLocalPrincipal,
  ensureLockedBucket,
  LockedBucketMismatchError,
  type LockedBucketOptions,
  locallyEnforceablePolicy,
} from '../../local/provision-backups';

/** With what moto can enforce of the deployed bucket policy, as the stack creates it. */
const backups = 'ledgerlock-backups-test';
/** Object Lock alone, no bucket policy: what the lock holds by itself. */
const lockOnly = 'ledgerlock-lock-only-test';
const backupKeyArn = 'arn:aws:kms:eu-central-1:000000000000:key/00000000-0000-4000-8000-00000000b0c4';
const retentionDays = 1;
const lockedWithPolicy: LockedBucketOptions = {
  retentionDays,
  mode: 'COMPLIANCE',
  encryptionKeyArn: backupKeyArn,
};
const lockedWithoutPolicy: LockedBucketOptions = { ...lockedWithPolicy, bucketPolicy: 'none' };
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

/** The object operations the tests repeat, on one bucket with one client. */
function on(client: S3Client, bucket: string) {
  const deleteVersion = (key: string, versionId: string, bypassGovernance = false) =>
    client.send(
      new DeleteObjectCommand({
        Bucket: bucket,
        Key: key,
        VersionId: versionId,
        ...(bypassGovernance ? { BypassGovernanceRetention: true } : {}),
      }),
    );
  return {
    async put(key: string, body: string | Buffer = 'batch'): Promise<string> {
      const { VersionId } = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      if (VersionId === undefined) throw new Error(`moto gave ${key} no VersionId`);
      return VersionId;
    },
    async read(key: string, versionId: string): Promise<string | undefined> {
      const object = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      );
      return object.Body?.transformToString();
    },
    deleteVersion,
    /**
     * Puts a version locked for 1.5 s under a legal hold, and a control version with the same retention and no
     * hold; resolves once the control can be deleted, i.e. once the retention has really ended.
     */
    async heldPastItsRetention(key: string): Promise<string> {
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
          await deleteVersion(`${key}.control`, control);
          return held;
        } catch (error) {
          if ((error as Error).name !== 'AccessDenied' || Date.now() > deadline) throw error;
          await sleep(200);
        }
      }
    },
  };
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

  describe('Object Lock alone, in memory', () => {
    let moto: RunningMotoS3;
    let client: S3Client;
    let bucket: ReturnType<typeof on>;

    beforeAll(async () => {
      moto = await startMotoS3();
      client = clientFor(moto);
      bucket = on(client, lockOnly);
      await ensureLockedBucket(provisioningConfig(moto), lockOnly, lockedWithoutPolicy);
    });

    afterAll(async () => {
      client?.destroy();
      await moto?.stop();
    });

    it('creates the bucket with Object Lock, versioning and a COMPLIANCE default retention', async () => {
      const lock = await client.send(new GetObjectLockConfigurationCommand({ Bucket: lockOnly }));
      const versioning = await client.send(new GetBucketVersioningCommand({ Bucket: lockOnly }));

      expect(lock.ObjectLockConfiguration).toEqual({
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: retentionDays, Years: 0 } },
      });
      expect(versioning.Status).toBe('Enabled');
    });

    it('is idempotent, and refuses an existing bucket without Object Lock', async () => {
      await client.send(new CreateBucketCommand({ Bucket: 'plain-bucket-test' }));

      const again = await ensureLockedBucket(provisioningConfig(moto), lockOnly, lockedWithoutPolicy);

      expect(again.created).toBe(false);
      await expect(
        ensureLockedBucket(provisioningConfig(moto), 'plain-bucket-test', lockedWithoutPolicy),
      ).rejects.toBeInstanceOf(LockedBucketMismatchError);
    });

    it('keeps two versions of one key, each under the default retention and the backup key', async () => {
      const first = await bucket.put('changes/v1/two-versions.json.gz', 'first');
      const second = await bucket.put('changes/v1/two-versions.json.gz', 'second');

      const head = await client.send(
        new HeadObjectCommand({ Bucket: lockOnly, Key: 'changes/v1/two-versions.json.gz', VersionId: first }),
      );
      expect(first).not.toBe(second);
      expect(await bucket.read('changes/v1/two-versions.json.gz', first)).toBe('first');
      expect(await bucket.read('changes/v1/two-versions.json.gz', second)).toBe('second');
      expect(head).toMatchObject({ ObjectLockMode: 'COMPLIANCE', SSEKMSKeyId: backupKeyArn });
      expect(head.ObjectLockRetainUntilDate?.getTime()).toBeGreaterThan(
        Date.now() + retentionDays * dayMs - 60_000,
      );
    });

    it('refuses DeleteObjectVersion on a version under retention with AccessDenied (403)', async () => {
      const versionId = await bucket.put('changes/v1/locked.json.gz');

      await expect(bucket.deleteVersion('changes/v1/locked.json.gz', versionId)).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
      expect(await bucket.read('changes/v1/locked.json.gz', versionId)).toBe('batch');
    });

    it('does not delete a COMPLIANCE version with BypassGovernanceRetention', async () => {
      const versionId = await bucket.put('changes/v1/bypass.json.gz');

      await expect(bucket.deleteVersion('changes/v1/bypass.json.gz', versionId, true)).rejects.toMatchObject({
        name: 'AccessDenied',
      });
      expect(await bucket.read('changes/v1/bypass.json.gz', versionId)).toBe('batch');
    });

    it('keeps a version under legal hold after its retention ended', async () => {
      const held = await bucket.heldPastItsRetention('changes/v1/held.json.gz');

      const hold = await client.send(
        new GetObjectLegalHoldCommand({ Bucket: lockOnly, Key: 'changes/v1/held.json.gz', VersionId: held }),
      );

      expect(hold.LegalHold?.Status).toBe('ON');
      await expect(bucket.deleteVersion('changes/v1/held.json.gz', held)).rejects.toMatchObject({
        name: 'AccessDenied',
      });
      expect(await bucket.read('changes/v1/held.json.gz', held)).toBe('short');
    });

    it('adds a delete marker on a plain DeleteObject and keeps the version readable by VersionId', async () => {
      const versionId = await bucket.put('changes/v1/marked.json.gz');

      const deletion = await client.send(
        new DeleteObjectCommand({ Bucket: lockOnly, Key: 'changes/v1/marked.json.gz' }),
      );
      const versions = await client.send(
        new ListObjectVersionsCommand({ Bucket: lockOnly, Prefix: 'changes/v1/marked.json.gz' }),
      );

      expect(deletion.DeleteMarker).toBe(true);
      await expect(
        client.send(new GetObjectCommand({ Bucket: lockOnly, Key: 'changes/v1/marked.json.gz' })),
      ).rejects.toMatchObject({ name: 'NoSuchKey' });
      expect(await bucket.read('changes/v1/marked.json.gz', versionId)).toBe('batch');
      expect(versions.DeleteMarkers?.map((marker) => marker.IsLatest)).toEqual([true]);
      expect(versions.Versions?.map((version) => version.VersionId)).toEqual([versionId]);
    });

    it('refuses a second version of an existing key under If-None-Match: * with 412 PreconditionFailed', async () => {
      const key = 'changes/v1/once.json.gz';
      await client.send(
        new PutObjectCommand({ Bucket: lockOnly, Key: key, Body: 'first', IfNoneMatch: '*' }),
      );

      await expect(
        client.send(new PutObjectCommand({ Bucket: lockOnly, Key: key, Body: 'second', IfNoneMatch: '*' })),
      ).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
      const versions = await client.send(new ListObjectVersionsCommand({ Bucket: lockOnly, Prefix: key }));
      expect(versions.Versions).toHaveLength(1);
    });

    it('echoes SSE-KMS headers without checking the key (a gap of moto: it never calls KMS)', async () => {
      const key = 'changes/v1/encrypted.json.gz';
      await client.send(
        new PutObjectCommand({
          Bucket: lockOnly,
          Key: key,
          Body: 'sealed',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: 'not-a-key-anyone-created',
        }),
      );

      const head = await client.send(new HeadObjectCommand({ Bucket: lockOnly, Key: key }));

      expect(head).toMatchObject({
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'not-a-key-anyone-created',
      });
    });

    it('accepts a shortened COMPLIANCE retention (a gap of moto; AWS refuses — asserted on the template instead)', async () => {
      const key = 'changes/v1/shortened.json.gz';
      const versionId = await bucket.put(key);
      const shorter = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);

      await client.send(
        new PutObjectRetentionCommand({
          Bucket: lockOnly,
          Key: key,
          VersionId: versionId,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: shorter },
        }),
      );
      const head = await client.send(
        new HeadObjectCommand({ Bucket: lockOnly, Key: key, VersionId: versionId }),
      );

      expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(shorter.getTime());
    });

    it('has no GetObjectRetention (a gap of moto: it answers the object; HeadObject carries the retention)', async () => {
      const key = 'changes/v1/retention.json.gz';
      const versionId = await bucket.put(key);

      await expect(
        client.send(new GetObjectRetentionCommand({ Bucket: lockOnly, Key: key, VersionId: versionId })),
      ).rejects.toThrow(/XML parse error|Deserialization error/);
    });

    it("refuses moto's management API, whose /moto-api/reset would wipe locked versions", async () => {
      const versionId = await bucket.put('changes/v1/survives-reset.json.gz');

      const reset = await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
      const recorder = await fetch(`${moto.endpoint}/moto-api/recorder/reset-recording`, { method: 'POST' });

      expect([reset.status, recorder.status]).toEqual([403, 403]);
      expect(await bucket.read('changes/v1/survives-reset.json.gz', versionId)).toBe('batch');
    });

    it('listens on 127.0.0.1 only and answers its health URL', async () => {
      const addresses = listeningAddresses(Number(new URL(moto.endpoint).port));
      const health = await fetch(moto.healthUrl);

      expect(addresses).toEqual(['127.0.0.1']);
      expect(await health.json()).toEqual({ status: 'ok', iamEnforced: false, recording: false });
    });
  });

  describe('the deployed bucket policy, as far as moto enforces it', () => {
    let moto: RunningMotoS3;
    let client: S3Client;
    let bucket: ReturnType<typeof on>;
    let leftOut: readonly string[];

    beforeAll(async () => {
      moto = await startMotoS3();
      client = clientFor(moto);
      bucket = on(client, backups);
      ({ policyStatementsLeftOut: leftOut } = await ensureLockedBucket(
        provisioningConfig(moto),
        backups,
        lockedWithPolicy,
      ));
    });

    afterAll(async () => {
      client?.destroy();
      await moto?.stop();
    });

    it("stores the deployed policy's unconditional statements and names the ones moto cannot evaluate", async () => {
      const deployed = deployedBackupBucketPolicy(backups, {
        keyArn: backupKeyArn,
        deploymentRoleArn: 'arn:aws:iam::000000000000:role/ledgerlock-local-deployment',
      });
      const { Policy } = await client.send(new GetBucketPolicyCommand({ Bucket: backups }));

      expect(JSON.parse(Policy ?? '{}')).toEqual(locallyEnforceablePolicy(deployed).policy);
      expect(JSON.parse(Policy ?? '{}').Statement.map((statement: { Sid: string }) => statement.Sid)).toEqual(
        ['DenyDeletingOrUnlockingBackups', 'DenyBucketDeletion'],
      );
      expect(leftOut).toEqual([
        'DenyPutWithoutKmsEncryption',
        'DenyPutUnderAnotherKey',
        'DenyPutOutsideTheChangeLog',
        'DenyOverwritingBackups',
        'DenyRemovingLegalHolds',
        'DenyProtectionChangesOutsideDeployments',
      ]);
    });

    it('refuses a plain DeleteObject, as AWS does under the policy (moto answers 403 without an error code)', async () => {
      const versionId = await bucket.put('changes/v1/undeletable.json.gz');

      await expect(
        client.send(new DeleteObjectCommand({ Bucket: backups, Key: 'changes/v1/undeletable.json.gz' })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      await expect(bucket.deleteVersion('changes/v1/undeletable.json.gz', versionId)).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });
      const versions = await client.send(
        new ListObjectVersionsCommand({ Bucket: backups, Prefix: 'changes/v1/undeletable.json.gz' }),
      );
      expect(versions.DeleteMarkers).toBeUndefined();
    });

    it('accepts PutObjectRetention although the policy denies it to everyone (a gap of moto: it checks s3:PutObject)', async () => {
      const key = 'changes/v1/policy.json.gz';
      const versionId = await bucket.put(key);

      const extension = await client.send(
        new PutObjectRetentionCommand({
          Bucket: backups,
          Key: key,
          VersionId: versionId,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 2 * dayMs) },
        }),
      );

      expect(extension.$metadata.httpStatusCode).toBe(200);
    });

    it('lets the backup writer write a batch once, and find it on a retry', async () => {
      const archive = new S3BackupArchive({ client, bucket: backups, kmsKeyArn: backupKeyArn });
      const key = 'changes/v1/main/2026-12-01/shard-1/100-200.json.gz';

      const first = await archive.putOnce(key, gzipSync('[{"pk":"T#1"}]'));
      const retry = await archive.putOnce(key, gzipSync('[{"pk":"T#1"}]'));

      const head = await client.send(new HeadObjectCommand({ Bucket: backups, Key: key }));
      const versions = await client.send(new ListObjectVersionsCommand({ Bucket: backups, Prefix: key }));
      expect([first, retry]).toEqual(['written', 'exists']);
      expect(versions.Versions).toHaveLength(1);
      expect(head).toMatchObject({
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: backupKeyArn,
        ContentType: 'application/gzip',
        ObjectLockMode: 'COMPLIANCE',
      });
    });
  });

  describe("IAM enforced: the backup function's credentials and the local admin's", () => {
    let moto: RunningMotoS3;
    let writer: S3Client;
    let admin: S3Client;
    let writerAccessKeyId: string;
    let lockedVersion: string;
    const batchKey = 'changes/v1/main/2026-12-01/shard-1/100-200.json.gz';
    const denied = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };

    beforeAll(async () => {
      moto = await startMotoS3();
      await ensureLockedBucket(provisioningConfig(moto), backups, lockedWithPolicy);
      await ensureLockedBucket(provisioningConfig(moto), lockOnly, lockedWithoutPolicy);
      const writerPrincipal = await ensureLocalPrincipal(
        moto.endpoint,
        'backup-function',
        backupWriterPolicy(backups),
      );
      const adminPrincipal = await ensureLocalPrincipal(moto.endpoint, 'local-admin', administratorPolicy);
      await moto.enforceIam();
      writerAccessKeyId = writerPrincipal.credentials.accessKeyId;
      writer = clientFor(moto, writerPrincipal.credentials);
      admin = clientFor(moto, adminPrincipal.credentials);
      // Exactly the writer's request (functions/adapters/s3-backup-archive.ts), sent with the function's key.
      const { VersionId } = await writer.send(
        new PutObjectCommand(
          backupPutRequest(
            { client: writer, bucket: backups, kmsKeyArn: backupKeyArn },
            batchKey,
            gzipSync('[]'),
          ),
        ),
      );
      lockedVersion = VersionId ?? '';
    });

    afterAll(async () => {
      writer?.destroy();
      admin?.destroy();
      await moto?.stop();
    });

    it('lets the backup function add a batch under its prefix, and nothing else', async () => {
      const writerBucket = on(writer, backups);

      expect(lockedVersion).not.toBe('');
      await expect(
        writer.send(new PutObjectCommand({ Bucket: backups, Key: 'elsewhere.json', Body: 'x' })),
      ).rejects.toMatchObject(denied);
      await expect(
        writer.send(new GetObjectCommand({ Bucket: backups, Key: batchKey })),
      ).rejects.toMatchObject(denied);
      // Deletes meet the bucket policy first, which moto answers with a bare 403.
      await expect(
        writer.send(new DeleteObjectCommand({ Bucket: backups, Key: batchKey })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      await expect(writerBucket.deleteVersion(batchKey, lockedVersion)).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });
    });

    it('lets the backup function change retention and legal holds (a gap of moto: both are checked as s3:PutObject)', async () => {
      const retention = await writer.send(
        new PutObjectRetentionCommand({
          Bucket: backups,
          Key: batchKey,
          VersionId: lockedVersion,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 3 * dayMs) },
        }),
      );
      const hold = await writer.send(
        new PutObjectLegalHoldCommand({
          Bucket: backups,
          Key: batchKey,
          VersionId: lockedVersion,
          LegalHold: { Status: 'OFF' },
        }),
      );

      expect([retention.$metadata.httpStatusCode, hold.$metadata.httpStatusCode]).toEqual([200, 200]);
    });

    it('does not let the admin delete a backup version, nor hide it behind a delete marker', async () => {
      const adminBucket = on(admin, backups);

      await expect(adminBucket.deleteVersion(batchKey, lockedVersion, true)).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });
      await expect(
        admin.send(new DeleteObjectCommand({ Bucket: backups, Key: batchKey })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      const object = await admin.send(new GetObjectCommand({ Bucket: backups, Key: batchKey }));

      expect(gunzipSync(Buffer.from((await object.Body?.transformToByteArray()) ?? [])).toString()).toBe(
        '[]',
      );
    });

    it("keeps a version under the admin's legal hold after its retention ended, under Object Lock alone", async () => {
      const adminBucket = on(admin, lockOnly);
      const held = await adminBucket.heldPastItsRetention('changes/v1/admin-held.json.gz');

      await expect(
        adminBucket.deleteVersion('changes/v1/admin-held.json.gz', held, true),
      ).rejects.toMatchObject(denied);
      const marker = await admin.send(
        new DeleteObjectCommand({ Bucket: lockOnly, Key: 'changes/v1/admin-held.json.gz' }),
      );

      expect(marker.DeleteMarker).toBe(true);
      expect(await adminBucket.read('changes/v1/admin-held.json.gz', held)).toBe('short');
    });

    it('refuses unknown access keys and wrong secrets', async () => {
      const stranger = clientFor(moto);
      const forger = clientFor(moto, { accessKeyId: writerAccessKeyId, secretAccessKey: 'guessed-secret' });
      try {
        await expect(
          stranger.send(new GetObjectCommand({ Bucket: backups, Key: batchKey })),
        ).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
        await expect(
          forger.send(new PutObjectCommand({ Bucket: backups, Key: `${batchKey}.forged`, Body: 'x' })),
        ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
      } finally {
        stranger.destroy();
        forger.destroy();
      }
    });

    it('refuses correct signatures over percent-encoded paths and queries (a gap of moto: keep IAM off in the stack)', async () => {
      await expect(
        admin.send(new ListObjectVersionsCommand({ Bucket: backups, Prefix: 'changes/v1/' })),
      ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
      await expect(
        admin.send(new PutObjectCommand({ Bucket: lockOnly, Key: 'changes/v1/a+b.json.gz', Body: 'x' })),
      ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    });

    it('still answers its health URL without credentials', async () => {
      const health = await fetch(moto.healthUrl);

      expect(await health.json()).toMatchObject({ status: 'ok', iamEnforced: true });
    });
  });

  describe('persistence through the recorder', () => {
    it('brings back buckets, the same versions, lock configuration, retention, holds, markers and policy after a restart', async () => {
      const dataDir = newDirectory('restart');
      let moto = await startMotoS3({ dataDir });
      let client = clientFor(moto);
      try {
        await ensureLockedBucket(provisioningConfig(moto), lockOnly, lockedWithoutPolicy);
        await ensureLockedBucket(provisioningConfig(moto), backups, lockedWithPolicy);
        const bucket = on(client, lockOnly);
        const gzipped = gzipSync(randomBytes(50_000));
        const binaryVersion = await bucket.put('changes/v1/binary.json.gz', gzipped);
        const oddKey = 'changes/v1/odd key + ünïcode/100.json.gz';
        const oddVersion = await bucket.put(oddKey, 'odd');
        await client.send(
          new PutObjectCommand({
            Bucket: lockOnly,
            Key: 'changes/v1/streamed.json.gz',
            // A stream makes the SDK send aws-chunked with a trailing checksum.
            Body: Readable.from([gzipped.subarray(0, 1000), gzipped.subarray(1000)]),
            ContentLength: gzipped.length,
          }),
        );
        const heldVersion = await bucket.put('changes/v1/held.json.gz');
        await client.send(
          new PutObjectLegalHoldCommand({
            Bucket: lockOnly,
            Key: 'changes/v1/held.json.gz',
            VersionId: heldVersion,
            LegalHold: { Status: 'ON' },
          }),
        );
        const shortenedVersion = await bucket.put('changes/v1/shortened.json.gz');
        const shortened = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000);
        await client.send(
          new PutObjectRetentionCommand({
            Bucket: lockOnly,
            Key: 'changes/v1/shortened.json.gz',
            VersionId: shortenedVersion,
            Retention: { Mode: 'COMPLIANCE', RetainUntilDate: shortened },
          }),
        );
        await client.send(new DeleteObjectCommand({ Bucket: lockOnly, Key: oddKey }));
        // Concurrent writes to one key: the replay must apply them in the order moto did.
        await Promise.all(
          Array.from({ length: 20 }, (_, index) => bucket.put('changes/v1/concurrent.json.gz', `v${index}`)),
        );
        const before = await client.send(new ListObjectVersionsCommand({ Bucket: lockOnly }));
        const headBefore = await client.send(
          new HeadObjectCommand({
            Bucket: lockOnly,
            Key: 'changes/v1/binary.json.gz',
            VersionId: binaryVersion,
          }),
        );
        const policyBefore = await client.send(new GetBucketPolicyCommand({ Bucket: backups }));
        client.destroy();
        await moto.stop();

        moto = await startMotoS3({ dataDir });
        client = clientFor(moto);
        const restored = on(client, lockOnly);
        const after = await client.send(new ListObjectVersionsCommand({ Bucket: lockOnly }));
        const lock = await client.send(new GetObjectLockConfigurationCommand({ Bucket: lockOnly }));
        const policyAfter = await client.send(new GetBucketPolicyCommand({ Bucket: backups }));
        const headAfter = await client.send(
          new HeadObjectCommand({
            Bucket: lockOnly,
            Key: 'changes/v1/binary.json.gz',
            VersionId: binaryVersion,
          }),
        );
        const binary = await client.send(
          new GetObjectCommand({
            Bucket: lockOnly,
            Key: 'changes/v1/binary.json.gz',
            VersionId: binaryVersion,
          }),
        );
        const streamed = await client.send(
          new GetObjectCommand({ Bucket: lockOnly, Key: 'changes/v1/streamed.json.gz' }),
        );
        const shortenedHead = await client.send(
          new HeadObjectCommand({
            Bucket: lockOnly,
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
        expect(policyAfter.Policy).toBe(policyBefore.Policy);
        expect(headAfter.ObjectLockRetainUntilDate).toEqual(headBefore.ObjectLockRetainUntilDate);
        expect(headAfter.LastModified).toEqual(headBefore.LastModified);
        expect(shortenedHead.ObjectLockRetainUntilDate).toEqual(shortened);
        expect(sha256((await binary.Body?.transformToByteArray()) ?? new Uint8Array())).toBe(sha256(gzipped));
        expect(sha256((await streamed.Body?.transformToByteArray()) ?? new Uint8Array())).toBe(
          sha256(gzipped),
        );
        expect(await restored.read(oddKey, oddVersion)).toBe('odd');
        await expect(restored.deleteVersion('changes/v1/held.json.gz', heldVersion)).rejects.toMatchObject({
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
        await ensureLockedBucket(provisioningConfig(moto), lockOnly, lockedWithoutPolicy);
        const bucket = on(client, lockOnly);
        const lines = () =>
          readFileSync(moto.recordingFile ?? '', 'utf8')
            .trim()
            .split('\n').length;
        const afterProvisioning = lines();
        const versionId = await bucket.put('changes/v1/a.json.gz');

        await client.send(new ListObjectVersionsCommand({ Bucket: lockOnly }));
        await client.send(new HeadObjectCommand({ Bucket: lockOnly, Key: 'changes/v1/a.json.gz' }));
        await bucket.deleteVersion('changes/v1/a.json.gz', versionId).catch(() => undefined);

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

    it('takes over a lock whose holder is a zombie (a killed stack nobody reaped), as after a SIGKILL in a container', async () => {
      // The child exits after its parent has exec'd into sleep, which never waits for it: a zombie for 30 s. (A
      // child that exits at once can be reaped by the shell before the exec, and leaves no zombie to take over.)
      const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      try {
        const zombie = Number((await once(parent.stdout, 'data'))[0].toString().trim());
        for (
          let turn = 0;
          turn < 100 && !readFileSync(`/proc/${zombie}/stat`, 'utf8').includes(') Z ');
          turn += 1
        )
          await sleep(20);
        expect(readFileSync(`/proc/${zombie}/stat`, 'utf8')).toContain(') Z ');
        const dataDir = newDirectory('zombie-lock');
        writeFileSync(join(dataDir, 'moto-s3.lock'), String(zombie));
        const moto = await startMotoS3({ dataDir });
        await moto.stop();
      } finally {
        parent.kill('SIGKILL');
      }
    });

    it('drops a last line cut short by a crash and replays the rest', async () => {
      const dataDir = newDirectory('partial');
      let moto = await startMotoS3({ dataDir });
      let client = clientFor(moto);
      await ensureLockedBucket(provisioningConfig(moto), lockOnly, lockedWithoutPolicy);
      const versionId = await on(client, lockOnly).put('changes/v1/kept.json.gz', 'kept');
      client.destroy();
      await moto.stop();
      appendFileSync(join(dataDir, 'moto-s3-recording.jsonl'), '{"headers": {"Host": "127.0.0.1:1"}, "meth');

      moto = await startMotoS3({ dataDir });
      client = clientFor(moto);
      try {
        expect(moto.replay?.droppedPartialLine).toBe(true);
        expect(await on(client, lockOnly).read('changes/v1/kept.json.gz', versionId)).toBe('kept');
      } finally {
        client.destroy();
        await moto.stop();
      }
    });

    it('refuses to start when the recording no longer replays as recorded', async () => {
      const dataDir = newDirectory('diverged');
      const moto = await startMotoS3({ dataDir });
      const client = clientFor(moto);
      await ensureLockedBucket(provisioningConfig(moto), lockOnly, lockedWithoutPolicy);
      await on(client, lockOnly).put('changes/v1/a.json.gz');
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
      expect((failure as Error).message).toMatch(
        /line 1 \(PUT \/ledgerlock-lock-only-test\/changes.*diverged/,
      );
    });

    it('leaves no python process behind after stop()', async () => {
      const moto = await startMotoS3({ dataDir: newDirectory('stop') });

      await moto.stop();
      await moto.stop();

      expect(isGone(moto.pid)).toBe(true);
    });
  });
});
