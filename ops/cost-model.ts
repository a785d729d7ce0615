// ops: the cost model of `npm run cost` (ops/cost.ts) — what the tables store, and what one measured run of the
// local stack costs on AWS per invoice, line by line (service, item, quantity, unit price), for processing and for
// storing what it leaves behind; ops/aws-prices.ts holds the prices.
import { DescribeTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoItem, storedBytes, tableSchemaOf } from '../local/dynamodb-pricing';
import type { MeteringSnapshot } from '../local/metering';
import { prices } from './aws-prices';

/** What the tables store, as DynamoDB bills it (local/dynamodb-pricing.ts): durable items apart from those a TTL removes. */
export interface Stored {
  /** Items kept: in the tables, and in their global secondary indexes. */
  readonly durable: { readonly table: number; readonly indexes: number };
  /** Items with a TTL (idempotency records, detector state, send counters, reminders). */
  readonly expiring: { readonly table: number; readonly indexes: number };
  /** Of the expiring items written since `since`: their lifetime, averaged by their bytes. */
  readonly expiringLifetimeSeconds: number;
}

/** What the stack's tables hold now, as DynamoDB bills it; of the expiring items, those written since `since`. */
export async function storedBytesNow(
  endpoints: {
    readonly dynamodb: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
    readonly tables: { readonly main: string; readonly keyStore: string };
  },
  since: number,
): Promise<Stored> {
  const dynamoDb = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: endpoints.region,
    credentials: { ...endpoints.credentials },
  });
  const durable = { table: 0, indexes: 0 };
  const expiring = { table: 0, indexes: 0 };
  let lifetimeWeighted = 0;
  let recentBytes = 0;
  for (const table of [endpoints.tables.main, endpoints.tables.keyStore]) {
    const described = (await dynamoDb.send(new DescribeTableCommand({ TableName: table }))).Table;
    const schema = tableSchemaOf(described ?? {});
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamoDb.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start as never }),
      );
      for (const item of (page.Items ?? []) as unknown as DynamoItem[]) {
        const bytes = storedBytes(schema, item);
        const expiresAt = Number((item.expiresAt as { N?: string } | undefined)?.N ?? Number.NaN);
        const target = Number.isFinite(expiresAt) ? expiring : durable;
        target.table += bytes.table;
        target.indexes += bytes.indexes;
        const changedAt = Date.parse(String((item.changedAt as { S?: string } | undefined)?.S ?? ''));
        if (Number.isFinite(expiresAt) && changedAt >= since) {
          lifetimeWeighted += (expiresAt - changedAt / 1000) * bytes.table;
          recentBytes += bytes.table;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }
  dynamoDb.destroy();
  return {
    durable,
    expiring,
    expiringLifetimeSeconds: recentBytes === 0 ? 0 : lifetimeWeighted / recentBytes,
  };
}

export interface Run {
  readonly stored: Stored;
  readonly snapshot: MeteringSnapshot;
  readonly logBytes: Record<string, number>;
  readonly apiRequests: number;
  readonly linkDownloads: number;
}

/** What a run's counters are divided among, and the buckets whose bytes are told apart. */
export interface ModelScope {
  readonly invoiceCount: number;
  readonly buckets: { readonly documents: string; readonly backups: string };
}

export const million = 1e6;
const gb = 1024 ** 3;

export interface Line {
  readonly service: string;
  readonly item: string;
  /** Per invoice, in the unit the price is for. */
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
}

export function model(measured: Run, memory: Record<string, number>, scope: ModelScope) {
  const { invoiceCount, buckets } = scope;
  const { snapshot } = measured;
  const per = (value: number) => value / invoiceCount;
  const request = (key: string) => snapshot.requests[key] ?? 0;
  const sumRequests = (prefix: string, exclude: readonly string[] = []) =>
    Object.entries(snapshot.requests)
      .filter(([key]) => key.startsWith(prefix) && !exclude.includes(key))
      .reduce((sum, [, count]) => sum + count, 0);
  const units = Object.values(snapshot.dynamodb).reduce(
    (sum, table) => ({ read: sum.read + table.readUnits, write: sum.write + table.writeUnits }),
    { read: 0, write: 0 },
  );
  // A scheduled tick (once a minute on AWS) costs the same however many invoices there are: not per invoice.
  const perInvoiceFunctions = Object.entries(snapshot.lambda).filter(([name]) => !name.endsWith(':tick'));
  const invocations = perInvoiceFunctions.reduce((sum, [, fn]) => sum + fn.invocations, 0);
  const gbSeconds = perInvoiceFunctions.reduce(
    (sum, [name, fn]) =>
      sum +
      (fn.milliseconds.reduce((ms, value) => ms + Math.ceil(value), 0) / 1000) *
        ((memory[name] ?? 1024) / 1024),
    0,
  );
  const logBytesTotal = Object.values(measured.logBytes).reduce((sum, bytes) => sum + bytes, 0);
  const streamInvocations = ['deliver', 'chain', 'backup', 'detect'].reduce(
    (sum, name) => sum + (snapshot.lambda[name]?.invocations ?? 0),
    0,
  );
  const emails = request('sesv2:SendEmail');
  const documentsBytes = snapshot.s3PutBytes[buckets.documents] ?? 0;
  const backupBytes = snapshot.s3PutBytes[buckets.backups] ?? 0;
  const lines: Line[] = [
    {
      service: 'DynamoDB',
      item: 'write request units',
      quantity: per(units.write),
      unit: 'WRU',
      unitPrice: prices.dynamodb.writeRequestUnit,
    },
    {
      service: 'DynamoDB',
      item: 'read request units',
      quantity: per(units.read),
      unit: 'RRU',
      unitPrice: prices.dynamodb.readRequestUnit,
    },
    {
      service: 'KMS',
      item: 'requests',
      quantity: per(sumRequests('kms:')),
      unit: 'request',
      unitPrice: prices.kms.request,
    },
    {
      service: 'S3',
      item: 'PUT/LIST requests',
      quantity: per(request('s3:PUT') + request('s3:POST') + request('s3:LIST')),
      unit: 'request',
      unitPrice: prices.s3.putRequest,
    },
    {
      service: 'S3',
      item: 'GET/HEAD requests (PDF links included)',
      quantity: per(request('s3:GET') + request('s3:HEAD')),
      unit: 'request',
      unitPrice: prices.s3.getRequest,
    },
    {
      service: 'Lambda',
      item: 'requests',
      quantity: per(invocations),
      unit: 'request',
      unitPrice: prices.lambda.request,
    },
    {
      service: 'Lambda',
      item: 'duration (Arm)',
      quantity: per(gbSeconds),
      unit: 'GB-s',
      unitPrice: prices.lambda.gbSecondArm,
    },
    {
      service: 'CloudWatch Logs',
      item: 'ingestion',
      quantity: per(logBytesTotal) / gb,
      unit: 'GB',
      unitPrice: prices.logs.ingestionGb,
    },
    {
      service: 'API Gateway',
      item: 'REST requests',
      quantity: per(measured.apiRequests),
      unit: 'request',
      unitPrice: prices.apiGateway.restRequest,
    },
    {
      service: 'WAF',
      item: 'requests inspected',
      quantity: per(measured.apiRequests),
      unit: 'request',
      unitPrice: prices.waf.request,
    },
    {
      service: 'X-Ray',
      item: 'traces (default sampling, 5 %)',
      quantity: per(measured.apiRequests + streamInvocations) * prices.xray.defaultSampledShare,
      unit: 'trace',
      unitPrice: prices.xray.traceRecorded,
    },
    {
      service: 'SNS',
      item: 'publishes',
      quantity: per(request('sns:Publish')),
      unit: 'request',
      unitPrice: prices.sns.publish,
    },
    {
      service: 'SQS',
      item: 'requests',
      quantity: per(sumRequests('sqs:')),
      unit: 'request',
      unitPrice: prices.sqs.request,
    },
    { service: 'SES', item: 'emails', quantity: per(emails), unit: 'email', unitPrice: prices.ses.email },
    {
      service: 'SES',
      item: 'attachments (raw message bytes)',
      quantity: per(snapshot.sesBytes) / gb,
      unit: 'GB',
      unitPrice: prices.ses.attachmentGb,
    },
  ];
  return {
    lines,
    counters: { units, invocations, gbSeconds, logBytesTotal, emails, documentsBytes, backupBytes },
  };
}

const day = 86_400;
const month = 30.4 * day;

/**
 * What the invoices leave behind, per month: in their first month (the average number of AWS Backup copies that
 * hold them then: 15.5 daily plus half a monthly one; change backups still in S3 Standard) or once kept (35 daily
 * and 12 monthly copies; change backups in Glacier Instant Retrieval after 90 days). Items a TTL removes (the
 * idempotency records of every POST, 48 hours) are stored for their lifetime only, sit in one daily copy per day
 * they live (each kept 35 days, so all of the first month), and once kept only in the monthly copy that happened
 * to catch them (a chance of their lifetime in a month).
 */
export function storageLines(
  measured: Run,
  phase: 'first month' | 'steady state',
  scope: ModelScope,
): Line[] {
  const { invoiceCount, buckets } = scope;
  const per = (bytes: number) => bytes / invoiceCount / gb;
  const { durable, expiring, expiringLifetimeSeconds: lifetime } = measured.stored;
  const firstMonth = phase === 'first month';
  const liveShare = firstMonth ? Math.min(lifetime / month, 1) : 0;
  const dailyCopies = Math.min(Math.ceil(lifetime / day), 16);
  const table = per(durable.table + durable.indexes + (expiring.table + expiring.indexes) * liveShare);
  const restorable = per(durable.table + expiring.table * liveShare);
  const vaultCopies = firstMonth
    ? per(durable.table * 16 + expiring.table * dailyCopies)
    : per(durable.table * 47 + expiring.table * Math.min(lifetime / month, 1));
  const documents = per(measured.snapshot.s3PutBytes[buckets.documents] ?? 0);
  const backups = per(measured.snapshot.s3PutBytes[buckets.backups] ?? 0);
  const logs = per(Object.values(measured.logBytes).reduce((sum, bytes) => sum + bytes, 0));
  const line = (service: string, item: string, quantity: number, unitPrice: number): Line => ({
    service,
    item: `${item}, ${phase}`,
    quantity,
    unit: 'GB-month',
    unitPrice,
  });
  return [
    line('DynamoDB', 'table and index storage', table, prices.dynamodb.storageGbMonth),
    line('DynamoDB', 'point-in-time recovery', restorable, prices.dynamodb.pitrGbMonth),
    line(
      'AWS Backup',
      `vault copies of the table (${firstMonth ? '16' : '47'} on average)`,
      vaultCopies,
      prices.backup.dynamoDbWarmGbMonth,
    ),
    line('S3', 'documents (Standard)', documents, prices.s3.standardGbMonth),
    line(
      'S3',
      `change backups (${firstMonth ? 'Standard' : 'Glacier Instant Retrieval'})`,
      backups,
      firstMonth ? prices.s3.standardGbMonth : prices.s3.glacierInstantGbMonth,
    ),
    line('CloudWatch Logs', 'log storage', logs, prices.logs.storageGbMonth),
  ];
}
