// test: bulk issue on DynamoDB Local through api-write's makeHandler and the DynamoDB ledger — the protocol the
// in-memory ledger does not have (hold, commit point carrying the first drafts, completion transactions) under
// deterministic faults: "fail the next N transactions of this kind", or run a concurrent change right before one.
// Sealing and blind indexes are the in-memory ones; what matters here is what DynamoDB's conditions decide.
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbAuditTrail } from '../../functions/adapters/dynamodb-audit-trail';
import { DynamoDbCustomerRepository } from '../../functions/adapters/dynamodb-customer-repository';
import { DynamoDbIdempotencyStore } from '../../functions/adapters/dynamodb-idempotency-store';
import { DynamoDbInvoiceRepository } from '../../functions/adapters/dynamodb-invoice-repository';
import { DynamoDbLedger } from '../../functions/adapters/dynamodb-ledger';
import { DynamoDbSellerProfiles } from '../../functions/adapters/dynamodb-seller-profiles';
import { Faults } from '../../functions/adapters/memory/faults';
import {
  MemoryBlindIndexer,
  MemorySealer,
  MemorySecuritySignals,
} from '../../functions/adapters/memory/memory-services';
import { makeHandler as makeApiWrite } from '../../functions/api-write/handler';
import { entriesOfRecord } from '../../functions/chain/handler';
import type { PendingAuditEntry } from '../../functions/domain/audit-chain';
import { emailIndexPurpose, normalizeEmail } from '../../functions/domain/customer';
import { auditEntriesPartition, bulkIssueJobId } from '../../functions/platform/key-layout';
import { createObservability } from '../../functions/platform/observability';
import { mainTableCreation } from '../../functions/platform/table-definition';
import { emulatorClientConfig, type RunningDynamoDb, startDynamoDb } from '../../local/emulators';
import { localLambdaContext } from '../../local/lambda-context';
import { matchRoute, toProxyEvent } from '../../local/proxy-event';

const TableName = 'bulk-issue-ledger';
const tenantId = 'ten_bulkLedgerTest01';

/** Which step of the bulk protocol (or which other write) a TransactWriteItems is, by what it writes. */
function transactionKind(command: TransactWriteCommand): string {
  const items = command.input.TransactItems ?? [];
  if (items.some((item) => item.Put?.Item?.entity === 'bulk-issue-job')) return 'bulk.commit';
  if (items.some((item) => item.Put?.ConditionExpression === 'heldBy = :job')) return 'bulk.complete';
  if (items.every((item) => item.Update?.UpdateExpression?.startsWith('SET heldBy'))) return 'bulk.hold';
  return 'other';
}

describe('bulk issue on DynamoDB Local', () => {
  let dynamoDb: RunningDynamoDb;
  let raw: DynamoDBClient;
  let faults: Faults;
  let ledger: DynamoDbLedger;
  let invoices: DynamoDbInvoiceRepository;
  let trail: DynamoDbAuditTrail;
  let handler: ReturnType<typeof makeApiWrite>;
  let secondInstance: ReturnType<typeof makeApiWrite>;

  beforeAll(async () => {
    dynamoDb = await startDynamoDb({ port: 0 });
    raw = new DynamoDBClient(emulatorClientConfig(dynamoDb.endpoint));
    const client = DynamoDBDocumentClient.from(raw, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    await raw.send(new CreateTableCommand(mainTableCreation(TableName)));
    faults = new Faults();
    // The ledger's client: each transaction first passes the fault plan, under the name of its step.
    const faulty = Object.create(client) as DynamoDBDocumentClient;
    faulty.send = (async (command: unknown) => {
      if (command instanceof TransactWriteCommand) await faults.enter(transactionKind(command));
      return client.send(command as never);
    }) as DynamoDBDocumentClient['send'];
    const sealer = new MemorySealer();
    const blindIndexer = new MemoryBlindIndexer();
    const table = { tableName: TableName, client, sealer };
    invoices = new DynamoDbInvoiceRepository(table);
    trail = new DynamoDbAuditTrail(table);
    ledger = new DynamoDbLedger({
      ...table,
      client: faulty,
      emailDigest: (tenant, email) => blindIndexer.digest(tenant, emailIndexPurpose, normalizeEmail(email)),
    });
    const dependencies: Parameters<typeof makeApiWrite>[0] = {
      invoices,
      customers: new DynamoDbCustomerRepository({ ...table, blindIndexer }),
      sellers: new DynamoDbSellerProfiles(table),
      ledger,
      idempotency: new DynamoDbIdempotencyStore(table),
      signals: new MemorySecuritySignals(),
      observability: createObservability({ serviceName: 'api-write', logLevel: 'SILENT' }),
      pause: async () => undefined,
    };
    handler = makeApiWrite(dependencies);
    // A second api-write instance: within one, requests on one series queue up (the runner's lanes).
    secondInstance = makeApiWrite(dependencies);
  }, 120_000);

  afterAll(async () => {
    raw?.destroy();
    await dynamoDb?.stop();
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    instance: ReturnType<typeof makeApiWrite> = handler,
  ) {
    const url = new URL(path, 'https://api.ledgerlock.test');
    const matched = matchRoute(method, url.pathname);
    if (matched.kind !== 'route') throw new Error(`no route for ${method} ${path}`);
    const event = toProxyEvent({
      route: matched.route,
      pathParameters: matched.pathParameters,
      method,
      url,
      headers: [['content-type', 'application/json'], ...Object.entries(headers)],
      body: body === undefined ? null : JSON.stringify(body),
      requestId: randomUUID(),
      sourceIp: '203.0.113.7',
      authorizer: {
        tenantId,
        clientId: 'cli_bulkLedgerTest01',
        scopes: 'invoices:read invoices:write',
        principalId: 'cli_bulkLedgerTest01',
      },
      accountId: '000000000000',
      apiId: 'tooling',
      stage: 'v1',
    });
    const context = localLambdaContext({
      functionName: 'api-write',
      requestId: event.requestContext.requestId,
      region: 'eu-central-1',
      timeoutMs: 29_000,
    });
    const result = (await instance(event, context)) as APIGatewayProxyResult;
    return { status: result.statusCode, body: JSON.parse(result.body || '{}') };
  }

  const drafts = async (count: number) => {
    const ids: string[] = [];
    for (let start = 0; start < count; start += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, count - start) }, async (_, offset) => {
          const created = await call('POST', '/v1/invoices', {
            customer: {
              name: `Customer ${start + offset}`,
              email: `customer${start + offset}@example.com`,
              address: { line1: 'Street 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
            },
            currency: 'EUR',
            lines: [{ description: 'Item', quantity: 1, unitAmount: 1000, taxRateBps: 1900 }],
            dueDate: '2099-12-31',
          });
          if (created.status !== 201) throw new Error(`draft not created: ${created.status}`);
          return created.body.id as string;
        }),
      );
      ids.push(...batch);
    }
    return ids;
  };

  const series = () => `T${randomUUID().slice(0, 6).toUpperCase()}`;
  const sequenceOf = (name: string) => ({
    kind: 'invoice' as const,
    series: name,
    year: new Date().getUTCFullYear(),
  });
  const heldBy = async (invoiceId: string) =>
    (
      await raw.send(
        new GetItemCommand({
          TableName,
          Key: { pk: { S: `${tenantId}#INVOICE#${invoiceId}` }, sk: { S: 'INVOICE' } },
          ConsistentRead: true,
        }),
      )
    ).Item?.heldBy?.S;
  /** The pending audit entries (the chain writer is not running here), as the chain writer reads them. */
  const pendingEntries = async (): Promise<PendingAuditEntry[]> => {
    const { Items: items = [] } = await raw.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :partition',
        ExpressionAttributeValues: { ':partition': { S: auditEntriesPartition(tenantId) } },
        ConsistentRead: true,
      }),
    );
    return items.flatMap(
      (item) => entriesOfRecord({ eventName: 'INSERT', dynamodb: { NewImage: item as never } }).entries,
    );
  };
  const issuedEntriesOf = (entries: readonly PendingAuditEntry[], ids: readonly string[]) =>
    ids.map(
      (id) => entries.filter((entry) => entry.action === 'invoice.issued' && entry.entityId === id).length,
    );

  it('issues 100 drafts in three transactions — hold, commit point, completion — numbered in the order given', async () => {
    const ids = await drafts(100);
    const name = series();
    const before = faults.count('bulk.hold') + faults.count('bulk.commit') + faults.count('bulk.complete');
    const answer = await call('POST', '/v1/invoices/issue', { invoiceIds: ids, series: name });
    expect(answer.status).toBe(200);
    expect(
      answer.body.invoices.map((invoice: { number: string }) => Number(invoice.number.slice(-6))),
    ).toEqual(Array.from({ length: 100 }, (_, index) => index + 1));
    expect(
      faults.count('bulk.hold') + faults.count('bulk.commit') + faults.count('bulk.complete') - before,
    ).toBe(3);
    expect(await ledger.currentNumber(tenantId, sequenceOf(name))).toBe(100);
    expect((await ledger.bulkIssueJob(tenantId, bulkIssueJobId(tenantId, ids)))?.done).toBe(true);
    const stored = await invoices.getMany(tenantId, ids);
    expect(stored.map((invoice) => invoice?.number)).toEqual(
      answer.body.invoices.map((invoice: { number: string }) => invoice.number),
    );
    expect(await Promise.all(ids.map(heldBy))).toEqual(Array(100).fill(undefined));
    // One invoice.issued entry per invoice, and the run's: the chain writer chains each as if written alone.
    const entries = await pendingEntries();
    expect(issuedEntriesOf(entries, ids)).toEqual(Array(100).fill(1));
    expect(entries.filter((entry) => entry.action === 'invoices.bulk-issued')).toHaveLength(1);
    // What the verification reports as not chained yet counts the entries, not the items holding them.
    expect(await trail.pendingEntries(tenantId, 10_000)).toBe(entries.length);
  }, 120_000);

  it('finishes a run whose completion failed part-way, on retry, with the numbers it committed', async () => {
    const ids = await drafts(100);
    const name = series();
    const key = `bulk-${randomUUID()}`;
    // Sending: the commit point carries 47 drafts, the other 53 go in two completion transactions side by side.
    faults.failNext('bulk.complete', 1, () => new Error('connection reset by peer'));
    const failed = await call(
      'POST',
      '/v1/invoices/issue',
      { invoiceIds: ids, series: name, send: true },
      {
        'idempotency-key': key,
      },
    );
    expect(failed.status).toBe(500);
    // The numbers are taken, and the drafts not issued yet stay held for this job: nothing can change them.
    expect(await ledger.currentNumber(tenantId, sequenceOf(name))).toBe(100);
    const job = await ledger.bulkIssueJob(tenantId, bulkIssueJobId(tenantId, ids));
    expect(job?.done).toBe(false);
    const partial = await invoices.getMany(tenantId, ids);
    const stillDrafts = ids.filter((_, index) => partial[index]?.status === 'draft');
    expect(stillDrafts.length).toBeGreaterThan(0);
    expect(stillDrafts.length).toBeLessThan(53);
    for (const id of stillDrafts) expect(await heldBy(id)).toBe(job?.jobId);
    const edit = await call('PATCH', `/v1/invoices/${stillDrafts[0]}`, { memo: 'changed meanwhile' });
    expect(edit.status).toBe(409);

    const retried = await call(
      'POST',
      '/v1/invoices/issue',
      { invoiceIds: ids, series: name, send: true },
      {
        'idempotency-key': key,
      },
    );
    expect(retried.status).toBe(200);
    const numbers = retried.body.invoices.map((invoice: { number: string }) => invoice.number);
    expect(numbers.map((number: string) => Number(number.slice(-6)))).toEqual(
      Array.from({ length: 100 }, (_, index) => index + 1),
    );
    const stored = await invoices.getMany(tenantId, ids);
    expect(stored.map((invoice) => invoice?.number)).toEqual(numbers);
    expect(
      stored.every((invoice) => invoice?.status === 'issued' && invoice.delivery.status === 'queued'),
    ).toBe(true);
    expect(await Promise.all(ids.map(heldBy))).toEqual(Array(100).fill(undefined));
    expect(await ledger.currentNumber(tenantId, sequenceOf(name))).toBe(100);
    expect((await ledger.bulkIssueJob(tenantId, bulkIssueJobId(tenantId, ids)))?.done).toBe(true);
    expect(issuedEntriesOf(await pendingEntries(), ids)).toEqual(Array(100).fill(1));
  }, 120_000);

  it('issues none and takes no number when a draft the commit point carries is deleted just before it', async () => {
    const ids = await drafts(100);
    const name = series();
    const victim = ids[3] as string;
    faults.beforeNext('bulk.commit', 1, async () => {
      const deleted = await call('DELETE', `/v1/invoices/${victim}`);
      if (deleted.status !== 204) throw new Error(`the concurrent delete answered ${deleted.status}`);
    });
    const answer = await call('POST', '/v1/invoices/issue', { invoiceIds: ids, series: name });
    // The commit point lost the race; the re-plan finds the draft gone and names it.
    expect(answer.status).toBe(404);
    expect(answer.body.detail).toMatch(/^invoiceIds\[3\]: /);
    expect(await ledger.currentNumber(tenantId, sequenceOf(name))).toBe(0);
    expect(await ledger.bulkIssueJob(tenantId, bulkIssueJobId(tenantId, ids))).toBeUndefined();
    const stored = await invoices.getMany(tenantId, ids);
    expect(stored.map((invoice) => invoice?.status)).toEqual(
      ids.map((id) => (id === victim ? undefined : 'draft')),
    );
    // The drafts it held for the attempt are free again, and none was issued.
    expect(await Promise.all(ids.map(heldBy))).toEqual(Array(100).fill(undefined));
    expect(issuedEntriesOf(await pendingEntries(), ids)).toEqual(Array(100).fill(0));
  }, 120_000);

  it('re-plans with the draft as changed when one it holds is edited just before its hold', async () => {
    const ids = await drafts(100);
    const name = series();
    const edited = ids[99] as string;
    faults.beforeNext('bulk.hold', 1, async () => {
      const edit = await call('PATCH', `/v1/invoices/${edited}`, { memo: 'edited meanwhile' });
      if (edit.status !== 200) throw new Error(`the concurrent edit answered ${edit.status}`);
    });
    const answer = await call('POST', '/v1/invoices/issue', { invoiceIds: ids, series: name });
    expect(answer.status).toBe(200);
    const stored = await invoices.getMany(tenantId, ids);
    expect(stored.at(-1)).toMatchObject({
      status: 'issued',
      memo: 'edited meanwhile',
      number: `${name}-${new Date().getUTCFullYear()}-000100`,
    });
    expect(faults.count('bulk.hold')).toBeGreaterThanOrEqual(2);
    expect(await ledger.currentNumber(tenantId, sequenceOf(name))).toBe(100);
  }, 120_000);

  it('keeps the holds a concurrent attempt of the same run committed, when the attempt that lost the commit point gives up', async () => {
    // Two requests for the same drafts (a client retrying without an Idempotency-Key while the first is in flight),
    // on two instances of api-write, share one job id. A holds the drafts; before A commits, B holds them too and commits; A's commit point then
    // fails. A must not free what B's completion (held here until A is done) still needs.
    const ids = await drafts(100);
    const name = series();
    const jobId = bulkIssueJobId(tenantId, ids);
    let openB: () => void = () => undefined;
    const bWaits = new Promise<void>((resolve) => {
      openB = resolve;
    });
    let b: ReturnType<typeof call> | undefined;
    faults.beforeNext('bulk.commit', 1, async () => {
      faults.beforeNext('bulk.complete', 1, () => bWaits);
      b = call('POST', '/v1/invoices/issue', { invoiceIds: ids, series: name }, {}, secondInstance);
      for (
        let turn = 0;
        turn < 500 && (await ledger.bulkIssueJob(tenantId, jobId)) === undefined;
        turn += 1
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if ((await ledger.bulkIssueJob(tenantId, jobId)) === undefined) throw new Error('B never committed');
    });
    const a = await call('POST', '/v1/invoices/issue', { invoiceIds: ids, series: name });
    openB();
    const answered = await b;
    // Both attempts end: A finishes the job B committed (200), and B, its drafts issued by then, is told so (409,
    // as a second issue of an issued invoice is) — without an Idempotency-Key the two are two requests.
    expect([a.status, answered?.status]).toEqual([200, 409]);
    expect(answered?.body.detail).toMatch(/^invoiceIds\[0\]: invoice is issued/);
    const numbers = a.body.invoices.map((invoice: { number: string }) => invoice.number);
    expect(numbers.map((number: string) => Number(number.slice(-6)))).toEqual(
      Array.from({ length: 100 }, (_, index) => index + 1),
    );
    const stored = await invoices.getMany(tenantId, ids);
    expect(stored.map((invoice) => invoice?.status)).toEqual(Array(100).fill('issued'));
    expect(stored.map((invoice) => invoice?.number)).toEqual(numbers);
    expect(await Promise.all(ids.map(heldBy))).toEqual(Array(100).fill(undefined));
    expect(issuedEntriesOf(await pendingEntries(), ids)).toEqual(Array(100).fill(1));
    expect(await ledger.currentNumber(tenantId, sequenceOf(name))).toBe(100);
    expect((await ledger.bulkIssueJob(tenantId, jobId))?.done).toBe(true);
  }, 120_000);
});
