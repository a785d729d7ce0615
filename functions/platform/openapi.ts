// platform: the OpenAPI 3.1 document, generated from the route table and its zod schemas.
import * as z from 'zod';
import { problemBaseUrl } from './errors';
import { problemSchema, responseSchemas } from './response-schemas';
import { type OperationId, type RouteDefinition, routes, scopeDescriptions, scopePrefix } from './routes';

const problemResponses: Record<string, string> = {
  '400':
    'Malformed JSON, wrong types, unknown or server-owned fields, body over 64 KiB (`malformed-request`, `validation-failed`, `payload-too-large`)',
  '401': 'Missing, expired or invalid bearer token (`unauthenticated`)',
  '403': "The token's scopes do not allow this route (`forbidden`)",
  '404': "No such resource for this tenant; another tenant's id gives the same answer (`not-found`)",
  '409': 'Conflicts with the current state (`conflict`)',
  '415': 'Body is not application/json (`unsupported-media-type`)',
  '422':
    'Well-formed but refused: a card number in free text (`card-number-rejected`), amounts too large (`unprocessable`)',
  '429':
    'Too many requests (`too-many-requests`), or a send cap reached: emails per invoice per 24 h or per account per hour (`send-limit-exceeded`); `Retry-After` gives the seconds to wait',
};

function toJsonSchema(schema: z.ZodType) {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}

function operation(route: RouteDefinition) {
  const responseSchema = responseSchemas[route.operationId as OperationId];
  const parameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const responses: Record<string, unknown> = {
    [String(route.successStatus)]: {
      description: route.successLocation === undefined ? 'Success' : 'See Other',
      ...(route.successLocation === undefined
        ? {}
        : {
            headers: {
              Location: {
                description: route.successLocation,
                required: true,
                schema: { type: 'string', format: 'uri' },
              },
              'Cache-Control': { schema: { type: 'string', const: 'no-store' } },
            },
          }),
      ...(responseSchema
        ? { content: { 'application/json': { schema: toJsonSchema(responseSchema) } } }
        : {}),
    },
  };
  for (const [status, description] of Object.entries(problemResponses)) {
    if (route.requestSchema === undefined && ['415', '422'].includes(status)) continue;
    responses[status] = {
      description,
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    security: [{ oauth2: [`${scopePrefix}${route.scope}`] }],
    'x-ledgerlock-function': route.functionName,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.method === 'POST'
      ? {
          parameters: [
            ...parameters,
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', maxLength: 255 },
            },
          ],
        }
      : {}),
    ...(route.requestSchema
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: toJsonSchema(route.requestSchema) } },
          },
        }
      : {}),
    responses,
  };
}

export function openApiDocument(options: { readonly serverUrl: string; readonly tokenUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    const pathItem = paths[route.path] as Record<string, unknown>;
    pathItem[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ledgerlock API',
      version: '1.0.0',
      description: `Invoicing API. Errors are RFC 9457 problem details; types live under ${problemBaseUrl}.`,
    },
    servers: [{ url: options.serverUrl }],
    paths,
    components: {
      schemas: { Problem: toJsonSchema(problemSchema) },
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: options.tokenUrl,
              scopes: Object.fromEntries(
                Object.entries(scopeDescriptions).map(([scope, description]) => [
                  `${scopePrefix}${scope}`,
                  description,
                ]),
              ),
            },
          },
        },
      },
    },
  };
}
