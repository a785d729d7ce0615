// port: what the chain writer reads and writes — the tail of a tenant's chain, and one atomic append that moves
// the head, removes the entries it chained and stores the signed checkpoint of the new head.
import type { AuditEvent, ChainHead, SignedCheckpoint } from '../domain/audit-chain';

export interface ChainTail {
  /** The stored head; undefined when the tenant has none yet. */
  readonly head: ChainHead | undefined;
  /** The last events, newest first. */
  readonly events: readonly AuditEvent[];
}

export interface ChainAppend {
  /** Consecutive events, continuing the chain from `expectedHead`. */
  readonly events: readonly AuditEvent[];
  /** The head as read: the append fails with ChainMovedError if it changed meanwhile. */
  readonly expectedHead: ChainHead | undefined;
  /** The pending entries these events chain, in order: each gets its marker and is removed, with its event. */
  readonly chainedEntryIds: readonly string[];
  /** The signed statement of the new head, stored with it. */
  readonly checkpoint?: SignedCheckpoint;
}

/** Another writer moved the head (or wrote an event) first; nothing of this append was written. */
export class ChainMovedError extends Error {
  override readonly name = 'ChainMovedError';
}

export interface AuditChainStore {
  tail(tenantId: string, count: number): Promise<ChainTail>;
  /** Which of these entries an event already chains (a retried batch, or a stream replayed from its start). */
  chained(tenantId: string, entryIds: readonly string[]): Promise<ReadonlySet<string>>;
  append(tenantId: string, append: ChainAppend): Promise<void>;
}
