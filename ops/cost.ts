// ops: `npm run cost` — the modelled AWS cost per million invoices, with and without email, from counters measured
// on the local stack: a representative workload runs through the real handlers, the stack's metering proxies count
// what each service is asked (DynamoDB request units as DynamoDB bills them, KMS, S3, SES, SNS, SQS requests),
// each invocation is timed, log bytes are what the functions wrote; ops/aws-prices.ts turns them into dollars.
// An ops command, not a benchmark: bench/ holds ratio benchmarks, this prints a bill.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { LedgerlockApiStack } from '../lib/api-stack';
import { LedgerlockDataStack } from '../lib/data-stack';
import type { MeteringSnapshot } from '../local/metering';
import { startStackProcess, stopStackProcess } from '../local/stack-process';
import { pricesAsOf } from './aws-prices';
import { type Line, million, model, type Run, storageLines, storedBytesNow } from './cost-model';
import { type Call, type Workload, workloads } from './cost-workloads';

const usage = `Usage: npm run cost -- [options]

Runs a representative workload on a local stack and prints the modelled AWS cost per million invoices, with
and without email, from counters measured on that stack: DynamoDB read and write request units (transactions priced from the
items they touch, which DynamoDB Local under-reports), KMS, S3, SES,
SNS and SQS requests, Lambda invocations and their duration at each function's configured memory, log bytes,
API requests, and the storage each invoice leaves behind. The write units are also told by the kind of item written
(INVOICE, IDEMPOTENCY, the audit trail's ENTRY, EVENT and CHAINED, …), where the DynamoDB bill comes from.
Prices: ops/aws-prices.ts (us-east-1, on-demand).

The workload (--workload):
${Object.values(workloads)
  .map(
    ({ name, description }) => `  ${name.padEnd(14)}${description.replaceAll('\n', `\n${' '.repeat(16)}`)}`,
  )
  .join('\n')}

The figure is processing plus the first month of storing what the invoices leave behind; the storage run-rate
once they are kept (backup copies at their steady-state count) is printed apart.

Options:
  --invoices <n>      invoices per run (default 20; one run without email, one with)
  --downloads <n>     PDF downloads per invoice (default 1)
  --workload <name>   per-invoice (default) or billing-run
  --state-dir <dir>   use the running stack of this state directory (started with --test-hooks, which meters);
                      default: start a fresh in-memory stack of its own and stop it afterwards
  --json              print the counters and the model as JSON
  -h, --help          show this help
`;

const { values } = parseArgs({
  options: {
    invoices: { type: 'string', default: '20' },
    downloads: { type: 'string', default: '1' },
    workload: { type: 'string', default: 'per-invoice' },
    'state-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
const invoiceCount = Number(values.invoices);
if (!Number.isSafeInteger(invoiceCount) || invoiceCount < 1 || invoiceCount > 1000) {
  process.stderr.write(
    `--invoices must be a whole number from 1 to 1000, got ${values.invoices}\n\n${usage}`,
  );
  process.exit(2);
}
const downloads = Number(values.downloads);
if (!Number.isSafeInteger(downloads) || downloads < 0 || downloads > 10) {
  process.stderr.write(
    `--downloads must be a whole number from 0 to 10, got ${values.downloads}\n\n${usage}`,
  );
  process.exit(2);
}
const workload = workloads[values.workload as Workload['name']];
if (!Object.hasOwn(workloads, values.workload)) {
  process.stderr.write(`--workload must be per-invoice or billing-run, got ${values.workload}\n\n${usage}`);
  process.exit(2);
}
const say = (line: string) => {
  if (!values.json) process.stderr.write(`[cost] ${line}\n`);
};

// ---- the stack --------------------------------------------------------------------------------------------------

interface Endpoints {
  readonly apiBaseUrl: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly dynamodb: string;
  readonly tables: { readonly main: string; readonly keyStore: string };
  readonly buckets: { readonly documents: string; readonly backups: string };
}
interface DemoClient {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
}

let stopStack: (() => Promise<void>) | undefined;
let stateDir: string;
if (values['state-dir'] === undefined) {
  say('starting a local stack of its own (in memory, with test hooks, which meter)…');
  // A process of its own, as npm start runs: its output (the functions' metric lines among it) goes to
  // <state dir>/logs/stack-output.log, where the metric lines are counted as log bytes.
  // npm start turns Powertools metrics off (nothing reads them locally); on AWS they are log lines, billed as such.
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const stack = await startStackProcess({ testHooks: true });
  stateDir = stack.stateDir;
  stopStack = () => stopStackProcess(stack);
} else {
  stateDir = resolve(values['state-dir']);
  if (!existsSync(join(stateDir, 'endpoints.json'))) {
    process.stderr.write(
      `no endpoints.json in ${stateDir}: start the stack with npm start -- --test-hooks\n`,
    );
    process.exit(2);
  }
}
const endpoints = JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')) as Endpoints;
const clients = JSON.parse(readFileSync(join(stateDir, 'clients.json'), 'utf8')) as DemoClient[];
const client = clients.find(
  (candidate) =>
    candidate.scopes.some((scope) => scope.endsWith('invoices:write')) &&
    !candidate.scopes.some((scope) => scope.endsWith('admin')),
);
if (client === undefined) throw new Error('clients.json has no read-write client');
const api = endpoints.apiBaseUrl;

async function local<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${api}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 404) {
    throw new Error(
      `${path} is not served: the stack at ${stateDir} runs without test hooks (npm start -- --test-hooks)`,
    );
  }
  return (await response.json()) as T;
}

async function token(): Promise<string> {
  const response = await fetch(`${api}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client?.clientId}:${client?.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

// ---- the workload -----------------------------------------------------------------------------------------------

let apiRequests = 0;

const caller =
  (bearer: string): Call =>
  async (method, path, body) => {
    apiRequests += 1;
    for (;;) {
      const response = await fetch(`${api}${path}`, {
        method,
        redirect: 'manual',
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(method === 'POST' ? { 'idempotency-key': crypto.randomUUID() } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      // The stage throttles like API Gateway; a well-behaved client waits (a throttled request is not billed).
      if (response.status === 429) {
        await new Promise((done) => setTimeout(done, 100));
        continue;
      }
      if (response.status >= 400)
        throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
      return response;
    }
  };

/**
 * What reaches CloudWatch Logs, in bytes: each function's log group and the API access log as the local stack
 * writes them, plus the metric lines (EMF) Powertools prints to stdout, which Lambda ships to the function's log
 * group — found in the stack's own output when this tool started the stack (not for --state-dir).
 */
function logBytes(): Record<string, number> {
  const directory = join(stateDir, 'logs');
  const sizes: Record<string, number> = {};
  for (const file of readdirSync(directory)) {
    if (/^ledgerlock-.+\.log$/.test(file) || file === 'api-access.log') {
      sizes[file.replace(/\.log$/, '')] = statSync(join(directory, file)).size;
    }
  }
  const output = join(directory, 'stack-output.log');
  if (existsSync(output)) {
    for (const line of readFileSync(output, 'utf8').split('\n')) {
      const service = /^\{"_aws":.*"service":"(ledgerlock-[a-z-]+)"/.exec(line)?.[1];
      if (service !== undefined)
        sizes[`${service} metrics`] = (sizes[`${service} metrics`] ?? 0) + line.length + 1;
    }
  }
  return sizes;
}

const totalInvocations = (snapshot: MeteringSnapshot) =>
  Object.values(snapshot.lambda).reduce((sum, fn) => sum + fn.invocations, 0);

/** Waits until the stream consumers and the logs subscription have handled everything the workload caused. */
async function settle(emails: number): Promise<MeteringSnapshot> {
  let previous = -1;
  let quiet = 0;
  for (let polls = 0; polls < 240; polls += 1) {
    await new Promise((done) => setTimeout(done, 500));
    await local('POST', '/_local/detect/flush');
    const snapshot = await local<MeteringSnapshot>('GET', '/_local/metering');
    const sent = snapshot.requests['sesv2:SendEmail'] ?? 0;
    const now = totalInvocations(snapshot) - (snapshot.lambda['detect:tick']?.invocations ?? 0);
    quiet = now === previous && sent >= emails ? quiet + 1 : 0;
    previous = now;
    if (quiet >= 4) return snapshot;
  }
  throw new Error('the stack did not settle within two minutes');
}

async function run(send: boolean): Promise<Run> {
  const call = caller(await token());
  const shape = { invoiceCount, downloads, send };
  // What exists before the month is priced (a billing run's customers) is not part of it.
  const customerIds = await workload.prepare(call, shape);
  await settle(0);
  // DynamoDB Local under-reports transactions: the stack prices them from the items they touch instead.
  await local('POST', '/_local/metering/reset', { exactTransactions: true });
  const logsBefore = logBytes();
  const startedAt = Date.now();
  const storedBefore = await storedBytesNow(endpoints, startedAt);
  apiRequests = 0;
  const linkDownloads = await workload.invoices(call, shape, customerIds);
  const snapshot = await settle(send ? invoiceCount : 0);
  const logsAfter = logBytes();
  const storedAfter = await storedBytesNow(endpoints, startedAt);
  const minus = (after: { table: number; indexes: number }, before: { table: number; indexes: number }) => ({
    table: Math.max(0, after.table - before.table),
    indexes: Math.max(0, after.indexes - before.indexes),
  });
  return {
    stored: {
      durable: minus(storedAfter.durable, storedBefore.durable),
      expiring: minus(storedAfter.expiring, storedBefore.expiring),
      expiringLifetimeSeconds: storedAfter.expiringLifetimeSeconds,
    },
    snapshot,
    logBytes: Object.fromEntries(
      Object.entries(logsAfter).map(([name, size]) => [name, size - (logsBefore[name] ?? 0)]),
    ),
    apiRequests,
    linkDownloads,
  };
}

// ---- memory sizes from the CDK app itself -----------------------------------------------------------------------

function memorySizes(): Record<string, number> {
  const cdkJson = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'ledgerlock-cost-cdk-')),
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
  });
  const env = { account: '123456789012', region: 'us-east-1' };
  const data = new LedgerlockDataStack(app, 'LedgerlockDataStack', { env });
  const stack = new LedgerlockApiStack(app, 'LedgerlockApiStack', {
    env,
    dataStore: data.dataStore,
    identity: data.identity,
    documents: data.documents,
    backups: data.backups,
    alerts: data.alerts,
  });
  const sizes: Record<string, number> = {};
  for (const fn of stack.functions) {
    sizes[fn.entry] = Number((fn.function.node.defaultChild as lambda.CfnFunction).memorySize);
  }
  return sizes;
}

// ---- run it -----------------------------------------------------------------------------------------------------

try {
  say('synthesizing the CDK app for each function’s memory size…');
  const memory = memorySizes();
  say(`workload ${workload.name}: running ${invoiceCount} invoices without email…`);
  const plain = await run(false);
  say(`running ${invoiceCount} invoices with email…`);
  const withEmail = await run(true);
  const scenarios = [
    { name: 'without email', measured: plain },
    { name: 'with email', measured: withEmail },
  ].map(({ name, measured }) => {
    const scope = { invoiceCount, buckets: endpoints.buckets };
    const { lines, counters } = model(measured, memory, scope);
    const dollars = (line: Line) => ({ ...line, dollars: line.quantity * line.unitPrice * million });
    const perMillion = [...lines, ...storageLines(measured, 'first month', scope)].map(dollars);
    const steady = storageLines(measured, 'steady state', scope).map(dollars);
    return {
      name,
      totalPerMillion: perMillion.reduce((sum, line) => sum + line.dollars, 0),
      storagePerMonthKept: steady.reduce((sum, line) => sum + line.dollars, 0),
      lines: perMillion,
      steady,
      counters,
      measured,
    };
  });

  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ pricesAsOf, invoices: invoiceCount, memory, scenarios }, null, 2)}\n`,
    );
  } else {
    const money = (value: number) => `$${value.toFixed(value < 1 ? 3 : 2)}`;
    for (const scenario of scenarios) {
      const { measured } = scenario;
      const lambda = Object.entries(measured.snapshot.lambda)
        .map(([name, fn]) => {
          const sorted = [...fn.milliseconds].sort((a, b) => a - b);
          const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
          return `${name} ${(fn.invocations / invoiceCount).toFixed(2)}× median ${median.toFixed(0)} ms @ ${memory[name.split(':')[0] ?? ''] ?? '?'} MB`;
        })
        .join('; ');
      console.log(`\n== ${scenario.name}: ${money(scenario.totalPerMillion)} per million invoices ==`);
      console.log(`measured per invoice (${invoiceCount} invoices):`);
      console.log(
        `  API requests ${(measured.apiRequests / invoiceCount).toFixed(1)}, PDF link downloads ${(measured.linkDownloads / invoiceCount).toFixed(1)}`,
      );
      console.log(
        `  DynamoDB ${(scenario.counters.units.write / invoiceCount).toFixed(1)} WRU, ${(scenario.counters.units.read / invoiceCount).toFixed(1)} RRU (${Object.entries(
          measured.snapshot.dynamodb,
        )
          .map(
            ([table, u]) =>
              `${table}: ${(u.writeUnits / invoiceCount).toFixed(1)} W / ${(u.readUnits / invoiceCount).toFixed(1)} R`,
          )
          .join(', ')})`,
      );
      console.log(
        `  DynamoDB WRU by item written: ${Object.entries(measured.snapshot.dynamodbWriteUnitsByItem)
          .sort(([, a], [, b]) => b - a)
          .map(([item, units]) => `${item} ${(units / invoiceCount).toFixed(1)}`)
          .join(', ')}`,
      );
      console.log(
        `  requests: ${Object.entries(measured.snapshot.requests)
          .filter(([key]) => !key.startsWith('dynamodb:'))
          .sort()
          .map(([key, count]) => `${key} ${(count / invoiceCount).toFixed(2)}`)
          .join(', ')}`,
      );
      console.log(
        `  DynamoDB calls: ${Object.entries(measured.snapshot.requests)
          .filter(([key]) => key.startsWith('dynamodb:'))
          .sort()
          .map(([key, count]) => `${key.slice(9)} ${(count / invoiceCount).toFixed(2)}`)
          .join(', ')}`,
      );
      console.log(`  Lambda: ${lambda}`);
      console.log(
        `  log bytes: ${Object.entries(measured.logBytes)
          .filter(([, bytes]) => bytes > 0)
          .map(([name, bytes]) => `${name} ${Math.round(bytes / invoiceCount)}`)
          .join(', ')}`,
      );
      console.log(
        `  stored: table items ${Math.round(measured.stored.durable.table / invoiceCount)} B kept + ${Math.round(measured.stored.durable.indexes / invoiceCount)} B in indexes, ${Math.round((measured.stored.expiring.table + measured.stored.expiring.indexes) / invoiceCount)} B for ${(measured.stored.expiringLifetimeSeconds / 3600).toFixed(0)} h (TTL), documents ${Math.round(scenario.counters.documentsBytes / invoiceCount)} B, change backups ${Math.round(scenario.counters.backupBytes / invoiceCount)} B`,
      );
      console.log('per million invoices:');
      const byService = new Map<string, number>();
      for (const line of scenario.lines)
        byService.set(line.service, (byService.get(line.service) ?? 0) + line.dollars);
      for (const [service, dollars] of [...byService].sort(([, a], [, b]) => b - a)) {
        console.log(`  ${service.padEnd(16)} ${money(dollars).padStart(9)}`);
        for (const line of scenario.lines.filter(
          (candidate) => candidate.service === service && candidate.dollars >= 0.005,
        )) {
          console.log(
            `      ${line.item.padEnd(62)} ${money(line.dollars).padStart(9)}  (${(line.quantity).toPrecision(3)} ${line.unit}/invoice)`,
          );
        }
      }
      console.log(
        `storing what a million such invoices leave behind, per month once kept: ${money(scenario.storagePerMonthKept)} (${scenario.steady
          .filter((line) => line.dollars >= 0.005)
          .map((line) => `${line.service} ${line.item.replace(', steady state', '')} ${money(line.dollars)}`)
          .join('; ')})`,
      );
    }
    const [first, second] = scenarios;
    console.log(
      `\ncost per million invoices (processing and their first month of storage): ${money(first?.totalPerMillion ?? 0)} without email, ${money(second?.totalPerMillion ?? 0)} with email (goal without email: ≤ $20; prices of ${pricesAsOf}, us-east-1, ops/aws-prices.ts)`,
    );
  }
} finally {
  await stopStack?.();
}
