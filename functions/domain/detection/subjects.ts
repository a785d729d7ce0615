// domain: who an alert is about — a tenant, an API client, a source address, or the platform as a whole.

export type Subject = `tenant:${string}` | `client:${string}` | `ip:${string}` | 'platform';

export const tenantSubject = (tenantId: string): Subject => `tenant:${tenantId}`;
export const clientSubject = (clientId: string): Subject => `client:${clientId}`;
export const ipSubject = (address: string): Subject => `ip:${address}`;
