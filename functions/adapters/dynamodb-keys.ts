// adapter: key layout of the single table. Every tenant item's partition key begins with the tenant id.
//
// The one exception is the API-client item, looked up by OAuth client id before any tenant is known;
// it lives under CLIENT# and only the authorizer may read those keys (dynamodb:LeadingKeys in its role).

export const entityTypes = { invoice: 'invoice', apiClient: 'api-client' } as const;

export function invoiceKey(tenantId: string, invoiceId: string) {
  return { pk: `${tenantId}#INVOICE#${invoiceId}`, sk: 'INVOICE' };
}

export function apiClientKey(clientId: string) {
  return { pk: `CLIENT#${clientId}`, sk: 'CLIENT' };
}
