// test: reads a local stack's backups as an auditor would — every version in the locked bucket, decoded — and runs
// the restore command against it; for the backup tests of the shared stack and of a stack a test starts itself.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { canonicalJson } from '../../functions/domain/canonical-json';
import type { Endpoints } from './support';

const execute = promisify(execFile);

export interface BackedUpChange {
  readonly pk: string;
  readonly sk: string;
  readonly sequence: bigint;
  readonly item?: Record<string, unknown>;
}

export class BackupProbe {
  private readonly documents: DynamoDBClient;

  constructor(
    private readonly endpoints: Endpoints,
    private readonly stateDir: string,
  ) {
    this.documents = new DynamoDBClient({
      endpoint: endpoints.dynamodb,
      region: endpoints.region,
      credentials: endpoints.credentials,
    });
  }

  get bucket(): string {
    return this.endpoints.buckets.backups;
  }

  s3(credentials = this.endpoints.credentials): S3Client {
    return new S3Client({
      endpoint: this.endpoints.s3,
      region: this.endpoints.region,
      credentials,
      forcePathStyle: true,
    });
  }

  async allVersions(): Promise<{ key: string; versionId: string }[]> {
    const versions: { key: string; versionId: string }[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.s3().send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      for (const version of page.Versions ?? [])
        versions.push({ key: version.Key ?? '', versionId: version.VersionId ?? '' });
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    return versions;
  }

  async contentOf(version: { key: string; versionId: string }): Promise<Buffer> {
    const object = await this.s3().send(
      new GetObjectCommand({ Bucket: this.bucket, Key: version.key, VersionId: version.versionId }),
    );
    return Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
  }

  /** Every change in the bucket, decoded. */
  async backedUpChanges(): Promise<BackedUpChange[]> {
    const changes: BackedUpChange[] = [];
    for (const version of await this.allVersions()) {
      const [, ...lines] = gunzipSync(await this.contentOf(version))
        .toString('utf8')
        .trimEnd()
        .split('\n');
      for (const line of lines) {
        const change = JSON.parse(line);
        changes.push({
          pk: change.keys.pk?.S ?? change.keys['branch-key-id']?.S,
          sk: change.keys.sk?.S ?? change.keys.type?.S,
          sequence: BigInt(change.sequenceNumber),
          item: change.item,
        });
      }
    }
    return changes;
  }

  /** Every item of a table (detector windows aside: they are state of the detector, not records). */
  async scan(tableName: string): Promise<Record<string, any>[]> {
    const items: Record<string, any>[] = [];
    let startKey: Record<string, any> | undefined;
    do {
      const page = await this.documents.send(
        new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items.filter((item) => !String(item.pk?.S ?? '').startsWith('DETECT#'));
  }

  /** Waits until the bucket holds the latest state of every item the main table and the key store hold. */
  async caughtUp(timeoutMs = 30_000): Promise<void> {
    let behind: Record<string, any>[] = [];
    const deadline = Date.now() + timeoutMs;
    const keyOf = (item: Record<string, any>) =>
      `${item.pk?.S ?? item['branch-key-id']?.S}|${item.sk?.S ?? item.type?.S}`;
    for (;;) {
      const live = [
        ...(await this.scan(this.endpoints.tables.main)),
        ...(await this.scan(this.endpoints.tables.keyStore)),
      ];
      const latest = new Map<string, BackedUpChange>();
      for (const change of await this.backedUpChanges()) {
        const key = `${change.pk}|${change.sk}`;
        const current = latest.get(key);
        if (current === undefined || change.sequence > current.sequence) latest.set(key, change);
      }
      behind = live.filter(
        (item) => canonicalJson(latest.get(keyOf(item))?.item) !== canonicalJson(toStreamJson(item)),
      );
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        const some = behind.slice(0, 2).map(keyOf);
        throw new Error(
          `the backups did not catch up with the table: ${behind.length} behind (${some.join('; ')})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** `npm run restore` against this stack; its exit code and output. */
  async restore(into: string, asOf?: string): Promise<{ code: number; stdout: string }> {
    return this.command(['--into', into, ...(asOf === undefined ? [] : ['--as-of', asOf])]);
  }

  async command(args: readonly string[]): Promise<{ code: number; stdout: string }> {
    try {
      const { stdout } = await execute(
        'npx',
        ['tsx', 'ops/restore.ts', ...args, '--state-dir', this.stateDir],
        {
          env: { ...process.env, NODE_OPTIONS: '' },
          timeout: 300_000,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? 1, stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
    }
  }

  close(): void {
    this.documents.destroy();
  }
}

/** The SDK's binary attributes as the stream (and the backups) carry them: base64 text. */
export function toStreamJson(item: Record<string, any>): Record<string, unknown> {
  const convert = (value: any): any => {
    if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
    if (value.M !== undefined)
      return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, convert(v)])) };
    if (value.L !== undefined) return { L: value.L.map(convert) };
    return value;
  };
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, convert(value)]));
}
