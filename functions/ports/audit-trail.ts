// port: reads a tenant's audit trail (events are written by the Ledger in the same transaction as the change).
import type { AuditEvent, ChainHead } from '../domain/audit-chain';
import type { Page } from './page';

export interface AuditTrail {
  list(tenantId: string, limit: number, cursor?: string): Promise<Page<AuditEvent>>;
  /** Every event in sequence order and the stored chain head, for verification. */
  readAll(tenantId: string): Promise<{ readonly events: readonly AuditEvent[]; readonly head: ChainHead }>;
}
