// bench: the backup path on a real local stack — backup lag, S3 PUTs per 1,000 changes, bytes per invoice, and the
// restore's throughput as a ratio to raw BatchWriteItem into the same DynamoDB Local in the same run; then the
// modelled monthly AWS cost of the backup path per million invoices from those counters.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { backupStreamSource } from '../functions/platform/stream-source';
import { fetchAccessToken } from '../local/oauth-client';
import { startStackProcess, stopStackProcess } from '../local/stack-process';
import type { BackupStatusFile } from '../ops/backup-status';
import { benchOptions, progress } from './bench-cli';

const usage = `Usage: npm run bench:backup -- [--invoices N] [--concurrency N]

Starts an in-memory local stack, creates and issues N invoices (with a customer each) at --concurrency in flight,
waits until the backups have caught up, then:
  lag          p50/p95 from a batch's oldest change to its object in the locked bucket (the last 200 batches)
  PUTs         backup objects per 1,000 changes (one object per stream batch)
  restore      npm run restore into a fresh table: items per second, and as a ratio to BatchWriteItem of the
               same number of items into the same DynamoDB Local (the baseline, measured in this run)
  cost         the backup path's modelled monthly AWS cost per million invoices (us-east-1 list prices)

  --invoices N     invoices to create and issue (default 2500, about 10,000 backed-up items)
  --concurrency N  requests in flight (default 8)
  -h, --help       print this text`;

const { invoices, concurrency } = benchOptions(usage, {
  invoices: { default: 2500, min: 10 },
  concurrency: { default: 8, min: 1 },
});

// us-east-1 list prices, December 2026 (aws.amazon.com/s3/pricing, /lambda/pricing).
const prices = {
  s3PutPer1000: 0.005,
  s3StandardGbMonth: 0.023,
  lambdaPerMillionRequests: 0.2,
  lambdaGbSecond: 0.0000166667,
};
const backupMemoryGb = 0.5;
const windowSeconds = backupStreamSource.maximumBatchingWindowSeconds;
const trickleBound = Math.ceil((30 * 86_400) / windowSeconds);

const percentile = (values: readonly number[], share: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? Number.NaN;
};

progress('starting an in-memory local stack…');
const stack = await startStackProcess({ testHooks: true });
progress(`healthy after ${stack.healthyAfterMs} ms`);
try {
  const clients = JSON.parse(readFileSync(join(stack.stateDir, 'clients.json'), 'utf8'));
  const endpoints = JSON.parse(readFileSync(join(stack.stateDir, 'endpoints.json'), 'utf8'));
  const status = () =>
    JSON.parse(readFileSync(join(stack.stateDir, 'backup-status.json'), 'utf8')) as BackupStatusFile;
  const token = await fetchAccessToken(stack.apiBaseUrl, clients[0]);
  const post = async (path: string, body: unknown) => {
    for (;;) {
      const response = await fetch(`${stack.apiBaseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as { id: string };
      // The local stage throttles like AWS (stageThrottling): a well-behaved client waits and retries.
      if (response.status === 429) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    }
  };

  /** Until the backups' change count has not moved for the batching window and 5 s more. */
  const settled = async () => {
    let last = -1;
    let stableSince = Date.now();
    for (;;) {
      const changes = status().sources.main?.changes ?? 0;
      if (changes !== last) {
        last = changes;
        stableSince = Date.now();
      } else if (Date.now() - stableSince > (windowSeconds + 5) * 1000) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < invoices) {
        const index = next;
        next += 1;
        const customer = await post('/v1/customers', {
          name: `Backup Bench ${index}`,
          email: `bench${index}@example.com`,
          address: { line1: 'Street 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
        });
        const draft = await post('/v1/invoices', {
          customerId: customer.id,
          currency: 'EUR',
          lines: [{ description: 'Bench line', quantity: 1, unitAmount: 10_000, taxRateBps: 1900 }],
        });
        await post(`/v1/invoices/${draft.id}/issue`, {});
        done += 1;
        if (done % 250 === 0) progress(`${done}/${invoices} invoices created and issued`);
      }
    }),
  );

  progress('waiting for the backups to catch up with the burst…');
  await settled();
  const burst = status().sources.main;
  // A steady client after the burst: one invoice a second for 40 s, the lag of an unsaturated stack.
  progress('steady phase: one invoice a second for 40 s…');
  const objectsBeforeSteady = burst?.objects ?? 0;
  for (let second = 0; second < 40; second += 1) {
    const started = Date.now();
    await post('/v1/invoices', {
      customer: {
        name: 'Steady Customer',
        email: 'steady@example.com',
        address: { line1: 'Street 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
      },
      currency: 'EUR',
      lines: [{ description: 'Steady line', quantity: 1, unitAmount: 100, taxRateBps: 1900 }],
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))));
  }
  await settled();
  const main = status().sources.main;
  if (burst === undefined || main === undefined) throw new Error('no backup of the main table');
  const steadyLags = main.recentLagMs.slice(-(main.objects - objectsBeforeSteady));

  const s3 = new S3Client({
    endpoint: endpoints.s3,
    region: endpoints.region,
    credentials: endpoints.credentials,
    forcePathStyle: true,
  });
  let bytes = 0;
  let objects = 0;
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: endpoints.buckets.backups,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    for (const version of page.Versions ?? []) {
      bytes += version.Size ?? 0;
      objects += 1;
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker !== undefined);

  progress('restoring into a fresh table…');
  const restoreStarted = performance.now();
  const stdout = await promisify(execFile)(
    'npx',
    ['tsx', 'ops/restore.ts', '--into', `bench-restore-${Date.now()}`, '--state-dir', stack.stateDir],
    { env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 64 * 1024 * 1024 },
  ).then(
    (result) => result.stdout,
    (error: { stdout?: string }) => error.stdout ?? '',
  );
  const restoreMs = performance.now() - restoreStarted;
  progress(
    `restore output:\n${stdout
      .trimEnd()
      .split('\n')
      .filter((line) => !/ wrote \d+\/| verified \d+ items/.test(line))
      .join('\n')}`,
  );
  const lastLine = stdout.trimEnd().split('\n').at(-1) ?? '';
  const restored = Number(/^restore: (\d+) items/.exec(lastLine)?.[1] ?? Number.NaN);

  // Baseline: the same number of items of a similar size written with BatchWriteItem, 25 at a time, as fast as
  // one client can — what the emulator itself can take.
  progress('baseline: BatchWriteItem of as many items…');
  const dynamodb = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
  const rawTable = `bench-raw-${Date.now()}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: rawTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  const filler = 'x'.repeat(Math.round(bytes / Math.max(1, main.changes)) * 3);
  const rawStarted = performance.now();
  for (let offset = 0; offset < restored; offset += 25) {
    const batch = Array.from({ length: Math.min(25, restored - offset) }, (_, index) => ({
      PutRequest: { Item: { pk: { S: `p${offset + index}` }, sk: { S: 'S' }, data: { S: filler } } },
    }));
    await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [rawTable]: batch } }));
  }
  const rawMs = performance.now() - rawStarted;
  dynamodb.destroy();
  s3.destroy();

  const putsPerThousand = (burst.objects / burst.changes) * 1000;
  const perMillion = 1_000_000 / invoices;
  const monthly = {
    puts: objects * perMillion * (prices.s3PutPer1000 / 1000),
    storage: ((bytes * perMillion) / 1024 ** 3) * prices.s3StandardGbMonth,
    invocations: objects * perMillion * (prices.lambdaPerMillionRequests / 1_000_000),
    // Lambda time is modelled, not measured here: about 50 ms a batch at 512 MB (gzip and one PUT).
    duration: objects * perMillion * 0.05 * backupMemoryGb * prices.lambdaGbSecond,
  };
  const total = Object.values(monthly).reduce((sum, value) => sum + value, 0);
  console.log(
    [
      `backup path, ${invoices} invoices created and issued (${main.changes} changes of the main table):`,
      `  lag, burst    p50 ${percentile(burst.recentLagMs, 0.5)} ms, p95 ${percentile(burst.recentLagMs, 0.95)} ms over ${burst.recentLagMs.length} batches (${concurrency} in flight saturate the stack's one process)`,
      `  lag, steady   p50 ${percentile(steadyLags, 0.5)} ms, p95 ${percentile(steadyLags, 0.95)} ms over ${steadyLags.length} batches (one invoice a second; the ${windowSeconds} s batching window dominates)`,
      `  PUTs          ${putsPerThousand.toFixed(1)} per 1,000 changes (${burst.objects} objects for the burst's ${burst.changes} changes); ${(bytes / invoices).toFixed(0)} bytes per invoice gzipped`,
      `  restore       ${restored} items in ${(restoreMs / 1000).toFixed(1)} s: ${((restored / restoreMs) * 1000).toFixed(0)} items/s, ` +
        `${(restoreMs / rawMs).toFixed(2)}× the time of BatchWriteItem of as many items (${(rawMs / 1000).toFixed(1)} s; the restore also reads, decodes and verifies every seal and the audit chain)`,
      `  cost          $${total.toFixed(2)} per million invoices a month: PUTs $${monthly.puts.toFixed(2)}, ` +
        `storage $${monthly.storage.toFixed(3)} (first month; it accumulates for the retention), Lambda $${(monthly.invocations + monthly.duration).toFixed(2)}`,
      `  worst case    batches follow the write rate; spread thinly over a month the ${windowSeconds} s batching window bounds ` +
        `PUTs at ${trickleBound.toLocaleString('en')} a month per stream shard ($${((trickleBound * prices.s3PutPer1000) / 1000).toFixed(2)}), whatever the volume`,
    ].join('\n'),
  );
} finally {
  await stopStackProcess(stack);
}
