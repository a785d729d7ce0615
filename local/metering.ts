// local: metering — what the functions ask of each AWS service and how long each invocation runs, as AWS would bill
// it: DynamoDB request units (the emulator's own ConsumedCapacity; for transactions, which it under-reports, priced
// from the items themselves when asked: local/dynamodb-pricing.ts), KMS, S3, SES, SNS and SQS requests, Lambda
// invocations and their duration. A reverse proxy per emulator sits between the handlers and it; the stack serves
// the counts on GET /_local/metering (with test hooks), which `npm run cost` reads.
import { Agent, createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type DynamoItem,
  itemLabel,
  type TableSchema,
  type TransactionAction,
  tableSchemaOf,
  transactionActions,
  transactionWriteUnits,
} from './dynamodb-pricing';
import { closeHttpServer } from './emulators/emulator';
import type { LocalAws } from './functions';
import { endToEndHeaders, readAll, relay } from './http-relay';

export type MeteredService = 'dynamodb' | 'kms' | 's3' | 'sesv2' | 'sns' | 'sqs';

/** Counts since start or reset(), by what the bill is made of. */
export interface MeteringSnapshot {
  /** `<service>:<operation>` → requests (S3: `s3:PUT`, `s3:GET`, `s3:HEAD`, `s3:LIST`, `s3:DELETE`). */
  readonly requests: Record<string, number>;
  /** DynamoDB request units by table, as DynamoDB reports them (transactions count twice, as on AWS). */
  readonly dynamodb: Record<string, { readonly readUnits: number; readonly writeUnits: number }>;
  /**
   * The same write units by the kind of item written (dynamodb-pricing.ts `itemLabel`: `INVOICE`, `EVENT`, …), all
   * tables together: where the write bill comes from. A BatchWriteItem counts under `BatchWriteItem`.
   */
  readonly dynamodbWriteUnitsByItem: Record<string, number>;
  /** Bytes written into S3 by PUT, by bucket. */
  readonly s3PutBytes: Record<string, number>;
  /** Bytes of raw email content handed to SES. */
  readonly sesBytes: number;
  /** Per function: invocations and the milliseconds each took (wall time, what Lambda bills by). */
  readonly lambda: Record<string, { readonly invocations: number; readonly milliseconds: number[] }>;
}

/** DynamoDB operations that report consumed capacity, and whether they read or write. */
const dynamoDbItemOperations: Readonly<Record<string, 'read' | 'write'>> = {
  GetItem: 'read',
  BatchGetItem: 'read',
  Query: 'read',
  Scan: 'read',
  TransactGetItems: 'read',
  PutItem: 'write',
  UpdateItem: 'write',
  DeleteItem: 'write',
  BatchWriteItem: 'write',
  TransactWriteItems: 'write',
};

interface CapacityJson {
  readonly TableName?: string;
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
}

/** One call straight to the emulator behind a proxy, with the caller's headers: its JSON answer. */
type EmulatorCall = (operation: string, payload: unknown) => Promise<Record<string, unknown>>;

interface Observation {
  readonly body: Buffer;
  /** Runs before the request is forwarded. */
  prepare?(emulator: EmulatorCall): Promise<void>;
  answered(status: number, answer: Buffer): void | Promise<void>;
}

export class Metering {
  /**
   * Price each TransactWriteItems from the items it touches (two extra reads of them per transaction), since
   * DynamoDB Local under-reports transactions. Off unless a reset asks for it: benchmarks meter too.
   */
  private exactTransactions = false;
  private readonly schemas = new Map<string, TableSchema>();
  private requests = new Map<string, number>();
  private units = new Map<string, { readUnits: number; writeUnits: number }>();
  private writeUnitsByItem = new Map<string, number>();
  private putBytes = new Map<string, number>();
  private sesBytes = 0;
  private invocations = new Map<string, number[]>();

  reset(options: { readonly exactTransactions?: boolean } = {}): void {
    this.exactTransactions = options.exactTransactions ?? false;
    this.requests = new Map();
    this.units = new Map();
    this.writeUnitsByItem = new Map();
    this.putBytes = new Map();
    this.sesBytes = 0;
    this.invocations = new Map();
  }

  snapshot(): MeteringSnapshot {
    return {
      requests: Object.fromEntries(this.requests),
      dynamodb: Object.fromEntries([...this.units].map(([table, units]) => [table, { ...units }])),
      dynamodbWriteUnitsByItem: Object.fromEntries(this.writeUnitsByItem),
      s3PutBytes: Object.fromEntries(this.putBytes),
      sesBytes: this.sesBytes,
      lambda: Object.fromEntries(
        [...this.invocations].map(([name, milliseconds]) => [
          name,
          { invocations: milliseconds.length, milliseconds: [...milliseconds] },
        ]),
      ),
    };
  }

  private count(key: string): void {
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  private addWriteUnits(table: string, item: string, units: number): void {
    const counted = this.units.get(table) ?? { readUnits: 0, writeUnits: 0 };
    counted.writeUnits += units;
    this.units.set(table, counted);
    this.writeUnitsByItem.set(item, (this.writeUnitsByItem.get(item) ?? 0) + units);
  }

  /**
   * Wraps a handler so each invocation is counted with its duration (failed ones too: Lambda bills them). detect's
   * scheduled tick counts apart, as `detect:tick`: a fixed cost per minute, whatever the traffic.
   */
  timed<Handler extends (event: never, context: never) => unknown>(
    functionName: string,
    handler: Handler,
  ): Handler {
    const metered = async (event: never, context: never) => {
      const started = performance.now();
      const name =
        (event as { tick?: unknown } | null)?.tick === true ? `${functionName}:tick` : functionName;
      try {
        return await handler(event, context);
      } finally {
        const list = this.invocations.get(name) ?? [];
        list.push(performance.now() - started);
        this.invocations.set(name, list);
      }
    };
    return metered as unknown as Handler;
  }

  /** Starts a proxy in front of `target` that counts `service` requests; give its endpoint to the handlers. */
  async proxy(service: MeteredService, target: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
    const targetUrl = new URL(target);
    const agent = new Agent({ keepAlive: true });
    const server = createServer((request, response) => {
      void (async () => {
        let body = await readAll(request);
        const observe = this.observe(service, request, body);
        body = observe.body;
        await observe.prepare?.((operation, payload) =>
          emulatorJson(agent, targetUrl, request, operation, payload),
        );
        const answer = await relay(agent, targetUrl, {
          method: request.method ?? 'GET',
          path: request.url ?? '/',
          // Host passes through: emulators that build URLs from it (presigned links) keep naming the proxy.
          headers: endToEndHeaders(request.headers),
          body,
        });
        await observe.answered(answer.status, answer.body);
        response.writeHead(answer.status, {
          ...answer.headers,
          ...(request.method === 'HEAD' ? {} : { 'content-length': String(answer.body.length) }),
        });
        response.end(request.method === 'HEAD' ? undefined : answer.body);
      })().catch(() => {
        // The emulator (or a fault proxy before it) dropped the connection: drop the caller's too. An answer of
        // our own (a 502) would turn "the outcome is unknown" into "refused", and the caller would retry.
        response.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
      endpoint: `http://127.0.0.1:${port}`,
      stop: async () => {
        agent.destroy();
        await closeHttpServer(server);
      },
    };
  }

  /** A TransactWriteItems priced from its items: read before it is forwarded and, once it committed, after. */
  private exactTransaction(input: Record<string, unknown>, body: Buffer): Observation {
    let actions: TransactionAction[] = [];
    let before = new Map<string, Map<string, DynamoItem>>();
    let emulator: EmulatorCall | undefined;
    return {
      body,
      prepare: async (call) => {
        emulator = call;
        const tables = new Set(
          ((input.TransactItems ?? []) as Record<string, { TableName?: string }>[]).map((action) =>
            String(Object.values(action)[0]?.TableName ?? ''),
          ),
        );
        for (const table of tables) {
          if (this.schemas.has(table)) continue;
          const described = (await call('DescribeTable', { TableName: table })).Table;
          if (described !== undefined) this.schemas.set(table, tableSchemaOf(described as never));
        }
        actions = transactionActions(input as never, this.schemas);
        before = await readItems(call, actions);
      },
      answered: async (status) => {
        if (status !== 200 || emulator === undefined) return;
        const after = await readItems(
          emulator,
          actions.filter((action) => action.kind === 'Update'),
        );
        for (const { table, item, units } of transactionWriteUnits(actions, this.schemas, before, after)) {
          this.addWriteUnits(table, item, units);
        }
      },
    };
  }

  /** Counts one request; for DynamoDB, asks for the consumed capacity so the answer reports it. */
  private observe(service: MeteredService, request: IncomingMessage, body: Buffer): Observation {
    const target = String(request.headers['x-amz-target'] ?? '');
    const done = { body, answered: () => undefined };
    switch (service) {
      case 'dynamodb': {
        const operation = target.split('.')[1] ?? 'unknown';
        this.count(`dynamodb:${operation}`);
        const kind = dynamoDbItemOperations[operation];
        if (kind === undefined) return done;
        const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        // DynamoDB Local computes units as DynamoDB does; it only reports them when asked. The SDK checks the
        // answer's CRC, so the request is what changes (the emulator does not verify signatures).
        input.ReturnConsumedCapacity = 'INDEXES';
        if (operation === 'TransactWriteItems' && this.exactTransactions) {
          return this.exactTransaction(input, Buffer.from(JSON.stringify(input)));
        }
        // Single-item writes count under the item they write; the rest under their operation.
        const written = (input.Item ?? input.Key) as DynamoItem | undefined;
        const item =
          written !== undefined && ['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation)
            ? itemLabel(written)
            : operation;
        return {
          body: Buffer.from(JSON.stringify(input)),
          answered: (status, answer) => {
            if (status !== 200) return;
            const consumed = (JSON.parse(answer.toString('utf8')) as { ConsumedCapacity?: unknown })
              .ConsumedCapacity;
            for (const capacity of (Array.isArray(consumed) ? consumed : [consumed]) as (CapacityJson & {
              Table?: CapacityJson;
              GlobalSecondaryIndexes?: Record<string, CapacityJson>;
            })[]) {
              if (capacity === undefined || capacity === null) continue;
              const table = capacity.TableName ?? 'unknown';
              const parts = [capacity.Table ?? {}, ...Object.values(capacity.GlobalSecondaryIndexes ?? {})];
              const split = parts.some(
                (part) => part.ReadCapacityUnits !== undefined || part.WriteCapacityUnits !== undefined,
              );
              const units = this.units.get(table) ?? { readUnits: 0, writeUnits: 0 };
              let writeUnits = 0;
              if (split) {
                for (const part of parts) {
                  units.readUnits += part.ReadCapacityUnits ?? 0;
                  writeUnits += part.WriteCapacityUnits ?? 0;
                }
              } else if (kind === 'read') units.readUnits += capacity.CapacityUnits ?? 0;
              else writeUnits = capacity.CapacityUnits ?? 0;
              this.units.set(table, units);
              if (writeUnits > 0) this.addWriteUnits(table, item, writeUnits);
            }
          },
        };
      }
      case 'kms':
        this.count(`kms:${target.split('.')[1] ?? 'unknown'}`);
        return done;
      case 's3': {
        const url = new URL(request.url ?? '/', 'http://s3.local');
        const [, bucket = '', ...key] = url.pathname.split('/');
        const method = request.method ?? 'GET';
        const kind = method === 'GET' && key.join('/') === '' ? 'LIST' : method === 'POST' ? 'POST' : method;
        this.count(`s3:${kind}`);
        if (method === 'PUT' && key.length > 0) {
          this.putBytes.set(bucket, (this.putBytes.get(bucket) ?? 0) + body.length);
        }
        return done;
      }
      case 'sesv2': {
        const path = new URL(request.url ?? '/', 'http://ses.local').pathname;
        this.count(path.endsWith('/outbound-emails') ? 'sesv2:SendEmail' : `sesv2:${request.method} ${path}`);
        if (path.endsWith('/outbound-emails')) this.sesBytes += body.length;
        return done;
      }
      case 'sns':
      case 'sqs': {
        // Query protocol (Action=… in the form) or JSON protocol (X-Amz-Target: AmazonSQS.SendMessage).
        const action = target.includes('.')
          ? target.split('.')[1]
          : new URLSearchParams(body.toString('utf8')).get('Action');
        this.count(`${service}:${action ?? 'unknown'}`);
        return done;
      }
    }
  }
}

/** `aws` with each metered service reached through a proxy of its own; the proxies go onto `running`. */
export async function meteredAws(
  metering: Metering,
  aws: LocalAws,
  running: { stop(): Promise<void> }[],
): Promise<LocalAws> {
  const services = ['dynamodb', 'kms', 's3', 'sesv2', 'sns', 'sqs'] as const;
  const proxied = await Promise.all(
    services.map(async (service) => {
      const proxy = await metering.proxy(service, aws.endpoints[service] ?? '');
      running.push(proxy);
      return [service, proxy.endpoint] as const;
    }),
  );
  return { ...aws, endpoints: { ...aws.endpoints, ...Object.fromEntries(proxied) } };
}

/** The items of `actions` as they are now (consistent reads), by table and key string. */
async function readItems(
  call: EmulatorCall,
  actions: readonly TransactionAction[],
): Promise<Map<string, Map<string, DynamoItem>>> {
  const found = new Map<string, Map<string, DynamoItem>>();
  const byTable = new Map<string, TransactionAction[]>();
  for (const action of actions) byTable.set(action.table, [...(byTable.get(action.table) ?? []), action]);
  for (const [table, tableActions] of byTable) {
    const items = new Map<string, DynamoItem>();
    let keys: unknown[] = tableActions.map((action) => action.keyItem);
    for (let attempt = 0; keys.length > 0 && attempt < 10; attempt += 1) {
      const answer = await call('BatchGetItem', {
        RequestItems: { [table]: { Keys: keys, ConsistentRead: true } },
      });
      for (const item of (answer.Responses as Record<string, DynamoItem[]> | undefined)?.[table] ?? []) {
        const action = tableActions.find((candidate) =>
          Object.entries(candidate.keyItem).every(
            ([name, value]) => JSON.stringify(item[name]) === JSON.stringify(value),
          ),
        );
        if (action !== undefined) items.set(action.key, item);
      }
      keys =
        (answer.UnprocessedKeys as Record<string, { Keys?: unknown[] }> | undefined)?.[table]?.Keys ?? [];
    }
    found.set(table, items);
  }
  return found;
}

/** One DynamoDB JSON call straight to the emulator, signed as the caller's request was (the emulator reads only the key id). */
async function emulatorJson(
  agent: Agent,
  target: URL,
  original: IncomingMessage,
  operation: string,
  payload: unknown,
): Promise<Record<string, unknown>> {
  const answer = await relay(agent, target, {
    method: 'POST',
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      authorization: String(original.headers.authorization ?? ''),
      'x-amz-date': String(original.headers['x-amz-date'] ?? ''),
    },
    body: Buffer.from(JSON.stringify(payload)),
  });
  const text = answer.body.toString('utf8');
  if (answer.status !== 200) throw new Error(`${operation}: ${text}`);
  return JSON.parse(text || '{}') as Record<string, unknown>;
}
