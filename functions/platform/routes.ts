// platform: the route table — declared once; CDK builds API methods from it, local/ routes with it,
// the authorizer builds its policy from it and the OpenAPI document is generated from it.
import type * as z from 'zod';
import {
  auditVerificationQuerySchema,
  bulkIssueSchema,
  createCustomerSchema,
  createInvoiceSchema,
  creditNoteIdSchema,
  creditNoteSchema,
  customerIdSchema,
  invoiceIdSchema,
  issueInvoiceSchema,
  listCustomersQuerySchema,
  listInvoicesQuerySchema,
  pageQuerySchema,
  putSellerProfileSchema,
  recordPaymentSchema,
  sendInvoiceSchema,
  updateCustomerSchema,
  updateInvoiceSchema,
  voidInvoiceSchema,
} from './schemas';

/** The OAuth resource server the scopes belong to; tokens carry them as `ledgerlock/invoices:read`. */
export const resourceServerIdentifier = 'ledgerlock';
export const scopePrefix = `${resourceServerIdentifier}/`;

/**
 * OAuth scopes (without the resource-server prefix) and what each allows — the Cognito resource server, the
 * OpenAPI document and the local token issuer all take them from here.
 */
export const scopeDescriptions = {
  'invoices:read': 'Read customers, invoices, payments and credit notes of the token holder’s tenant',
  'invoices:write': 'Create and change customers and invoices of the token holder’s tenant',
  admin:
    'Read and verify the audit trail, and read and change the seller profile, of the token holder’s tenant',
} as const;
export type Scope = keyof typeof scopeDescriptions;
export const scopes = Object.keys(scopeDescriptions) as readonly Scope[];

/** The Lambda entries that serve API routes, grouped by the privileges they need. */
export type ApiFunctionName = 'api-read' | 'api-write';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

export interface RouteDefinition {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** API Gateway style path with `{param}` placeholders; each param's format is in `pathParameters` below. */
  readonly path: string;
  readonly functionName: ApiFunctionName;
  readonly scope: Scope;
  readonly summary: string;
  readonly requestSchema?: z.ZodType;
  readonly querySchema?: z.ZodType;
  readonly successStatus: number;
  /** For a redirect: what its Location header points at. */
  readonly successLocation?: string;
}

/**
 * Every path parameter's format and what a malformed one answers: a 404 that reads exactly like an unknown or
 * another tenant's id, so the format of ids tells a caller nothing.
 */
export const pathParameters = {
  invoiceId: { schema: invoiceIdSchema, notFound: 'no invoice with this id' },
  customerId: { schema: customerIdSchema, notFound: 'no customer with this id' },
  creditNoteId: { schema: creditNoteIdSchema, notFound: 'no credit note with this id' },
} as const;
export type PathParameterName = keyof typeof pathParameters;

type RouteSpec = Omit<RouteDefinition, 'functionName' | 'scope'>;

// Object.assign, not a spread: a spread would read each `requestSchema` getter, building every body schema at load.
const read = <const Route extends RouteSpec>(route: Route) =>
  Object.assign(route, { functionName: 'api-read', scope: 'invoices:read' } as const);
const write = <const Route extends RouteSpec>(route: Route) =>
  Object.assign(route, { functionName: 'api-write', scope: 'invoices:write' } as const);
const audit = <const Route extends RouteSpec>(route: Route) =>
  Object.assign(route, { functionName: 'api-read', scope: 'admin' } as const);
const administer = <const Route extends RouteSpec>(route: Route) =>
  Object.assign(route, { functionName: 'api-write', scope: 'admin' } as const);

const routeTable = [
  write({
    operationId: 'createCustomer',
    method: 'POST',
    path: '/v1/customers',
    summary: 'Create a customer',
    get requestSchema() {
      return createCustomerSchema();
    },
    successStatus: 201,
  }),
  read({
    operationId: 'listCustomers',
    method: 'GET',
    path: '/v1/customers',
    summary: 'List customers, newest first, or find them by exact email (keyed blind index)',
    querySchema: listCustomersQuerySchema,
    successStatus: 200,
  }),
  read({
    operationId: 'getCustomer',
    method: 'GET',
    path: '/v1/customers/{customerId}',
    summary: 'Get a customer',
    successStatus: 200,
  }),
  write({
    operationId: 'updateCustomer',
    method: 'PATCH',
    path: '/v1/customers/{customerId}',
    summary: 'Update a customer (issued invoices keep the snapshot they were issued with)',
    get requestSchema() {
      return updateCustomerSchema();
    },
    successStatus: 200,
  }),
  write({
    operationId: 'createInvoice',
    method: 'POST',
    path: '/v1/invoices',
    summary: 'Create a draft invoice, for a customer by id or with inline customer details',
    get requestSchema() {
      return createInvoiceSchema();
    },
    successStatus: 201,
  }),
  read({
    operationId: 'listInvoices',
    method: 'GET',
    path: '/v1/invoices',
    summary: 'List invoices, newest first, filtered by status, customer and issue-date range',
    querySchema: listInvoicesQuerySchema,
    successStatus: 200,
  }),
  read({
    operationId: 'getInvoice',
    method: 'GET',
    path: '/v1/invoices/{invoiceId}',
    summary: 'Get an invoice',
    successStatus: 200,
  }),
  write({
    operationId: 'updateInvoice',
    method: 'PATCH',
    path: '/v1/invoices/{invoiceId}',
    summary: 'Update a draft invoice (an issued invoice is immutable: 409)',
    get requestSchema() {
      return updateInvoiceSchema();
    },
    successStatus: 200,
  }),
  write({
    operationId: 'deleteInvoice',
    method: 'DELETE',
    path: '/v1/invoices/{invoiceId}',
    summary: 'Delete a draft invoice (an issued invoice is immutable: 409)',
    successStatus: 204,
  }),
  write({
    operationId: 'issueInvoices',
    method: 'POST',
    path: '/v1/invoices/issue',
    summary:
      'Issue up to 100 drafts at once (a billing run): numbered consecutively in the order given, all or nothing; with send, each is emailed as if issued alone',
    get requestSchema() {
      return bulkIssueSchema();
    },
    successStatus: 200,
  }),
  write({
    operationId: 'issueInvoice',
    method: 'POST',
    path: '/v1/invoices/{invoiceId}/issue',
    summary: 'Issue a draft: freeze it, snapshot the customer, assign the next gap-free number',
    get requestSchema() {
      return issueInvoiceSchema();
    },
    successStatus: 200,
  }),
  write({
    operationId: 'sendInvoice',
    method: 'POST',
    path: '/v1/invoices/{invoiceId}/send',
    summary:
      'Queue the invoice email; a call while one is on its way adds nothing, a second email needs {"resend": true}',
    get requestSchema() {
      return sendInvoiceSchema();
    },
    successStatus: 202,
  }),
  read({
    operationId: 'getInvoicePdf',
    method: 'GET',
    path: '/v1/invoices/{invoiceId}/pdf',
    summary:
      'The invoice as PDF: 303 to a link valid for 60 s to the document of the invoice as it is now (status, payments, seller profile), rendered from the stored, verified invoice',
    successStatus: 303,
    successLocation:
      'A presigned URL of the documents bucket, valid for 60 s, that downloads the PDF (application/pdf, attachment; filename="<number>.pdf"); never cache it',
  }),
  write({
    operationId: 'recordPayment',
    method: 'POST',
    path: '/v1/invoices/{invoiceId}/payments',
    summary: 'Record a payment against an issued invoice (overpayment is refused)',
    get requestSchema() {
      return recordPaymentSchema();
    },
    successStatus: 201,
  }),
  read({
    operationId: 'listPayments',
    method: 'GET',
    path: '/v1/invoices/{invoiceId}/payments',
    summary: "List an invoice's payments, oldest first",
    querySchema: pageQuerySchema,
    successStatus: 200,
  }),
  write({
    operationId: 'voidInvoice',
    method: 'POST',
    path: '/v1/invoices/{invoiceId}/void',
    summary: 'Void an issued invoice without payments or credits; its number stays used',
    get requestSchema() {
      return voidInvoiceSchema();
    },
    successStatus: 200,
  }),
  write({
    operationId: 'createCreditNote',
    method: 'POST',
    path: '/v1/invoices/{invoiceId}/credit-notes',
    summary: 'Credit whole lines or amounts of an issued invoice, up to what is still due',
    get requestSchema() {
      return creditNoteSchema();
    },
    successStatus: 201,
  }),
  read({
    operationId: 'listCreditNotes',
    method: 'GET',
    path: '/v1/invoices/{invoiceId}/credit-notes',
    summary: "List an invoice's credit notes, oldest first",
    querySchema: pageQuerySchema,
    successStatus: 200,
  }),
  read({
    operationId: 'getCreditNote',
    method: 'GET',
    path: '/v1/credit-notes/{creditNoteId}',
    summary: 'Get a credit note',
    successStatus: 200,
  }),
  audit({
    operationId: 'listAuditEvents',
    method: 'GET',
    path: '/v1/audit-events',
    summary: 'List the audit trail, newest first: who did what, when, from where',
    querySchema: pageQuerySchema,
    successStatus: 200,
  }),
  audit({
    operationId: 'verifyAuditTrail',
    method: 'GET',
    path: '/v1/audit-events/verification',
    summary:
      'Recompute the hash chain — at most 1,000 events per request, from the first event, a cursor or the latest signed checkpoint — and name the first altered, missing or misplaced event',
    querySchema: auditVerificationQuerySchema,
    successStatus: 200,
  }),
  audit({
    operationId: 'getSellerProfile',
    method: 'GET',
    path: '/v1/seller-profile',
    summary: "The account's seller profile: name, address, tax id, contact email and payout account",
    successStatus: 200,
  }),
  administer({
    operationId: 'putSellerProfile',
    method: 'PUT',
    path: '/v1/seller-profile',
    summary:
      'Replace the seller profile used on invoices and emails; audited, and a payout change is watched for fraud',
    get requestSchema() {
      return putSellerProfileSchema();
    },
    successStatus: 200,
  }),
] as const satisfies readonly RouteDefinition[];

/** The route table, for code that walks it: CDK, the local gateway, the authorizer policy, OpenAPI. */
export const routes: readonly RouteDefinition[] = routeTable;

type Routes = (typeof routeTable)[number];
export type OperationId = Routes['operationId'];
export type RouteOf<Id extends OperationId> = Extract<Routes, { readonly operationId: Id }>;
/** The operation ids one function serves: its handler must implement exactly these. */
export type OperationIdOf<Function extends ApiFunctionName> = Extract<
  Routes,
  { readonly functionName: Function }
>['operationId'];

type ParametersOf<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParametersOf<Rest>
  : never;
type Parsed<Route, Key extends string> = Route extends { readonly [K in Key]: infer Schema extends z.ZodType }
  ? z.infer<Schema>
  : undefined;

/** What an operation receives once the router has parsed the request against its route definition. */
export interface OperationRequest<Id extends OperationId> {
  readonly body: Parsed<RouteOf<Id>, 'requestSchema'>;
  readonly query: Parsed<RouteOf<Id>, 'querySchema'>;
  readonly path: { readonly [Name in ParametersOf<RouteOf<Id>['path']>]: string };
}

/** Largest request body any route accepts; API Gateway and the local gateway both enforce it. */
export const maxRequestBodyBytes = 64 * 1024;

export function routeKey(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
