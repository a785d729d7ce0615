// platform: the route table — declared once; CDK builds API methods from it, local/ routes with it,
// the authorizer builds its policy from it and the OpenAPI document is generated from it.
import type { z } from 'zod';
import { createInvoiceSchema, invoiceSchema } from './schemas';

/** OAuth scopes, without the resource-server prefix the token carries (`ledgerlock/invoices:read`). */
export const scopes = ['invoices:read', 'invoices:write', 'admin'] as const;
export type Scope = (typeof scopes)[number];

/** The Lambda entries that serve API routes, grouped by the privileges they need. */
export type ApiFunctionName = 'api-read' | 'api-write';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteDefinition {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** API Gateway style path with `{param}` placeholders. */
  readonly path: string;
  readonly functionName: ApiFunctionName;
  readonly scope: Scope;
  readonly summary: string;
  readonly requestSchema?: z.ZodType;
  readonly successStatus: number;
  readonly responseSchema?: z.ZodType;
}

export const routes: readonly RouteDefinition[] = [
  {
    operationId: 'createInvoice',
    method: 'POST',
    path: '/v1/invoices',
    functionName: 'api-write',
    scope: 'invoices:write',
    summary: 'Create a draft invoice',
    requestSchema: createInvoiceSchema,
    successStatus: 201,
    responseSchema: invoiceSchema,
  },
  {
    operationId: 'getInvoice',
    method: 'GET',
    path: '/v1/invoices/{invoiceId}',
    functionName: 'api-read',
    scope: 'invoices:read',
    summary: 'Get an invoice',
    successStatus: 200,
    responseSchema: invoiceSchema,
  },
];

/** Largest request body any route accepts; API Gateway and the local gateway both enforce it. */
export const maxRequestBodyBytes = 64 * 1024;

export function routeKey(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
