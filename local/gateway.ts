// local: a small API Gateway — builds REST proxy events from the route table, runs the real authorizer,
// enforces the policy it returns (cached per token, as API Gateway does), then runs the real handler.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayTokenAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { unauthorizedMessage } from '../functions/authorizer/handler';
import type { AccessLogLine } from '../functions/platform/access-log';
import {
  authorizerCacheTtlSeconds,
  authorizerTokenPattern,
  gatewayMaxPayloadBytes,
  stageThrottling,
} from '../functions/platform/api-limits';
import { type GatewayProblemKey, gatewayProblem } from '../functions/platform/gateway-responses';
import type { ApiFunctionName } from '../functions/platform/routes';
import { localLambdaContext } from './lambda-context';
import { appendLogLine } from './log-file';
import { matchRoute, toProxyEvent } from './proxy-event';
import { TokenBucket } from './token-bucket';
import type { LocalTokenIssuer } from './token-issuer';

type LambdaHandler<Event, Result> = (event: Event, context: Context) => Promise<Result>;

export interface GatewayOptions {
  readonly host: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  readonly authorizer: LambdaHandler<APIGatewayTokenAuthorizerEvent, APIGatewayAuthorizerResult>;
  readonly functions: Readonly<
    Record<ApiFunctionName, LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>>
  >;
  readonly tokenIssuer: LocalTokenIssuer;
  readonly openApi: () => unknown;
  /** Answers /health: 200 only when every emulator answers. */
  readonly health: () => Promise<{
    readonly ok: boolean;
    readonly services: Readonly<Record<string, string>>;
  }>;
  /**
   * Local-only operations under /_local/ (test hooks such as a simulated mail outage). Absent on AWS and
   * unless the stack was started with --test-hooks.
   */
  readonly localRoutes?: Readonly<Record<string, (body: string) => Promise<unknown>>>;
  /** JSON access log, one line per request, never bodies. */
  readonly accessLogFile?: string;
  /** Each access-log line as it is written (the local logs subscription feeds them to detect). */
  readonly onAccessLog?: (line: AccessLogLine) => void;
  /** The stage's bucket. @default one with the stage's throttling from functions/platform/api-limits.ts */
  readonly throttle?: TokenBucket;
}

const apiId = 'local';
const stage = 'v1';
/** API Gateway's limit on one integration: past it the caller gets a 504 while the function runs on. */
const integrationTimeoutMs = 29_000;
const tokenPattern = new RegExp(authorizerTokenPattern);

/** IAM-style match of an execute-api ARN against a policy resource with `*` wildcards. */
function resourceMatches(pattern: string, arn: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(arn);
}

export function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  let allowed = false;
  for (const statement of result.policyDocument.Statement) {
    const resources = 'Resource' in statement ? [statement.Resource].flat() : [];
    if (!resources.some((resource) => resourceMatches(String(resource), methodArn))) continue;
    if (statement.Effect === 'Deny') return false;
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

/** What the access-log line of a request says beyond the request itself; kept beside the response, never sent. */
interface AccessNote {
  route?: string;
  clientId?: string;
  tenantId?: string;
  errorType?: string;
}
const notes = new WeakMap<ServerResponse, AccessNote>();
function noteOf(response: ServerResponse): AccessNote {
  let note = notes.get(response);
  if (note === undefined) {
    note = {};
    notes.set(response, note);
  }
  return note;
}

/**
 * The caller's address as API Gateway would see it. Locally every caller is this machine, so a request from
 * loopback may name the address it plays with X-Forwarded-For (tests play several clients that way); API Gateway
 * itself takes the connection's address and cannot be told otherwise.
 */
function sourceAddressOf(request: IncomingMessage): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  const forwarded = request.headers['x-forwarded-for'];
  const loopback = peer === '127.0.0.1' || peer === '::1' || peer === '::ffff:127.0.0.1';
  const claimed = typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined;
  return loopback && claimed !== undefined && /^[0-9a-fA-F:.]{2,45}$/.test(claimed) ? claimed : peer;
}

async function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > gatewayMaxPayloadBytes) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export class LocalGateway {
  private server: Server | undefined;
  private readonly authorizerCache = new Map<
    string,
    { result: APIGatewayAuthorizerResult; expiresAt: number }
  >();
  private readonly throttle: TokenBucket;

  constructor(private readonly options: GatewayOptions) {
    this.throttle = options.throttle ?? new TokenBucket(stageThrottling);
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        process.stderr.write(`gateway: unexpected failure (${(error as Error).name})\n`);
        if (!response.headersSent) this.sendProblem(response, 'default-5xx');
      });
    });
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.options.port, this.options.host, () => resolve());
    });
    const address = this.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : this.options.port;
    return `http://${this.options.host}:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** What API Gateway itself answers in that situation: the same table CDK deploys as gateway responses. */
  private sendProblem(response: ServerResponse, key: GatewayProblemKey): void {
    const answer = gatewayProblem(key);
    noteOf(response).errorType = key;
    response.writeHead(answer.status, { ...answer.headers });
    response.end(answer.body);
  }

  private send(
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    const isProblem = typeof body === 'object' && body !== null && 'type' in body && 'status' in body;
    response.writeHead(status, {
      'content-type': isProblem ? 'application/problem+json' : 'application/json',
      ...headers,
    });
    response.end(JSON.stringify(body));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const sourceIp = sourceAddressOf(request);
    response.setHeader('x-request-id', requestId);
    response.on('finish', () => {
      // Local-only operations do not exist on AWS: no access-log line, nothing for detect, nothing metered.
      if (url.pathname.startsWith('/_local/')) return;
      // The fields and string values of the deployed stage's access-log format (lib/api-logs.ts).
      const note = noteOf(response);
      const line: AccessLogLine = {
        requestId,
        requestTime: String(started),
        sourceIp,
        httpMethod: method,
        resourcePath: note.route ?? '-',
        path: url.pathname,
        status: String(response.statusCode),
        responseLatency: String(Date.now() - started),
        principalId: note.clientId ?? '-',
        clientId: note.clientId ?? '-',
        tenantId: note.tenantId ?? '-',
        errorType: note.errorType ?? '-',
      };
      if (this.options.accessLogFile !== undefined) {
        appendLogLine(this.options.accessLogFile, JSON.stringify(line), { timestamp: false });
      }
      this.options.onAccessLog?.(line);
    });

    if (url.pathname === '/health' && method === 'GET') {
      const report = await this.options.health();
      this.send(response, report.ok ? 200 : 503, { status: report.ok ? 'ok' : 'starting', ...report });
      return;
    }
    if (url.pathname === '/openapi.json' && method === 'GET') {
      this.send(response, 200, this.options.openApi());
      return;
    }
    if (url.pathname === '/.well-known/jwks.json' && method === 'GET') {
      this.send(response, 200, this.options.tokenIssuer.jwks());
      return;
    }
    const body = await readBody(request);
    const localRoute = this.options.localRoutes?.[`${method} ${url.pathname}`];
    if (localRoute !== undefined && body !== 'too-large') {
      this.send(response, 200, await localRoute(body.toString('utf8')));
      return;
    }
    if (body === 'too-large') {
      this.sendProblem(response, 'request-too-large');
      return;
    }
    if (url.pathname === '/oauth2/token') {
      noteOf(response).route = '/oauth2/token';
      if (method !== 'POST') {
        this.send(response, 405, { error: 'invalid_request', error_description: 'use POST' });
        return;
      }
      const answer = await this.options.tokenIssuer.token({
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        body: body.toString('utf8'),
        sourceIp,
      });
      this.send(response, answer.status, answer.body, answer.headers);
      return;
    }
    await this.handleApi(request, response, { url, method, body, requestId, sourceIp });
  }

  private async handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    call: { url: URL; method: string; body: Buffer; requestId: string; sourceIp: string },
  ): Promise<void> {
    const matched = matchRoute(call.method, call.url.pathname);
    // API Gateway has no 405: a method a path does not have is a resource it does not have.
    if (matched.kind === 'no-route' || matched.kind === 'wrong-method') {
      this.sendProblem(response, 'missing-route');
      return;
    }
    if (matched.kind === 'bad-encoding') {
      this.sendProblem(response, 'default-4xx');
      return;
    }
    const { route, pathParameters } = matched;
    noteOf(response).route = route.path;
    if (!this.throttle.take()) {
      this.sendProblem(response, 'throttled');
      return;
    }
    const stageArn = `arn:aws:execute-api:${this.options.region}:${this.options.accountId}:${apiId}/${stage}`;
    // API Gateway hands the authorizer the ARN of the concrete request, path parameters filled in.
    const concreteArn = `${stageArn}/${call.method}${call.url.pathname}`;

    // The TOKEN authorizer's identity validation: a header of another shape never reaches the authorizer.
    const authorization = request.headers.authorization;
    if (authorization === undefined || !tokenPattern.test(authorization)) {
      this.sendProblem(response, 'unauthorized');
      return;
    }
    const authorized = await this.authorize(authorization, concreteArn, call.requestId);
    if (authorized === 'unauthorized') {
      this.sendProblem(response, 'unauthorized');
      return;
    }
    if (authorized === 'failed') {
      // An authorizer that failed (rather than refused) is a 500 on API Gateway, never a 401.
      this.sendProblem(response, 'authorizer-failure');
      return;
    }
    const context = authorized.context ?? {};
    if (typeof context.tenantId === 'string') noteOf(response).tenantId = context.tenantId;
    noteOf(response).clientId = authorized.principalId;
    if (!policyAllows(authorized, concreteArn)) {
      this.sendProblem(response, 'access-denied');
      return;
    }

    const headers: [string, string][] = [];
    for (let index = 0; index < request.rawHeaders.length; index += 2) {
      headers.push([request.rawHeaders[index] ?? '', request.rawHeaders[index + 1] ?? '']);
    }
    const event = toProxyEvent({
      route,
      pathParameters,
      method: call.method,
      url: call.url,
      headers,
      body: call.body.length === 0 ? null : call.body.toString('utf8'),
      requestId: call.requestId,
      sourceIp: call.sourceIp,
      authorizer: { ...context, principalId: authorized.principalId },
      accountId: this.options.accountId,
      apiId,
      stage,
    });
    const handler = this.options.functions[route.functionName];
    let timer: NodeJS.Timeout | undefined;
    let result: APIGatewayProxyResult | 'timeout';
    try {
      result = await Promise.race([
        handler(
          event,
          localLambdaContext({
            functionName: route.functionName,
            requestId: call.requestId,
            region: this.options.region,
            timeoutMs: integrationTimeoutMs,
          }),
        ),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), integrationTimeoutMs);
        }),
      ]);
    } catch {
      // A function that throws (rather than answering a problem) is an integration failure on API Gateway.
      this.sendProblem(response, 'integration-failure');
      return;
    } finally {
      clearTimeout(timer);
    }
    if (result === 'timeout') {
      this.sendProblem(response, 'integration-timeout');
      return;
    }
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) responseHeaders[name] = String(value);
    response.writeHead(result.statusCode, responseHeaders);
    response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
  }

  /** Runs the real authorizer; its answer is cached per token for 300 s, as API Gateway's TOKEN cache does. */
  private async authorize(
    authorizationToken: string,
    methodArn: string,
    requestId: string,
  ): Promise<APIGatewayAuthorizerResult | 'unauthorized' | 'failed'> {
    const cached = this.authorizerCache.get(authorizationToken);
    if (cached !== undefined && cached.expiresAt > Date.now()) return cached.result;
    try {
      const result = await this.options.authorizer(
        { type: 'TOKEN', authorizationToken, methodArn },
        localLambdaContext({
          functionName: 'authorizer',
          requestId,
          region: this.options.region,
          timeoutMs: 29_000,
        }),
      );
      this.authorizerCache.set(authorizationToken, {
        result,
        expiresAt: Date.now() + authorizerCacheTtlSeconds * 1000,
      });
      return result;
    } catch (error) {
      // Only the exact message API Gateway recognises means "refused"; anything else is the authorizer failing.
      return (error as Error).message === unauthorizedMessage ? 'unauthorized' : 'failed';
    }
  }
}
