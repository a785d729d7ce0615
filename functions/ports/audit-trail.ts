// port: reads a tenant's audit trail — the chained events, the head, the signed checkpoints and how many entries
// still wait for the chain writer — and seals the position a paged verification continues from.
import type { AuditEvent, ChainHead, SignedCheckpoint } from '../domain/audit-chain';
import type { Page } from './page';

export interface AuditTrail {
  list(tenantId: string, limit: number, cursor?: string): Promise<Page<AuditEvent>>;
  /** Every event in sequence order, the stored head and every checkpoint: a whole-chain verification. */
  readAll(tenantId: string): Promise<{
    readonly events: readonly AuditEvent[];
    readonly head: ChainHead;
    readonly checkpoints: readonly SignedCheckpoint[];
  }>;
  /** At most `limit` events after `afterSequence`, in sequence order. */
  segment(tenantId: string, afterSequence: number, limit: number): Promise<readonly AuditEvent[]>;
  head(tenantId: string): Promise<ChainHead>;
  /** Checkpoints with `after < sequence ≤ through`, in sequence order. */
  checkpoints(tenantId: string, after: number, through: number): Promise<readonly SignedCheckpoint[]>;
  latestCheckpoint(tenantId: string): Promise<SignedCheckpoint | undefined>;
  /** Entries written but not yet chained (counted up to `atMost`). */
  pendingEntries(tenantId: string, atMost: number): Promise<number>;
  /** An opaque, tamper-proof token for a verified position, and back (InvalidCursorError if not ours). */
  encodePosition(tenantId: string, position: ChainHead): Promise<string>;
  decodePosition(tenantId: string, cursor: string): Promise<ChainHead>;
}
