// domain: the append-only, hash-chained audit trail — each event holds the hash of the one before it; the chain's
// head is signed at checkpoints, so a verification can start from one instead of from the first event.
//
// Writes and chaining are apart: a business change writes its entry (no sequence, no hash: nothing shared with
// any other write), and one chain writer per tenant appends entries to the chain in the order it reads them.
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

/** An entry as the business transaction stored it: its tenant and an id unique to it, not yet chained. */
export interface PendingAuditEntry extends AuditEntry {
  readonly tenantId: string;
  readonly entryId: string;
}

export interface AuditEvent extends AuditEntry {
  readonly tenantId: string;
  /** 1, 2, 3… without gaps, per tenant, in the order the chain writer appended the entries. */
  readonly sequence: number;
  /** The entry this event chains; lets the chain writer see an entry it already chained (retried batches). */
  readonly entryId?: string;
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

/** Whether an event's stored hash is the hash of its stored content. */
export function isIntact(event: AuditEvent): boolean {
  const { hash, ...unsealed } = event;
  return hashOf(unsealed) === hash;
}

export function appendToChain(
  tenantId: string,
  head: ChainHead,
  entry: AuditEntry & { readonly entryId?: string },
): AuditEvent {
  const { entryId, ...rest } = entry as AuditEntry & { entryId?: string; tenantId?: string };
  const { tenantId: _ignored, ...what } = rest;
  const unsealed = {
    ...what,
    tenantId,
    sequence: head.sequence + 1,
    previousHash: head.hash,
    ...(entryId === undefined ? {} : { entryId }),
  };
  return { ...unsealed, hash: hashOf(unsealed) };
}

/**
 * A signed statement "the chain of `tenantId` stood at `sequence` with `hash`": what the checkpoint key signs,
 * byte for byte. Ids and hashes only.
 */
export interface CheckpointStatement {
  readonly tenantId: string;
  readonly sequence: number;
  readonly hash: string;
  readonly signedAt: string;
}

export interface SignedCheckpoint extends CheckpointStatement {
  /** DER-encoded ECDSA signature, base64. */
  readonly signature: string;
  readonly keyId: string;
  readonly algorithm: string;
}

export const checkpointFormat = 'ledgerlock-audit-checkpoint/v1';

export function checkpointMessage(statement: CheckpointStatement): Uint8Array {
  return new TextEncoder().encode(
    canonicalJson({
      format: checkpointFormat,
      tenantId: statement.tenantId,
      sequence: statement.sequence,
      hash: statement.hash,
      signedAt: statement.signedAt,
    }),
  );
}

export type ChainBreak =
  | 'altered'
  | 'missing'
  | 'out-of-order'
  | 'head-mismatch'
  | 'wrong-tenant'
  | 'checkpoint-mismatch'
  | 'checkpoint-forged';

export type ChainVerification =
  | { readonly valid: true; readonly checked: number; readonly head: ChainHead }
  | {
      readonly valid: false;
      readonly checked: number;
      /** The first event that is altered, out of place or missing. */
      readonly firstBrokenSequence: number;
      readonly reason: ChainBreak;
    };

export interface SegmentOptions {
  /** Where the segment starts: the genesis, or a position already verified (a signed checkpoint, a cursor). */
  readonly from?: ChainHead;
  /**
   * Checkpoints whose signature verified, by sequence: the recomputed chain must pass through each one that
   * falls inside the segment.
   */
  readonly checkpoints?: ReadonlyMap<number, ChainHead>;
  /** The stored head, when the segment is meant to reach the end of the chain: catches events cut off the end. */
  readonly head?: ChainHead;
}

/**
 * Recomputes a contiguous stretch of the chain. `events` must be in stored order and start right after `from`.
 * `checked` counts the events verified before the first break.
 */
export function verifySegment(
  tenantId: string,
  events: readonly AuditEvent[],
  options: SegmentOptions = {},
): ChainVerification {
  const from = options.from ?? emptyChain;
  let previous = from;
  const broken = (firstBrokenSequence: number, reason: ChainBreak): ChainVerification => ({
    valid: false,
    checked: previous.sequence - from.sequence,
    firstBrokenSequence,
    reason,
  });
  for (const event of events) {
    const expectedSequence = previous.sequence + 1;
    if (event.sequence > expectedSequence) return broken(expectedSequence, 'missing');
    if (event.sequence < expectedSequence) return broken(event.sequence, 'out-of-order');
    if (event.tenantId !== tenantId) return broken(event.sequence, 'wrong-tenant');
    if (event.previousHash !== previous.hash || !isIntact(event)) return broken(event.sequence, 'altered');
    const checkpoint = options.checkpoints?.get(event.sequence);
    if (checkpoint !== undefined && checkpoint.hash !== event.hash) {
      // The event is consistent with its neighbours but not with what was signed: the chain was rewritten.
      return broken(event.sequence, 'checkpoint-mismatch');
    }
    previous = { sequence: event.sequence, hash: event.hash };
  }
  const { head } = options;
  if (head !== undefined && (head.sequence !== previous.sequence || head.hash !== previous.hash)) {
    return broken(previous.sequence + 1, head.sequence > previous.sequence ? 'missing' : 'head-mismatch');
  }
  return { valid: true, checked: previous.sequence - from.sequence, head: previous };
}

/** The whole chain from the first event to the stored head. */
export function verifyChain(
  tenantId: string,
  events: readonly AuditEvent[],
  head: ChainHead,
  checkpoints?: ReadonlyMap<number, ChainHead>,
): ChainVerification {
  return verifySegment(tenantId, events, { head, ...(checkpoints === undefined ? {} : { checkpoints }) });
}
