// domain: who an alert is about — a tenant, an API client, a source address, or the platform as a whole.

export type Subject = `tenant:${string}` | `client:${string}` | `ip:${string}` | 'platform';

export const tenantSubject = (tenantId: string): Subject => `tenant:${tenantId}`;
export const clientSubject = (clientId: string): Subject => `client:${clientId}`;
export const ipSubject = (address: string): Subject => `ip:${address}`;

export class InvalidSubjectError extends Error {
  override readonly name = 'InvalidSubjectError';
}

/** A subject as an alert names it (`tenant:ten_…`, `client:cli_…`, `ip:…`, `platform`), checked. */
export function parseSubject(text: string): Subject {
  if (text === 'platform') return 'platform';
  const match = /^(tenant|client|ip):(\S+)$/.exec(text);
  if (match === null)
    throw new InvalidSubjectError(`"${text}" is not a subject (tenant:…, client:…, ip:… or platform)`);
  return text as Subject;
}
