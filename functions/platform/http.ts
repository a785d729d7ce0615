// platform: API Gateway proxy events in, problem+json or JSON out; the caller comes only from the authorizer.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import type { Caller } from '../application/request';
import {
  CardNumberRejectedError,
  type FieldIssue,
  MalformedRequestError,
  PayloadTooLargeError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationFailedError,
} from './errors';
import { idPatterns } from './key-layout';
import { maxRequestBodyBytes, scopes } from './routes';

/** The tenant and scopes the authorizer attached. Never read from the path, query or body. */
export function callerOf(event: APIGatewayProxyEvent): Caller {
  const context = event.requestContext.authorizer ?? {};
  const tenantId = context.tenantId;
  const clientId = context.clientId;
  if (typeof tenantId !== 'string' || !idPatterns.tenant.test(tenantId) || typeof clientId !== 'string') {
    throw new UnauthenticatedError('no authenticated caller on this request');
  }
  const granted = typeof context.scopes === 'string' ? context.scopes.split(' ') : [];
  return {
    tenantId,
    clientId,
    scopes: scopes.filter((scope) => granted.includes(scope)),
    sourceIp: event.requestContext.identity?.sourceIp ?? 'unknown',
    requestId: event.requestContext.requestId,
  };
}

export function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

function toFieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.map((issue) => ({
    path: issue.path.length === 0 ? '(body)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

function isCardNumberIssue(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'custom' && issue.params?.problem === 'card-number';
}

/** Parses a JSON body against a schema: 400, 415 or 422 problems, never a 5xx. */
export function parseJsonBody<Schema extends z.ZodType>(
  event: APIGatewayProxyEvent,
  schema: Schema,
  options: { readonly emptyIsObject?: boolean } = {},
): z.infer<Schema> {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > maxRequestBodyBytes) {
    throw new PayloadTooLargeError(`the request body must be at most ${maxRequestBodyBytes} bytes`);
  }
  const contentType = headerValue(event, 'content-type');
  if (contentType !== undefined && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new UnsupportedMediaTypeError('send the request body as application/json');
  }
  if (text.trim() === '') {
    if (options.emptyIsObject) return parseValue({}, schema);
    throw new MalformedRequestError('the request body is empty; send a JSON object');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedRequestError('the request body is not valid JSON');
  }
  return parseValue(value, schema);
}

function parseValue<Schema extends z.ZodType>(value: unknown, schema: Schema): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const cardIssues = result.error.issues.filter(isCardNumberIssue);
  if (cardIssues.length > 0) {
    throw new CardNumberRejectedError(
      'a free-text field holds what looks like a payment card number; nothing was stored',
      { issues: toFieldIssues(cardIssues) },
    );
  }
  throw new ValidationFailedError('the request body does not match the schema', {
    issues: toFieldIssues(result.error.issues),
  });
}

export function parsePathParameter<Schema extends z.ZodType>(
  event: APIGatewayProxyEvent,
  name: string,
  schema: Schema,
  onInvalid: () => Error,
): z.infer<Schema> {
  const result = schema.safeParse(event.pathParameters?.[name]);
  if (!result.success) throw onInvalid();
  return result.data;
}

const securityHeaders = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
};

export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...securityHeaders },
    body: JSON.stringify(body),
  };
}

export function problemResponse(problem: { status: number }): APIGatewayProxyResult {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', ...securityHeaders },
    body: JSON.stringify(problem),
  };
}

/** Parses the query string strictly: unknown or repeated parameters are a 400. */
export function parseQuery<Schema extends z.ZodType>(
  event: APIGatewayProxyEvent,
  schema: Schema,
): z.infer<Schema> {
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {}).find(
    ([, values]) => (values?.length ?? 0) > 1,
  );
  if (repeated !== undefined) {
    throw new ValidationFailedError(`query parameter "${repeated[0]}" is given more than once`);
  }
  const result = schema.safeParse(event.queryStringParameters ?? {});
  if (result.success) return result.data;
  throw new ValidationFailedError('the query string does not match the schema', {
    issues: toFieldIssues(result.error.issues),
  });
}

/** A route without a body must not be sent one it would silently ignore. */
export function requireNoBody(event: APIGatewayProxyEvent): void {
  if ((event.body ?? '').trim() !== '') {
    throw new MalformedRequestError('this route takes no request body');
  }
}
