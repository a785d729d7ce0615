// application: the audit trail for admins — the events, and a bounded, resumable verification of the hash chain
// (at most N events per request, from the first event, a cursor or the latest signed checkpoint) that raises a
// security signal when it finds the chain altered.
import {
  type ChainHead,
  type ChainVerification,
  emptyChain,
  type SignedCheckpoint,
  verifySegment,
} from '../domain/audit-chain';
import { maxVerificationEvents } from '../platform/schemas';
import type { AuditTrail } from '../ports/audit-trail';
import type { CheckpointVerifier } from '../ports/checkpoint-signer';
import type { SecuritySignals } from '../ports/security-signals';
import { defaultPageSize } from './invoice-queries';
import type { Query } from './request';
import { toAuditEventView } from './views';

/** Counted up to this many: beyond it the chain writer is far behind, and the exact number no longer matters. */
const pendingCountLimit = 10_000;

export interface VerificationRequest {
  readonly from?: 'genesis' | 'checkpoint';
  /** A position an earlier step verified (the API seals it into a cursor; the ops command keeps it). */
  readonly after?: ChainHead;
  readonly limit?: number;
}

export interface VerificationResult {
  readonly result: ChainVerification;
  readonly fromSequence: number;
  readonly throughSequence: number;
  readonly complete: boolean;
  /** Where the next step continues, when this one stopped at its limit. */
  readonly continueAfter?: ChainHead;
  readonly checkpointsVerified: number;
  readonly latestCheckpoint?: SignedCheckpoint;
  readonly pendingEntries: number;
}

/**
 * One bounded step of verifying a tenant's chain: the events after `start`, each recomputed, every signed
 * checkpoint among them checked (signature and hash), and — when the step reaches the end — the stored head and
 * the latest checkpoint, which catch events cut off the end. Shared by the API and `npm run ops -- verify-audit`.
 */
export async function verifyAuditStep(
  dependencies: { readonly auditTrail: AuditTrail; readonly checkpoints: CheckpointVerifier },
  tenantId: string,
  request: VerificationRequest,
): Promise<VerificationResult> {
  const { auditTrail } = dependencies;
  const limit = Math.min(request.limit ?? maxVerificationEvents, maxVerificationEvents);
  const latest = await auditTrail.latestCheckpoint(tenantId);
  const latestIsGenuine = latest === undefined ? false : await dependencies.checkpoints.verify(latest);
  let start: ChainHead = emptyChain;
  if (request.after !== undefined) {
    start = request.after;
  } else if (request.from === 'checkpoint' && latest !== undefined && latestIsGenuine) {
    start = { sequence: latest.sequence, hash: latest.hash };
  }
  const [events, head, pendingEntries] = await Promise.all([
    auditTrail.segment(tenantId, start.sequence, limit),
    auditTrail.head(tenantId),
    auditTrail.pendingEntries(tenantId, pendingCountLimit),
  ]);
  const through = events.at(-1)?.sequence ?? start.sequence;
  const inRange = await auditTrail.checkpoints(tenantId, start.sequence, Math.max(through, start.sequence));
  const base = {
    fromSequence: start.sequence,
    pendingEntries,
    ...(latest === undefined || !latestIsGenuine ? {} : { latestCheckpoint: latest }),
  };
  const broken = (firstBrokenSequence: number, reason: 'checkpoint-forged' | 'missing') => ({
    ...base,
    result: { valid: false, checked: 0, firstBrokenSequence, reason } as const,
    throughSequence: start.sequence,
    complete: false,
    checkpointsVerified: 0,
  });
  if (latest !== undefined && !latestIsGenuine) return broken(latest.sequence, 'checkpoint-forged');
  const signed = new Map<number, ChainHead>();
  for (const checkpoint of inRange) {
    if (checkpoint.tenantId !== tenantId || !(await dependencies.checkpoints.verify(checkpoint))) {
      return broken(checkpoint.sequence, 'checkpoint-forged');
    }
    signed.set(checkpoint.sequence, checkpoint);
  }
  const reachesEnd = events.length < limit;
  const result = verifySegment(tenantId, events, {
    from: start,
    checkpoints: signed,
    ...(reachesEnd ? { head } : {}),
  });
  if (result.valid && reachesEnd && latest !== undefined && latest.sequence > result.head.sequence) {
    // A checkpoint signed a longer chain than the table now holds: events were cut off its end.
    return { ...broken(result.head.sequence + 1, 'missing'), fromSequence: start.sequence };
  }
  const throughSequence = result.valid ? result.head.sequence : result.firstBrokenSequence - 1;
  return {
    ...base,
    result,
    throughSequence,
    complete: result.valid && reachesEnd,
    ...(result.valid && !reachesEnd ? { continueAfter: result.head } : {}),
    checkpointsVerified: [...signed.keys()].filter((sequence) => sequence <= throughSequence).length,
  };
}

export function makeAuditQueries(dependencies: {
  readonly auditTrail: AuditTrail;
  readonly checkpoints: CheckpointVerifier;
  readonly signals: SecuritySignals;
}) {
  const listAuditEvents: Query<'listAuditEvents'> = async ({ caller, query }) => {
    const page = await dependencies.auditTrail.list(
      caller.tenantId,
      query.limit ?? defaultPageSize,
      query.cursor,
    );
    return { body: { ...page, items: page.items.map(toAuditEventView) } };
  };

  const verifyAuditTrail: Query<'verifyAuditTrail'> = async ({ caller, query }) => {
    const { auditTrail } = dependencies;
    const step = await verifyAuditStep(dependencies, caller.tenantId, {
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.cursor === undefined
        ? {}
        : { after: await auditTrail.decodePosition(caller.tenantId, query.cursor) }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
    });
    const { result } = step;
    const nextCursor =
      step.continueAfter === undefined
        ? undefined
        : await auditTrail.encodePosition(caller.tenantId, step.continueAfter);
    const summary = {
      checked: result.checked,
      fromSequence: step.fromSequence,
      throughSequence: step.throughSequence,
      complete: step.complete,
      ...(nextCursor === undefined ? {} : { nextCursor }),
      checkpointsVerified: step.checkpointsVerified,
      ...(step.latestCheckpoint === undefined
        ? {}
        : {
            latestCheckpoint: {
              sequence: step.latestCheckpoint.sequence,
              signedAt: step.latestCheckpoint.signedAt,
            },
          }),
      pendingEntries: step.pendingEntries,
    };
    if (!result.valid) {
      dependencies.signals.record({
        kind: 'audit-chain-broken',
        tenantId: caller.tenantId,
        clientId: caller.clientId,
        requestId: caller.requestId,
        reason: result.reason,
        details: { firstBrokenSequence: result.firstBrokenSequence },
      });
      return {
        body: {
          valid: false,
          ...summary,
          firstBrokenSequence: result.firstBrokenSequence,
          reason: result.reason,
        },
      };
    }
    return { body: { valid: true, ...summary } };
  };

  return { listAuditEvents, verifyAuditTrail };
}
