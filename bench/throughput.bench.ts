// bench: throughput under concurrency on a real local stack — does one tenant's write rate rise with requests
// in flight, does issuing on one series hold up, what does bulk issue buy — each as a ratio of two rates
// measured in the same run, with the raw PutItem rate of the same DynamoDB Local beside it.
//
// Ratios, not absolute rates: the machine is shared and noisy; two rates measured back to back on the same
// stack are comparable, milliseconds from another run are not. Every case is measured in rounds that alternate
// with the case it is compared to, so a burst of noise hits both sides.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AttributeValue,
  BatchGetItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { invoiceKey } from '../functions/platform/key-layout';
import { fetchAccessToken } from '../local/oauth-client';
import { startStackProcess, stopStackProcess } from '../local/stack-process';
import { benchOptions, median, progress } from './bench-cli';

const usage = `Usage: npm run bench:throughput -- [--count N] [--rounds N]

Starts an in-memory local stack (as the tests do) and measures, as ratios of rates (operations per second):
  tenants      creates, 8 in flight on ONE tenant  vs  8 in flight over TWO tenants   (goal ≥ 0.9)
  create       creates on one tenant, 8 in flight  vs  1 in flight                     (goal ≥ 1.0)
  issue        issues on one series, 8 in flight   vs  1 in flight                     (goal ≥ 0.9)
  bulk         invoices issued by one bulk request of 100  vs  by single issues        (goal ≥ 10)
and beside each, raw PutItem at the same concurrency on the same DynamoDB Local (a table of its own).
Both sides of the bulk comparison are timed warm (one untimed bulk first; single issues ran in the case before)
and once the stream consumers have handled the drafts just created.
Beside the bulk case, its storage floor on this DynamoDB Local: the 100 invoices it issued read back (batches of
25 side by side) and written again in one 100-item transaction to a table with the same keys and indexes — what
any all-or-nothing bulk must at least ask of the emulator — and the ratio that floor allows.

  --count N    operations per case and round (default 48)
  --warm-up N  creates before the first case, over both tenants (default 480)
  --rounds N   alternating rounds per comparison (default 3)
  -h, --help   print this text`;

const {
  count,
  rounds,
  'warm-up': warmUp,
} = benchOptions(usage, {
  count: { default: 48, min: 16 },
  rounds: { default: 3, min: 1 },
  'warm-up': { default: 480, min: 16 },
});

/** Runs `total` operations with `inFlight` at a time; returns operations per second. */
async function rate(total: number, inFlight: number, operation: (index: number) => Promise<void>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const index = next;
        next += 1;
        await operation(index);
      }
    }),
  );
  return (total * 1000) / (performance.now() - started);
}

progress('starting an in-memory local stack…');
// The deployed stage admits 50 requests a second; this measures what the pipeline itself sustains past that.
const stack = await startStackProcess({ testHooks: true, stageRateLimit: 5_000 });
progress(`healthy after ${stack.healthyAfterMs} ms`);
const rawTable = 'bench-raw-putitem';
const floorTable = 'bench-bulk-floor';
let dynamo: DynamoDBClient | undefined;
try {
  const clients = JSON.parse(readFileSync(join(stack.stateDir, 'clients.json'), 'utf8')) as {
    tenantId: string;
    clientId: string;
    clientSecret: string;
    scopes: string[];
  }[];
  const endpoints = JSON.parse(readFileSync(join(stack.stateDir, 'endpoints.json'), 'utf8'));
  const writers = clients.filter((client) => client.scopes.some((scope) => scope.endsWith('invoices:write')));
  const tenants = [...new Map(writers.map((client) => [client.tenantId, client])).values()].slice(0, 2);
  if (tenants.length < 2) throw new Error('the bench needs two demo tenants with a write client');
  const tokens = await Promise.all(tenants.map((client) => fetchAccessToken(stack.apiBaseUrl, client)));

  dynamo = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
  await dynamo.send(
    new CreateTableCommand({
      TableName: rawTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  await waitUntilTableExists({ client: dynamo, maxWaitTime: 30 }, { TableName: rawTable });
  const mainTable = String(endpoints.tables.main);
  const { Table: main } = await dynamo.send(new DescribeTableCommand({ TableName: mainTable }));
  await dynamo.send(
    new CreateTableCommand({
      TableName: floorTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: main?.AttributeDefinitions,
      KeySchema: main?.KeySchema,
      ...(main?.GlobalSecondaryIndexes === undefined
        ? {}
        : {
            GlobalSecondaryIndexes: main.GlobalSecondaryIndexes.map((index) => ({
              IndexName: index.IndexName,
              KeySchema: index.KeySchema,
              Projection: index.Projection,
            })),
          }),
    }),
  );
  await waitUntilTableExists({ client: dynamo, maxWaitTime: 30 }, { TableName: floorTable });
  let rawSerial = 0;
  const rawPut = (inFlight: number) =>
    rate(count, inFlight, async () => {
      rawSerial += 1;
      await dynamo?.send(
        new PutItemCommand({
          TableName: rawTable,
          Item: { pk: { S: `raw#${rawSerial}` }, payload: { S: 'x'.repeat(600) } },
        }),
      );
    });

  /**
   * The storage floor of one bulk issue of `ids` on this DynamoDB Local, in invoices per second: their items read
   * back in batches of 25 side by side, then written again in one transaction into a table with the main table's
   * keys and indexes, each Put conditioned on a new item, as the bulk's commit conditions each invoice.
   */
  let floorRound = 0;
  const storageFloor = async (tenantId: string, ids: readonly string[]) => {
    const started = performance.now();
    const batches = await Promise.all(
      Array.from({ length: Math.ceil(ids.length / 25) }, (_, batch) =>
        dynamo?.send(
          new BatchGetItemCommand({
            RequestItems: {
              [mainTable]: {
                Keys: ids.slice(batch * 25, batch * 25 + 25).map((id) => {
                  const key = invoiceKey(tenantId, id);
                  return { pk: { S: key.pk }, sk: { S: key.sk } };
                }),
              },
            },
          }),
        ),
      ),
    );
    const items = batches.flatMap((batch) => batch?.Responses?.[mainTable] ?? []);
    if (items.length !== ids.length) throw new Error(`read back ${items.length} of ${ids.length} invoices`);
    floorRound += 1;
    await dynamo?.send(
      new TransactWriteItemsCommand({
        TransactItems: items.map((item: Record<string, AttributeValue>) => ({
          Put: {
            TableName: floorTable,
            Item: { ...item, pk: { S: `${item.pk?.S}#${floorRound}` } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        })),
      }),
    );
    return (ids.length * 1000) / (performance.now() - started);
  };

  let keySerial = 0;
  const call = async (tenant: number, method: string, path: string, body?: unknown) => {
    keySerial += 1;
    const response = await fetch(`${stack.apiBaseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[tenant]}`,
        'content-type': 'application/json',
        'idempotency-key': `bench-${keySerial}`,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const draft = (index: number) => ({
    customer: {
      name: `Bench Customer ${index}`,
      email: `bench${index}@example.com`,
      address: { line1: 'Street 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    },
    currency: 'EUR',
    lines: [{ description: `Item ${index}`, quantity: 2, unitAmount: 1250, taxRateBps: 1900 }],
  });
  const create = async (tenant: number, index: number) =>
    String((await call(tenant, 'POST', '/v1/invoices', draft(index))).id);
  const drafts = async (tenant: number, total: number) => {
    const ids: string[] = [];
    await rate(total, 8, async (index) => {
      ids.push(await create(tenant, index));
    });
    return ids;
  };

  const local = async (method: string, path: string) => {
    const response = await fetch(`${stack.apiBaseUrl}${path}`, { method });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  };
  /**
   * Waits until the stream consumers (chain, backup, detect, deliver) have handled what the drafts just created
   * caused: locally they share this process and this DynamoDB Local with api-write, where on AWS each runs in its
   * own Lambdas, so a case timed right after its drafts were created would be timed against their backlog. Both
   * sides of the bulk comparison settle, so neither is timed on a busier stack than the other. As `npm run cost`
   * does: invocations (the scheduled detect tick aside) unchanged over a second, the logs subscription flushed.
   */
  const settle = async () => {
    let previous = -1;
    let quiet = 0;
    for (let polls = 0; polls < 240 && quiet < 4; polls += 1) {
      await new Promise((done) => setTimeout(done, 250));
      await local('POST', '/_local/detect/flush');
      const { lambda } = (await local('GET', '/_local/metering')) as {
        lambda: Record<string, { invocations: number }>;
      };
      const invocations = Object.entries(lambda)
        .filter(([name]) => name !== 'detect:tick')
        .reduce((sum, [, fn]) => sum + fn.invocations, 0);
      quiet = invocations === previous ? quiet + 1 : 0;
      previous = invocations;
    }
    if (quiet < 4) throw new Error('the stack did not settle within a minute');
  };

  // Warm-up: JIT, authorizer cache, data-key caches, both tenants, then single issues. Measured on 2026-12-02, a
  // fresh stack's create rate keeps rising for its first ~500 creates (46 to ~100 a second), so a short warm-up
  // timed the first case's early rounds on a stack still compiling — against whichever side ran first.
  await rate(warmUp, 8, async (index) => {
    await create(index % 2, index);
  });
  const warmIds = await drafts(0, 32);
  await rate(warmIds.length, 1, async (index) => {
    await call(0, 'POST', `/v1/invoices/${warmIds[index]}/issue`, { series: 'WARMS' });
  });
  await rawPut(8);
  progress(`warmed up (${warmUp} creates, ${warmIds.length} issues)`);

  interface Comparison {
    readonly name: string;
    readonly goal: number;
    readonly subject: string;
    readonly reference: string;
    readonly subjectRates: number[];
    readonly referenceRates: number[];
    readonly rawSubject: number[];
    readonly rawReference: number[];
    note?: string;
  }
  const comparisons: Comparison[] = [];
  const compare = async (
    name: string,
    goal: number,
    subject: { label: string; inFlight: number; run: () => Promise<number> },
    reference: { label: string; inFlight: number; run: () => Promise<number> },
  ) => {
    const row: Comparison = {
      name,
      goal,
      subject: subject.label,
      reference: reference.label,
      subjectRates: [],
      referenceRates: [],
      rawSubject: [],
      rawReference: [],
    };
    for (let round = 0; round < rounds; round += 1) {
      // Alternate which side goes first, so neither always runs on a warmer or a busier machine.
      const sides = round % 2 === 0 ? ([subject, reference] as const) : ([reference, subject] as const);
      for (const side of sides) {
        const measured = await side.run();
        const raw = await rawPut(side.inFlight);
        if (side === subject) {
          row.subjectRates.push(measured);
          row.rawSubject.push(raw);
        } else {
          row.referenceRates.push(measured);
          row.rawReference.push(raw);
        }
      }
      progress(`${name}: round ${round + 1}/${rounds}`);
    }
    comparisons.push(row);
    return row;
  };

  await compare(
    'one tenant vs two tenants, 8 in flight',
    0.9,
    {
      label: 'creates, 8 in flight, one tenant',
      inFlight: 8,
      run: () => rate(count, 8, async (index) => void (await create(0, index))),
    },
    {
      label: 'creates, 8 in flight, two tenants',
      inFlight: 8,
      run: () => rate(count, 8, async (index) => void (await create(index % 2, index))),
    },
  );

  await compare(
    'create, 8 vs 1 in flight (one tenant)',
    1.0,
    {
      label: 'creates, 8 in flight',
      inFlight: 8,
      run: () => rate(count, 8, async (index) => void (await create(0, index))),
    },
    {
      label: 'creates, 1 in flight',
      inFlight: 1,
      run: () => rate(count, 1, async (index) => void (await create(0, index))),
    },
  );

  // Each round issues fresh drafts on a series of its own, so no round waits on another's counter.
  let seriesSerial = 0;
  const issueRun =
    (inFlight: number, settled = false) =>
    async () => {
      const ids = await drafts(0, count);
      if (settled) await settle();
      seriesSerial += 1;
      const series = `B${seriesSerial}`;
      return rate(count, inFlight, async (index) => {
        await call(0, 'POST', `/v1/invoices/${ids[index]}/issue`, { series });
      });
    };
  await compare(
    'issue on one series, 8 vs 1 in flight',
    0.9,
    { label: 'issues, 8 in flight, one series', inFlight: 8, run: issueRun(8) },
    { label: 'issues, 1 in flight, one series', inFlight: 1, run: issueRun(1) },
  );

  // Bulk issue: invoices issued per second by one request of 100, against single issues one at a time — each
  // side timed once the stack has settled after creating its drafts.
  const probe = await fetch(`${stack.apiBaseUrl}/v1/invoices/issue`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[0]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ invoiceIds: [] }),
  });
  const bulkAvailable = probe.status !== 404 && probe.status !== 403 && probe.status !== 405;
  const bulkSize = 100;
  const floorRates: number[] = [];
  // Single issues are warm here (the case above ran them); the bulk path is not yet: one untimed bulk first, so
  // the first round does not time its JIT compilation against warm single issues.
  if (bulkAvailable) {
    await call(0, 'POST', '/v1/invoices/issue', {
      invoiceIds: await drafts(0, bulkSize),
      series: 'WARM',
    });
    progress('bulk issue warmed up');
  }
  const bulk = await compare(
    'bulk issue of 100 vs single issues',
    10,
    {
      label: `invoices issued, one bulk request of ${bulkSize}`,
      inFlight: 1,
      run: async () => {
        if (!bulkAvailable) return Number.NaN;
        const ids = await drafts(0, bulkSize);
        await settle();
        seriesSerial += 1;
        const started = performance.now();
        await call(0, 'POST', '/v1/invoices/issue', { invoiceIds: ids, series: `B${seriesSerial}` });
        const measured = (bulkSize * 1000) / (performance.now() - started);
        await settle();
        floorRates.push(await storageFloor(tenants[0]?.tenantId ?? '', ids));
        return measured;
      },
    },
    { label: 'invoices issued, single issues, 1 in flight', inFlight: 1, run: issueRun(1, true) },
  );
  if (!bulkAvailable) bulk.note = `POST /v1/invoices/issue answered ${probe.status}: no bulk issue route`;

  const format = (value: number, width: number) =>
    (Number.isNaN(value) ? 'n/a' : value.toFixed(value >= 100 ? 0 : 1)).padStart(width);
  console.log(
    `\nLedgerlock throughput benchmark (${count} operations per case, ${rounds} alternating rounds; medians of /s)\n`,
  );
  for (const row of comparisons) {
    const subject = median(row.subjectRates);
    const reference = median(row.referenceRates);
    const ratio = subject / reference;
    const rawRatio = median(row.rawSubject) / median(row.rawReference);
    const verdict = Number.isNaN(ratio) ? 'n/a' : ratio >= row.goal ? 'meets goal' : 'BELOW goal';
    console.log(
      `${row.name}: ratio ${Number.isNaN(ratio) ? 'n/a' : ratio.toFixed(2)} (goal ≥ ${row.goal}, ${verdict})`,
    );
    console.log(
      `  ${row.subject.padEnd(50)}${format(subject, 8)} /s   raw PutItem at same concurrency ${format(median(row.rawSubject), 6)} /s`,
    );
    console.log(
      `  ${row.reference.padEnd(50)}${format(reference, 8)} /s   raw PutItem at same concurrency ${format(median(row.rawReference), 6)} /s`,
    );
    console.log(`  raw PutItem ratio for the same concurrencies: ${rawRatio.toFixed(2)}`);
    if (row.note !== undefined) console.log(`  (${row.note})`);
    if (row === bulk && floorRates.length > 0) {
      const floor = median(floorRates);
      console.log(
        `  storage floor of a bulk of ${bulkSize} on this DynamoDB Local${format(floor, 13)} /s   (read back + one ${bulkSize}-item transaction: at most ${(floor / reference).toFixed(1)}× single issues)`,
      );
    }
  }
  console.log(`\nstack healthy after ${stack.healthyAfterMs} ms`);
} finally {
  for (const table of [rawTable, floorTable]) {
    await dynamo?.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
  }
  await stopStackProcess(stack);
}
