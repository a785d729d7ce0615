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
import { problemBaseUrl } from '../functions/platform/errors';
import type { ApiFunctionName } from '../functions/platform/routes';
import { localLambdaContext } from './lambda-context';
import { appendLogLine } from './log-file';
import { matchRoute, toProxyEvent } from './proxy-event';
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
}

const apiId = 'local';
const stage = 'v1';
// API Gateway's hard limit on a request payload; the handlers apply the route table's own, smaller limit.
const maxPayloadBytes = 10 * 1024 * 1024;
const authorizerCacheTtlMs = 300_000;

function problem(status: number, slug: string, title: string, detail: string) {
  return { type: `${problemBaseUrl}${slug}`, title, status, detail };
}

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

async function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxPayloadBytes) return 'too-large';
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

  constructor(private readonly options: GatewayOptions) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        console.error('gateway: unexpected failure', error);
        if (!response.headersSent)
          this.send(response, 500, problem(500, 'internal-error', 'Internal error', 'retry later'));
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
    const sourceIp = request.socket.remoteAddress ?? 'unknown';
    response.setHeader('x-request-id', requestId);
    response.on('finish', () => {
      if (this.options.accessLogFile === undefined) return;
      const line = {
        requestId,
        ip: sourceIp,
        requestTime: new Date(started).toISOString(),
        httpMethod: method,
        path: url.pathname,
        status: response.statusCode,
        responseLatency: Date.now() - started,
        tenantId: response.getHeader('x-ledgerlock-tenant') ?? null,
      };
      appendLogLine(this.options.accessLogFile, JSON.stringify(line), { timestamp: false });
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
      this.send(
        response,
        413,
        problem(413, 'payload-too-large', 'Request body too large', 'the limit is 10 MB'),
      );
      return;
    }
    if (url.pathname === '/oauth2/token') {
      if (method !== 'POST') {
        this.send(response, 405, { error: 'invalid_request', error_description: 'use POST' });
        return;
      }
      const answer = await this.options.tokenIssuer.token({
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        body: body.toString('utf8'),
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
    if (matched.kind === 'no-route') {
      this.send(response, 404, problem(404, 'not-found', 'Not found', 'no such route'));
      return;
    }
    if (matched.kind === 'wrong-method') {
      const allowed = matched.allowed.join(', ');
      this.send(response, 405, problem(405, 'method-not-allowed', 'Method not allowed', `use ${allowed}`), {
        allow: allowed,
      });
      return;
    }
    if (matched.kind === 'bad-encoding') {
      this.send(
        response,
        400,
        problem(400, 'malformed-request', 'Malformed request', 'the path is not valid percent-encoding'),
      );
      return;
    }
    const { route, pathParameters } = matched;
    const stageArn = `arn:aws:execute-api:${this.options.region}:${this.options.accountId}:${apiId}/${stage}`;
    // API Gateway hands the authorizer the ARN of the concrete request, path parameters filled in.
    const concreteArn = `${stageArn}/${call.method}${call.url.pathname}`;

    const authorization = request.headers.authorization;
    const unauthenticated = () =>
      this.send(
        response,
        401,
        problem(401, 'unauthenticated', 'Authentication required', 'send a valid bearer token'),
        { 'www-authenticate': 'Bearer' },
      );
    if (authorization === undefined || authorization === '') {
      unauthenticated();
      return;
    }
    const authorized = await this.authorize(authorization, concreteArn, call.requestId);
    if (authorized === 'unauthorized') {
      unauthenticated();
      return;
    }
    if (authorized === 'failed') {
      // API Gateway answers an authorizer that failed (rather than refused) with a 500, never a 401.
      this.send(
        response,
        500,
        problem(500, 'internal-error', 'Internal error', 'the request could not be authorized; retry later'),
      );
      return;
    }
    if (!policyAllows(authorized, concreteArn)) {
      this.send(
        response,
        403,
        problem(403, 'forbidden', 'Not allowed', "the token's scopes do not allow this route"),
      );
      return;
    }
    const context = authorized.context ?? {};
    if (typeof context.tenantId === 'string') response.setHeader('x-ledgerlock-tenant', context.tenantId);

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
    const result = await handler(
      event,
      localLambdaContext({
        functionName: route.functionName,
        requestId: call.requestId,
        region: this.options.region,
        timeoutMs: 29_000,
      }),
    );
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
      this.authorizerCache.set(authorizationToken, { result, expiresAt: Date.now() + authorizerCacheTtlMs });
      return result;
    } catch (error) {
      // Only the exact message API Gateway recognises means "refused"; anything else is the authorizer failing.
      return (error as Error).message === unauthorizedMessage ? 'unauthorized' : 'failed';
    }
  }
}
