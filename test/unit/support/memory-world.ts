// test: the fast tier's world — every entry built through its makeHandler with the in-memory adapters, two
// onboarded tenants, and helpers that hand the handlers the events API Gateway and the stream would. No network.
import { randomUUID } from 'node:crypto';
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  DynamoDBBatchResponse,
  DynamoDBRecord,
} from 'aws-lambda';
import { LambdaInvoiceRenderer } from '../../../functions/adapters/lambda-invoice-renderer';
import {
  MemoryAuditChainStore,
  MemoryAuditTrail,
  MemoryCheckpointKeys,
} from '../../../functions/adapters/memory/memory-audit';
import {
  MemoryDeliveryReminders,
  MemoryDeliveryTracker,
} from '../../../functions/adapters/memory/memory-delivery-tracker';
import { MemoryIdempotencyStore } from '../../../functions/adapters/memory/memory-idempotency-store';
import { MemoryLedger } from '../../../functions/adapters/memory/memory-ledger';
import {
  MemoryApiClientDirectory,
  MemoryCustomerRepository,
  MemoryInvoiceRepository,
  MemorySellerProfiles,
} from '../../../functions/adapters/memory/memory-repositories';
import {
  MemoryBlindIndexer,
  MemoryDocumentStore,
  MemoryInvoiceRenderer,
  MemoryMailer,
  MemorySecuritySignals,
  MemoryTokenVerifier,
} from '../../../functions/adapters/memory/memory-services';
import { MemoryTable } from '../../../functions/adapters/memory/memory-table';
import { makeHandler as makeApiRead } from '../../../functions/api-read/handler';
import { makeHandler as makeApiWrite } from '../../../functions/api-write/handler';
import { makeHandler as makeAuthorizer } from '../../../functions/authorizer/handler';
import { makeHandler as makeChain } from '../../../functions/chain/handler';
import { makeHandler as makeDeliver } from '../../../functions/deliver/handler';
import type { PendingAuditEntry } from '../../../functions/domain/audit-chain';
import { emailIndexPurpose, normalizeEmail } from '../../../functions/domain/customer';
import type { RetryPolicy, SendLimits } from '../../../functions/domain/delivery';
import type { SellerProfile } from '../../../functions/domain/seller';
import { createObservability } from '../../../functions/platform/observability';
import { type Scope, scopePrefix, scopes } from '../../../functions/platform/routes';
import type { InvoiceDocumentLink } from '../../../functions/ports/invoice-document-links';
import { makeHandler as makeRender } from '../../../functions/render/handler';
import { localLambdaContext } from '../../../local/lambda-context';
import { matchRoute, toProxyEvent } from '../../../local/proxy-event';

export const tenantA = 'ten_memoryTenantA01';
export const tenantB = 'ten_memoryTenantB02';

export interface Client {
  readonly tenantId: string;
  readonly clientId: string;
  readonly scopes: readonly Scope[];
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON (problem or resource); the raw text for anything else. */
  readonly body: any;
}

export function seller(name = 'Acme Test GmbH'): SellerProfile {
  return {
    name,
    address: { line1: 'Friedrichstraße 100', city: 'Berlin', postalCode: '10117', country: 'DE' },
    taxId: 'DE123456780',
    email: 'billing@acme.test',
    payout: { iban: 'DE02120300000000202051', bic: 'BYLADEM1001', accountHolder: name },
    paymentInstructions: 'quote the invoice number',
  };
}

export function sampleInvoice(overrides: Record<string, unknown> = {}) {
  return {
    customer: {
      name: 'Erika Mustermann',
      email: 'erika@example.com',
      address: { line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'DE' },
    },
    currency: 'EUR',
    lines: [{ description: 'Consulting', quantity: 2, unitAmount: 12000, taxRateBps: 1900 }],
    dueDate: '2099-12-31',
    ...overrides,
  };
}

/** Powertools with nothing printed: the fast tier asserts on signals and state, not on log lines. */
export function silentObservability(serviceName: string) {
  return createObservability({ serviceName, logLevel: 'SILENT' });
}

export function memoryWorld(
  options: { readonly start?: Date; readonly sendLimits?: SendLimits; readonly retry?: RetryPolicy } = {},
) {
  let nowMs = (options.start ?? new Date('2026-12-01T10:00:00Z')).getTime();
  const clock = {
    now: () => new Date(nowMs),
    advance: (milliseconds: number) => {
      nowMs += milliseconds;
    },
  };
  const table = new MemoryTable(() => nowMs);
  /** deliver's, kept: a test may watch the metrics its alarms read. */
  const deliverObservability = silentObservability('deliver');
  const blindIndexer = new MemoryBlindIndexer();
  const signals = new MemorySecuritySignals();
  const mailer = new MemoryMailer();
  const renderer = new MemoryInvoiceRenderer();
  const documents = new MemoryDocumentStore();
  const tokens = new MemoryTokenVerifier();
  const invoices = new MemoryInvoiceRepository(table);
  const customers = new MemoryCustomerRepository(table, blindIndexer);
  const sellers = new MemorySellerProfiles(table);
  const ledger = new MemoryLedger(table, (tenantId, email) =>
    blindIndexer.digest(tenantId, emailIndexPurpose, normalizeEmail(email)),
  );
  const pauses: number[] = [];
  let nextId = 0;
  const checkpointKeys = new MemoryCheckpointKeys();
  /** Whether each write is chained right after it, as the stream would a second later; tests of the window turn it off. */
  const chaining = { automatic: true };

  // What Lambda's Invoke does for api-read: hand the render function the event, return what it answers.
  const render = makeRender({
    invoices,
    sellers,
    renderer,
    documents,
    observability: silentObservability('render'),
  });
  const renderInvocations: unknown[] = [];
  const documentLinks = {
    link: async (tenantId: string, invoiceId: string) => {
      const event = { tenantId, invoiceId };
      renderInvocations.push(event);
      const context = localLambdaContext({
        functionName: 'render',
        requestId: randomUUID(),
        region: 'eu-central-1',
        timeoutMs: 30_000,
      });
      return (await render(event, context)) as InvoiceDocumentLink;
    },
  };

  // What Lambda's Invoke does for deliver: the render function's answer as the payload, or its error as Lambda
  // reports one (FunctionError, and { errorType, errorMessage }), through the adapter deliver runs on AWS.
  const renderClient = {
    send: async (command: InvokeCommand) => {
      const event: unknown = JSON.parse(new TextDecoder().decode(command.input.Payload as Uint8Array));
      const context = localLambdaContext({
        functionName: 'render',
        requestId: randomUUID(),
        region: 'eu-central-1',
        timeoutMs: 30_000,
      });
      try {
        return { Payload: new TextEncoder().encode(JSON.stringify(await render(event, context))) };
      } catch (error) {
        const { name, message } = error as Error;
        return {
          FunctionError: 'Unhandled',
          Payload: new TextEncoder().encode(JSON.stringify({ errorType: name, errorMessage: message })),
        };
      }
    },
  } as unknown as LambdaClient;

  const handlers = {
    authorizer: makeAuthorizer({
      tokens,
      clients: new MemoryApiClientDirectory(table),
      signals,
      observability: silentObservability('authorizer'),
    }),
    apiRead: makeApiRead({
      invoices,
      customers,
      sellers,
      auditTrail: new MemoryAuditTrail(table),
      documentLinks,
      checkpoints: checkpointKeys,
      signals,
      observability: silentObservability('api-read'),
    }),
    apiWrite: makeApiWrite({
      invoices,
      customers,
      sellers,
      ledger,
      idempotency: new MemoryIdempotencyStore(table),
      signals,
      observability: silentObservability('api-write'),
      now: clock.now,
      // Deterministic ids make failures readable; the commit retries do not wait, they only count.
      newId: (kind) =>
        `${{ invoice: 'inv', customer: 'cus', payment: 'pay', creditNote: 'cn', deliveryRequest: 'dlv', auditEntry: 'aud' }[kind]}_${String(++nextId).padStart(32, '0')}`,
      pause: async (milliseconds) => {
        pauses.push(milliseconds);
      },
      ...(options.sendLimits === undefined ? {} : { sendLimits: options.sendLimits }),
    }),
    chain: makeChain({
      store: new MemoryAuditChainStore(table),
      signer: checkpointKeys,
      signals,
      now: clock.now,
      observability: silentObservability('chain'),
    }),
    deliver: makeDeliver({
      invoices,
      sellers,
      tracker: new MemoryDeliveryTracker(table),
      reminders: new MemoryDeliveryReminders(table),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      renderer: new LambdaInvoiceRenderer({ client: renderClient, functionName: 'render' }),
      documents,
      mailer,
      fromAddress: 'invoices@ledgerlock.test',
      signals,
      now: clock.now,
      observability: deliverObservability,
    }),
  };

  for (const tenantId of [tenantA, tenantB]) table.putSeller(tenantId, seller());

  const client = (tenantId: string, clientScopes: readonly Scope[] = ['invoices:read', 'invoices:write']) => {
    const registered: Client = {
      tenantId,
      clientId: `cli_${randomUUID().replaceAll('-', '')}`,
      scopes: clientScopes,
    };
    table.putClient({ clientId: registered.clientId, tenantId, status: 'active' });
    return registered;
  };

  /** What API Gateway does: match the route, build the proxy event with the authorizer's context, invoke. */
  async function request(
    caller: Client,
    method: string,
    path: string,
    options: {
      readonly body?: unknown;
      readonly rawBody?: string;
      readonly headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const url = new URL(path, 'https://api.ledgerlock.test');
    const matched = matchRoute(method, url.pathname);
    if (matched.kind !== 'route') throw new Error(`no route for ${method} ${path} (${matched.kind})`);
    const body = options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body));
    const headers: [string, string][] = Object.entries({
      ...(body === null ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    });
    const event: APIGatewayProxyEvent = toProxyEvent({
      route: matched.route,
      pathParameters: matched.pathParameters,
      method,
      url,
      headers,
      body,
      requestId: randomUUID(),
      sourceIp: '203.0.113.7',
      authorizer: {
        tenantId: caller.tenantId,
        clientId: caller.clientId,
        scopes: caller.scopes.join(' '),
        principalId: caller.clientId,
      },
      accountId: '000000000000',
      apiId: 'memory',
      stage: 'v1',
    });
    const handler = matched.route.functionName === 'api-read' ? handlers.apiRead : handlers.apiWrite;
    const context = localLambdaContext({
      functionName: matched.route.functionName,
      requestId: event.requestContext.requestId,
      region: 'eu-central-1',
      timeoutMs: 29_000,
    });
    const result = (await handler(event, context)) as APIGatewayProxyResult;
    if (handler === handlers.apiWrite && chaining.automatic) await chain();
    const responseHeaders = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]),
    );
    let parsed: unknown = result.body;
    if ((responseHeaders['content-type'] ?? '').includes('json')) parsed = JSON.parse(result.body);
    if (result.isBase64Encoded === true) parsed = Buffer.from(result.body, 'base64');
    return { status: result.statusCode, headers: responseHeaders, body: parsed };
  }

  const as = (caller: Client) => ({
    get: (path: string) => request(caller, 'GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      request(caller, 'POST', path, {
        ...(body === undefined ? {} : { body }),
        ...(headers ? { headers } : {}),
      }),
    patch: (path: string, body: unknown) => request(caller, 'PATCH', path, { body }),
    delete: (path: string) => request(caller, 'DELETE', path),
    request: (method: string, path: string, options: Parameters<typeof request>[3] = {}) =>
      request(caller, method, path, options),
    raw: (method: string, path: string, rawBody: string, headers: Record<string, string> = {}) =>
      request(caller, method, path, { rawBody, headers }),
  });

  /** The stream records the table stream would carry for every invoice now queued for delivery. */
  function queuedRecords(): DynamoDBRecord[] {
    return [...table.invoices.values()]
      .filter((invoice) => invoice.delivery.status === 'queued')
      .map((invoice, index) =>
        streamRecordOf(invoice.tenantId, invoice.id, invoice.delivery.requestToken ?? '', index),
      );
  }

  async function deliver(records: DynamoDBRecord[] = queuedRecords()): Promise<DynamoDBBatchResponse> {
    const context = localLambdaContext({
      functionName: 'deliver',
      requestId: randomUUID(),
      region: 'eu-central-1',
      timeoutMs: 60_000,
    });
    return (await handlers.deliver({ Records: records }, context)) as DynamoDBBatchResponse;
  }

  /** The stream records of every entry not chained yet, in commit order (one batch, as the mapping would send). */
  function pendingAuditRecords(): DynamoDBRecord[] {
    return [...table.auditEntries.values()].flat().map((entry, index) => auditEntryRecordOf(entry, index));
  }

  async function chain(records: DynamoDBRecord[] = pendingAuditRecords()): Promise<DynamoDBBatchResponse> {
    if (records.length === 0) return { batchItemFailures: [] };
    const context = localLambdaContext({
      functionName: 'chain',
      requestId: randomUUID(),
      region: 'eu-central-1',
      timeoutMs: 60_000,
    });
    return (await handlers.chain({ Records: records }, context)) as DynamoDBBatchResponse;
  }

  /** What the schedule does once a minute on AWS: one sweep of the due reminders. */
  async function sweep(): Promise<void> {
    const context = localLambdaContext({
      functionName: 'deliver',
      requestId: randomUUID(),
      region: 'eu-central-1',
      timeoutMs: 60_000,
    });
    await handlers.deliver({ sweep: true }, context);
  }

  async function authorize(
    token: string,
    methodArn = 'arn:aws:execute-api:eu-central-1:000000000000:memory/v1/GET/v1/invoices',
  ) {
    const context = localLambdaContext({
      functionName: 'authorizer',
      requestId: randomUUID(),
      region: 'eu-central-1',
      timeoutMs: 5_000,
    });
    return (await handlers.authorizer(
      { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn },
      context,
    )) as APIGatewayAuthorizerResult;
  }

  return {
    table,
    clock,
    deliverMetrics: deliverObservability.metrics,
    signals,
    mailer,
    renderer,
    documents,
    renderInvocations,
    renderClient,
    tokens,
    pauses,
    handlers,
    client,
    as,
    request,
    queuedRecords,
    deliver,
    chaining,
    checkpointKeys,
    pendingAuditRecords,
    chain,
    sweep,
    authorize,
    allScopes: scopes.map((scope) => `${scopePrefix}${scope}`),
  };
}

/** A stream record as Lambda hands it to deliver: DynamoDB JSON of the queued invoice's keys and delivery. */
export function streamRecordOf(
  tenantId: string,
  invoiceId: string,
  requestToken: string,
  sequence = 0,
): DynamoDBRecord {
  return {
    eventID: `event-${sequence}`,
    eventName: 'MODIFY',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-central-1',
    dynamodb: {
      SequenceNumber: String(1000 + sequence),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
      NewImage: {
        pk: { S: `${tenantId}#INVOICE#${invoiceId}` },
        sk: { S: 'INVOICE' },
        entity: { S: 'invoice' },
        id: { S: invoiceId },
        tenantId: { S: tenantId },
        delivery: { M: { status: { S: 'queued' }, requestToken: { S: requestToken } } },
      },
    },
  };
}

const detailAttribute = (value: string | number | boolean | null) => {
  if (value === null) return { NULL: true as const };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  return { BOOL: value };
};

/** An entry's attributes in DynamoDB JSON, as the ledger writes them. */
function entryAttributes(entry: PendingAuditEntry) {
  return {
    tenantId: { S: entry.tenantId },
    entryId: { S: entry.entryId },
    action: { S: entry.action },
    entityType: { S: entry.entityType },
    entityId: { S: entry.entityId },
    at: { S: entry.at },
    actor: {
      M: {
        clientId: { S: entry.actor.clientId },
        sourceIp: { S: entry.actor.sourceIp },
        requestId: { S: entry.actor.requestId },
      },
    },
    ...(entry.details === undefined
      ? {}
      : {
          details: {
            M: Object.fromEntries(
              Object.entries(entry.details).map(([name, value]) => [name, detailAttribute(value)]),
            ),
          },
        }),
  };
}

function insertRecordOf(newImage: Record<string, unknown>, sequence: number): DynamoDBRecord {
  return {
    eventID: `audit-${sequence}`,
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-central-1',
    dynamodb: {
      SequenceNumber: String(5000 + sequence),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
      NewImage: newImage as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'],
    },
  };
}

/** The INSERT record the table stream carries for an audit entry: DynamoDB JSON of the item as written. */
export function auditEntryRecordOf(entry: PendingAuditEntry, sequence = 0): DynamoDBRecord {
  return insertRecordOf(
    {
      pk: { S: `${entry.tenantId}#AUDIT#ENTRIES` },
      sk: { S: `ENTRY#${entry.entryId}` },
      entity: { S: 'audit-entry' },
      ...entryAttributes(entry),
    },
    sequence,
  );
}

/** The record of one item listing several entries (one transaction's), keyed by the last, as the ledger writes it. */
export function auditEntriesRecordOf(entries: readonly PendingAuditEntry[], sequence = 0): DynamoDBRecord {
  const last = entries.at(-1);
  if (last === undefined) throw new Error('an item lists at least one entry');
  return insertRecordOf(
    {
      pk: { S: `${last.tenantId}#AUDIT#ENTRIES` },
      sk: { S: `ENTRY#${last.entryId}` },
      entity: { S: 'audit-entry' },
      tenantId: { S: last.tenantId },
      entryId: { S: last.entryId },
      entries: { L: entries.map((entry) => ({ M: entryAttributes(entry) })) },
    },
    sequence,
  );
}
