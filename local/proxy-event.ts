// local: what API Gateway does before it invokes a route's function — match the request to the route table and
// build the REST proxy event. Used by the local gateway and by the fast tests, so both hand the handlers the
// same events.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type RouteDefinition, routes } from '../functions/platform/routes';

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
}

const compiledRoutes: readonly CompiledRoute[] = routes.map((route) => {
  const parameterNames: string[] = [];
  const source = route.path
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\\?\{([^}]+)\\?\}/g, (_match, name) => {
      parameterNames.push(name);
      return '([^/]+)';
    });
  return { route, pattern: new RegExp(`^${source}$`), parameterNames };
});

export type RouteMatch =
  | {
      readonly kind: 'route';
      readonly route: RouteDefinition;
      readonly pathParameters: Record<string, string>;
    }
  | { readonly kind: 'no-route' }
  | { readonly kind: 'wrong-method'; readonly allowed: readonly string[] }
  /** Broken percent-encoding in a path parameter (`%zz`): the client's mistake, never a 5xx. */
  | { readonly kind: 'bad-encoding' };

export function matchRoute(method: string, pathname: string): RouteMatch {
  const matches = compiledRoutes
    .map((compiled) => ({ compiled, match: compiled.pattern.exec(pathname) }))
    .filter((candidate) => candidate.match !== null);
  if (matches.length === 0) return { kind: 'no-route' };
  const hit = matches.find((candidate) => candidate.compiled.route.method === method);
  if (hit === undefined || hit.match === null) {
    return { kind: 'wrong-method', allowed: matches.map((candidate) => candidate.compiled.route.method) };
  }
  const { route, parameterNames } = hit.compiled;
  try {
    const pathParameters = Object.fromEntries(
      parameterNames.map((name, index) => [name, decodeURIComponent(hit.match?.[index + 1] ?? '')]),
    );
    return { kind: 'route', route, pathParameters };
  } catch {
    return { kind: 'bad-encoding' };
  }
}

export interface ProxyRequest {
  readonly route: RouteDefinition;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly method: string;
  readonly url: URL;
  /** Header names as sent, in order (Node's `rawHeaders` as pairs). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | null;
  readonly requestId: string;
  readonly sourceIp: string;
  /** The context the authorizer returned, and its principal. */
  readonly authorizer: Readonly<Record<string, unknown>>;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
}

export function toProxyEvent(request: ProxyRequest): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of request.headers) {
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const { searchParams } = request.url;
  const query = [...new Set(searchParams.keys())];
  return {
    resource: request.route.path,
    path: request.url.pathname,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters:
      query.length === 0 ? null : Object.fromEntries(query.map((key) => [key, searchParams.get(key) ?? ''])),
    multiValueQueryStringParameters:
      query.length === 0 ? null : Object.fromEntries(query.map((key) => [key, searchParams.getAll(key)])),
    pathParameters: Object.keys(request.pathParameters).length === 0 ? null : { ...request.pathParameters },
    stageVariables: null,
    body: request.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: request.accountId,
      apiId: request.apiId,
      authorizer: { ...request.authorizer },
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      identity: {
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? headers['User-Agent'] ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/${request.stage}${request.url.pathname}`,
      stage: request.stage,
      requestId: request.requestId,
      requestTimeEpoch: Date.now(),
      resourceId: request.route.operationId,
      resourcePath: request.route.path,
    },
  };
}
