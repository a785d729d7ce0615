// domain: the append-only, hash-chained audit trail — each event holds the hash of the one before it.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

export interface AuditActor {
  readonly clientId: string;
  readonly sourceIp: string;
  readonly requestId: string;
}

/** What happened, before it is placed in the chain. No personal data: ids, actions and amounts only. */
export interface AuditEntry {
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly actor: AuditActor;
  readonly at: string;
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AuditEvent extends AuditEntry {
  readonly tenantId: string;
  /** 1, 2, 3… without gaps, per tenant. */
  readonly sequence: number;
  readonly previousHash: string;
  readonly hash: string;
}

export interface ChainHead {
  readonly sequence: number;
  readonly hash: string;
}

export const genesisHash = '0'.repeat(64);
export const emptyChain: ChainHead = { sequence: 0, hash: genesisHash };

export function hashOf(event: Omit<AuditEvent, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(event)).digest('hex');
}

export function appendToChain(tenantId: string, head: ChainHead, entry: AuditEntry): AuditEvent {
  const unsealed = { ...entry, tenantId, sequence: head.sequence + 1, previousHash: head.hash };
  return { ...unsealed, hash: hashOf(unsealed) };
}

export type ChainVerification =
  | { readonly valid: true; readonly checked: number; readonly head: ChainHead }
  | {
      readonly valid: false;
      readonly checked: number;
      /** The first event that is altered, out of place or missing. */
      readonly firstBrokenSequence: number;
      readonly reason: 'altered' | 'missing' | 'out-of-order' | 'head-mismatch' | 'wrong-tenant';
    };

/**
 * Recomputes the chain from the first event. `events` must be in stored order; `head` is the stored chain
 * head, which catches events deleted from the end.
 */
export function verifyChain(
  tenantId: string,
  events: readonly AuditEvent[],
  head: ChainHead,
): ChainVerification {
  let previous = emptyChain;
  for (const event of events) {
    const expectedSequence = previous.sequence + 1;
    if (event.sequence > expectedSequence) {
      return {
        valid: false,
        checked: previous.sequence,
        firstBrokenSequence: expectedSequence,
        reason: 'missing',
      };
    }
    if (event.sequence < expectedSequence) {
      return {
        valid: false,
        checked: previous.sequence,
        firstBrokenSequence: event.sequence,
        reason: 'out-of-order',
      };
    }
    if (event.tenantId !== tenantId) {
      return {
        valid: false,
        checked: previous.sequence,
        firstBrokenSequence: event.sequence,
        reason: 'wrong-tenant',
      };
    }
    const { hash, ...unsealed } = event;
    if (event.previousHash !== previous.hash || hashOf(unsealed) !== hash) {
      return {
        valid: false,
        checked: previous.sequence,
        firstBrokenSequence: event.sequence,
        reason: 'altered',
      };
    }
    previous = { sequence: event.sequence, hash };
  }
  if (head.sequence !== previous.sequence || head.hash !== previous.hash) {
    const reason = head.sequence > previous.sequence ? 'missing' : 'head-mismatch';
    return { valid: false, checked: previous.sequence, firstBrokenSequence: previous.sequence + 1, reason };
  }
  return { valid: true, checked: previous.sequence, head: previous };
}
