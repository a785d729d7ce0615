// platform: an API Gateway proxy event → the route the route table names, after the route's scope check, with
// its path, query and body parsed against the route's schemas; and a use case's reply → the route's success
// response. Scopes are enforced here from the one table as well as by the authorizer's policy.
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type * as z from 'zod';
import type { Caller, Reply } from '../application/request';
import type { StoredResponse } from '../ports/ledger';
import { ForbiddenError, MalformedRequestError, NotFoundError } from './errors';
import {
  callerOf,
  headerValue,
  jsonResponse,
  parseJsonBody,
  parsePathParameter,
  parseQuery,
  requireNoBody,
} from './http';
import {
  type ApiFunctionName,
  type OperationIdOf,
  type OperationRequest,
  type PathParameterName,
  pathParameters,
  type RouteDefinition,
  routeKey,
  routes,
} from './routes';

export interface RoutedRequest<Id extends OperationIdOf<ApiFunctionName>> {
  readonly route: RouteDefinition & { readonly operationId: Id };
  readonly caller: Caller;
  readonly request: OperationRequest<Id>;
  /** A POST's Idempotency-Key and the hash of the request it came with (method, path, body). */
  readonly idempotency?: { readonly key: string; readonly requestHash: string };
}

const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

function requestHash(event: APIGatewayProxyEvent): string {
  return createHash('sha256')
    .update(`${event.httpMethod}\n${event.path}\n`)
    .update(event.body ?? '')
    .digest('base64url');
}

function idempotencyOf(event: APIGatewayProxyEvent): RoutedRequest<never>['idempotency'] {
  const key = headerValue(event, 'idempotency-key');
  if (key === undefined) return undefined;
  if (event.httpMethod !== 'POST') {
    throw new MalformedRequestError('Idempotency-Key is accepted on POST requests only');
  }
  if (!idempotencyKeyPattern.test(key)) {
    throw new MalformedRequestError('Idempotency-Key must be 1–255 visible ASCII characters');
  }
  return { key, requestHash: requestHash(event) };
}

/** Routes the events of one function's routes; refuses, at construction, a function no route names. */
export function makeRouter<Function extends ApiFunctionName>(functionName: Function) {
  type Id = OperationIdOf<Function>;
  const owned = routes.filter((route) => route.functionName === functionName);
  if (owned.length === 0) throw new Error(`no route of the route table is served by ${functionName}`);
  const byKey = new Map(owned.map((route) => [routeKey(route), route]));
  // A route whose body schema accepts {} takes an empty body as {} (e.g. POST …/issue with no options). Found out
  // on the route's first request, as its body schema is built then (schemas.ts), and kept.
  const emptyBodyAllowed = new Map<string, boolean>();
  const allowsEmptyBody = (route: RouteDefinition, schema: z.ZodType): boolean => {
    const key = routeKey(route);
    let allowed = emptyBodyAllowed.get(key);
    if (allowed === undefined) {
      allowed = schema.safeParse({}).success;
      emptyBodyAllowed.set(key, allowed);
    }
    return allowed;
  };

  return (event: APIGatewayProxyEvent): RoutedRequest<Id> => {
    const route = byKey.get(
      routeKey({ method: event.httpMethod as RouteDefinition['method'], path: event.resource }),
    );
    if (route === undefined) throw new NotFoundError('no such route');
    const caller = callerOf(event);
    if (!caller.scopes.includes(route.scope)) {
      throw new ForbiddenError(`this operation needs the ${route.scope} scope`);
    }
    const path = Object.fromEntries(
      [...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => {
        const parameter = pathParameters[name as PathParameterName];
        return [
          name,
          parsePathParameter(
            event,
            name as string,
            parameter.schema,
            () => new NotFoundError(parameter.notFound),
          ),
        ];
      }),
    );
    const query = route.querySchema === undefined ? undefined : parseQuery(event, route.querySchema);
    let body: unknown;
    const bodySchema = route.requestSchema;
    if (bodySchema === undefined) {
      requireNoBody(event);
    } else {
      body = parseJsonBody(event, bodySchema, { emptyIsObject: allowsEmptyBody(route, bodySchema) });
    }
    const idempotency = idempotencyOf(event);
    return {
      route: route as RoutedRequest<Id>['route'],
      caller,
      request: { body, query, path } as OperationRequest<Id>,
      ...(idempotency === undefined ? {} : { idempotency }),
    };
  };
}

/** The route's success response for a reply: its status, JSON (or nothing for 204 and 303), and its Location. */
export function respond(
  route: RouteDefinition,
  reply: Reply,
): StoredResponse & { isBase64Encoded?: boolean } {
  if (reply.body === undefined) {
    return {
      statusCode: route.successStatus,
      headers: {
        'cache-control': 'no-store',
        ...(reply.location === undefined ? {} : { location: reply.location }),
      },
      body: '',
    };
  }
  const response = jsonResponse(route.successStatus, reply.body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) headers[name] = String(value);
  if (reply.location !== undefined) headers.location = reply.location;
  return { statusCode: response.statusCode, headers, body: response.body };
}

/** A stored (or just rendered) response as API Gateway expects it. */
export function toProxyResult(
  response: StoredResponse & { isBase64Encoded?: boolean },
  extraHeaders: Readonly<Record<string, string>> = {},
): APIGatewayProxyResult {
  return {
    statusCode: response.statusCode,
    headers: { ...response.headers, ...extraHeaders },
    body: response.body,
    ...(response.isBase64Encoded === true ? { isBase64Encoded: true } : {}),
  };
}
