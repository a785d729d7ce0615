// application: the chain writer — appends a tenant's pending audit entries to its hash chain, in the order the
// stream delivered them, signs the new head as a checkpoint, and raises audit-chain-broken when the chain it
// continues is not what it left behind.
import {
  type AuditEvent,
  appendToChain,
  type ChainHead,
  checkpointMessage,
  emptyChain,
  isIntact,
  type PendingAuditEntry,
  type SignedCheckpoint,
} from '../domain/audit-chain';
import type { AuditChainStore } from '../ports/audit-chain-store';
import type { CheckpointSigner } from '../ports/checkpoint-signer';
import type { SecuritySignals } from '../ports/security-signals';

export interface AuditChainerDependencies {
  readonly store: AuditChainStore;
  readonly signer: CheckpointSigner;
  readonly signals: SecuritySignals;
  readonly now: () => Date;
}

export interface ChainOutcome {
  readonly appended: number;
  /** Entries of this batch that an earlier attempt had chained already (a retried batch). */
  readonly alreadyChained: number;
  readonly head: ChainHead;
}

export function makeAuditChainer(dependencies: AuditChainerDependencies) {
  const { store, signer, signals } = dependencies;

  const raise = (tenantId: string, reason: string, details: Record<string, string | number | boolean>) =>
    signals.record({ kind: 'audit-chain-broken', tenantId, reason, details: { ...details, by: 'chain' } });

  /**
   * Where to continue: the newest stored event, checked against itself and the head. A mismatch means someone
   * other than the chain writer changed the chain's end; it is raised, and the chain continues from the newest
   * event (the events are the record; the head only summarises them), so no later entry goes unrecorded.
   */
  const positionOf = (tenantId: string, head: ChainHead | undefined, newest: AuditEvent | undefined) => {
    const stored: ChainHead = newest === undefined ? emptyChain : newest;
    if (newest !== undefined && !isIntact(newest)) {
      raise(tenantId, 'altered', { firstBrokenSequence: newest.sequence });
    }
    const headSays = head ?? emptyChain;
    if (headSays.sequence !== stored.sequence || headSays.hash !== stored.hash) {
      raise(tenantId, head === undefined ? 'missing' : 'head-mismatch', {
        firstBrokenSequence: Math.min(headSays.sequence, stored.sequence) + 1,
      });
    }
    return { sequence: stored.sequence, hash: stored.hash };
  };

  /** Chains `entries` (one tenant's, in stream order). Idempotent: a retried batch appends nothing twice. */
  return async (tenantId: string, entries: readonly PendingAuditEntry[]): Promise<ChainOutcome> => {
    const [{ head, events: newestFirst }, chained] = await Promise.all([
      store.tail(tenantId, 1),
      // A retried batch, or the stream read again from its start: what was chained is marked so.
      store.chained(
        tenantId,
        entries.map((entry) => entry.entryId),
      ),
    ]);
    const seen = new Set<string>();
    const fresh = entries.filter((entry) => {
      if (chained.has(entry.entryId) || seen.has(entry.entryId)) return false;
      seen.add(entry.entryId);
      return true;
    });
    let position = positionOf(tenantId, head, newestFirst[0]);
    if (fresh.length === 0) {
      return { appended: 0, alreadyChained: entries.length, head: position };
    }
    const events: AuditEvent[] = [];
    for (const entry of fresh) {
      if (entry.tenantId !== tenantId) {
        // Keys and content disagree: an entry planted under another tenant's partition. Chained where it was
        // found (its content says which tenant it claims), and raised.
        raise(tenantId, 'wrong-tenant', { entryId: entry.entryId });
      }
      const event = appendToChain(tenantId, position, entry);
      events.push(event);
      position = { sequence: event.sequence, hash: event.hash };
    }
    const statement = {
      tenantId,
      sequence: position.sequence,
      hash: position.hash,
      signedAt: dependencies.now().toISOString(),
    };
    const signature = await signer.sign(checkpointMessage(statement));
    const checkpoint: SignedCheckpoint = { ...statement, ...signature };
    await store.append(tenantId, {
      events,
      expectedHead: head,
      chainedEntryIds: fresh.map((entry) => entry.entryId),
      checkpoint,
    });
    return { appended: events.length, alreadyChained: entries.length - fresh.length, head: position };
  };
}
