// test: shared helpers for integration tests — they reach the stack only through HTTP and the emulators.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { localFunctions } from '../../local/functions';
import { fetchAccessToken } from '../../local/oauth-client';

export interface DemoClient {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
}

export interface Endpoints {
  readonly apiBaseUrl: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly dynamodb: string;
  readonly kms: string;
  readonly s3: string;
  readonly ses: string;
  readonly sqs: string;
  readonly sns: string;
  /** The Lambda emulator api-read invokes render through, and the render function's name there. */
  readonly lambda: string;
  readonly functions: { readonly render: string };
  readonly tables: { readonly main: string; readonly keyStore: string };
  readonly keys: {
    readonly data: string;
    readonly blindIndex: string;
    readonly documents: string;
    readonly backups: string;
    readonly audit: string;
  };
  readonly buckets: { readonly documents: string; readonly backups: string };
  readonly topics: { readonly alerts: string };
  readonly queues: { readonly alerts: string; readonly deliverFailures: string };
  readonly mailFrom: string;
}

function stateDir(): string {
  const dir = process.env.LEDGERLOCK_TEST_STATE_DIR;
  if (dir === undefined) throw new Error('integration tests need the global setup (run them through jest)');
  return dir;
}

export function endpoints(): Endpoints {
  return JSON.parse(readFileSync(join(stateDir(), 'endpoints.json'), 'utf8')) as Endpoints;
}

export function demoClients(): DemoClient[] {
  return JSON.parse(readFileSync(join(stateDir(), 'clients.json'), 'utf8')) as DemoClient[];
}

const hasScope = (client: DemoClient, scope: string) => client.scopes.includes(`ledgerlock/${scope}`);

/** The demo clients by role: two tenants' read-write clients, tenant A's read-only and admin clients. */
export function clientsByRole() {
  const clients = demoClients();
  const writers = clients.filter(
    (client) => hasScope(client, 'invoices:write') && !hasScope(client, 'admin'),
  );
  const [tenantA, tenantB] = writers;
  const readOnly = clients.find((client) => !hasScope(client, 'invoices:write'));
  const admin = clients.find((client) => hasScope(client, 'admin'));
  if (!tenantA || !tenantB || !readOnly || !admin || tenantA.tenantId === tenantB.tenantId) {
    throw new Error('clients.json does not hold the expected demo clients');
  }
  return { tenantA, tenantB, readOnly, admin };
}

export function apiBaseUrl(): string {
  return endpoints().apiBaseUrl;
}

const tokenCache = new Map<string, string>();

export async function tokenFor(client: DemoClient): Promise<string> {
  const cached = tokenCache.get(client.clientId);
  if (cached !== undefined) return cached;
  const token = await fetchAccessToken(apiBaseUrl(), client);
  tokenCache.set(client.clientId, token);
  return token;
}

export interface ApiResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: any;
  readonly headers: Headers;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /**
   * The local gateway throttles like the deployed stage (1,000 a second, bursts of 2,000); a test sending faster waits
   * and retries as a well-behaved client would. Off for tests about throttling.
   * @default true
   */
  retryWhenThrottled?: boolean;
}

/** How many requests the stage throttled and the tests retried (a test about load may want to know). */
export const throttledRetries = { count: 0 };

export async function call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await callOnce(method, path, options);
    const throttled =
      response.status === 429 && String(response.body?.type ?? '').endsWith('/too-many-requests');
    if (!throttled || options.retryWhenThrottled === false || attempt >= 20) return response;
    throttledRetries.count += 1;
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}

async function callOnce(method: string, path: string, options: CallOptions): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${apiBaseUrl()}${path}`, {
    method,
    // The API's own answer: a 303 (GET …/pdf) is what the route answers, not the document it links to.
    redirect: 'manual',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // keep the raw text
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: parsed,
    headers: response.headers,
  };
}

export async function as(client: DemoClient) {
  const token = await tokenFor(client);
  return {
    get: (path: string) => call('GET', path, { token }),
    post: (path: string, body: unknown, headers?: Record<string, string>) =>
      call('POST', path, { token, body, ...(headers ? { headers } : {}) }),
    patch: (path: string, body: unknown) => call('PATCH', path, { token, body }),
    put: (path: string, body: unknown) => call('PUT', path, { token, body }),
    raw: (method: string, path: string, rawBody: string, headers: Record<string, string> = {}) =>
      call(method, path, { token, rawBody, headers }),
  };
}

export function sampleInvoice(overrides: Record<string, unknown> = {}) {
  return {
    customer: {
      name: 'Erika Mustermann',
      email: 'erika@example.com',
      taxId: 'DE123456789',
      address: { line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'DE' },
    },
    currency: 'EUR',
    lines: [
      { description: 'Consulting, November', quantity: 2, unitAmount: 12000, taxRateBps: 1900 },
      { description: 'Travel', quantity: 1, unitAmount: 4999, taxRateBps: 700 },
    ],
    dueDate: '2026-12-31',
    memo: 'Thank you for your business',
    ...overrides,
  };
}

/**
 * Waits until the chain writer has chained every audit entry the table holds (none left under `*#AUDIT#ENTRIES`):
 * writes are chained off the stream, a second or so after they commit.
 */
export async function auditChained(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let pending = 0;
    let startKey: Record<string, any> | undefined;
    do {
      const page = await tableClient().send(
        new ScanCommand({
          TableName: endpoints().tables.main,
          FilterExpression: 'entity = :entry',
          ExpressionAttributeValues: { ':entry': { S: 'audit-entry' } },
          Select: 'COUNT',
          ConsistentRead: true,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      pending += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    if (pending === 0) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for the chain writer (${pending} entries left)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The verification of a whole chain, step after step (each verifies at most 1,000 events and hands on a cursor),
 * as a client would do it: the last step's answer, with `checked` summed over the steps.
 */
export async function verifyWhole(auditor: { get: (path: string) => Promise<ApiResponse> }) {
  let checked = 0;
  let cursor: string | undefined;
  for (;;) {
    const step = (
      await auditor.get(
        `/v1/audit-events/verification${cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}`}`,
      )
    ).body;
    checked += step.checked ?? 0;
    if (!step.valid || step.nextCursor === undefined) return { ...step, checked };
    cursor = step.nextCursor;
  }
}

/** A raw DynamoDB client on the stack's emulator, for tests that inspect or tamper with stored items. */
export function tableClient(): DynamoDBClient {
  const config = endpoints();
  return new DynamoDBClient({
    endpoint: config.dynamodb,
    region: config.region,
    credentials: config.credentials,
  });
}

/**
 * A second instance of the stack's handlers in the test process, composed exactly as the stack composes them
 * (same composition root, same emulators), for tests that must hand a handler an event themselves.
 */
export function localHandlers() {
  const config = endpoints();
  return localFunctions(
    {
      tableName: config.tables.main,
      keyStoreTable: config.tables.keyStore,
      dataKeyArn: config.keys.data,
      blindIndexKeyArn: config.keys.blindIndex,
      jwtIssuer: config.apiBaseUrl,
      jwksUrl: `${config.apiBaseUrl}/.well-known/jwks.json`,
      documentsBucket: config.buckets.documents,
      documentsKeyArn: config.keys.documents,
      mailFrom: config.mailFrom,
      backupBucket: config.buckets.backups,
      backupKeyArn: config.keys.backups,
      alertTopicArn: config.topics.alerts,
      renderFunctionName: config.functions.render,
      auditKeyArn: config.keys.audit,
    },
    {
      region: config.region,
      credentials: config.credentials,
      endpoints: {
        dynamodb: config.dynamodb,
        kms: config.kms,
        s3: config.s3,
        sesv2: config.ses,
        sns: config.sns,
        sqs: config.sqs,
        lambda: config.lambda,
      },
    },
  );
}
