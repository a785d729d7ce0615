// application: runs a write use case — Idempotency-Key claim, plan, one atomic commit with its audit event and
// stored response, re-planned when a concurrent change got there first — so every mutation gets the same
// guarantees from one place.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditActor, AuditEntry } from '../domain/audit-chain';
import type { IdempotencyStore } from '../ports/idempotency-store';
import {
  type BulkIssuePlan,
  ConcurrentChangeError,
  type Ledger,
  type LedgerChange,
  type StoredResponse,
} from '../ports/ledger';
import { ContentionError, IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from './errors';

/** What a write use case decides, given the current state: the changes, what to record, what to answer. */
export interface MutationPlan<Reply> {
  readonly changes: readonly LedgerChange[];
  readonly audit: Omit<AuditEntry, 'actor' | 'at'>;
  readonly reply: Reply;
  /** A bulk issue instead of `changes`: committed by the ledger's bulk protocol, still all or nothing. */
  readonly bulkIssue?: Omit<BulkIssuePlan, 'audit' | 'invoiceAudits'> & {
    readonly invoiceAudits: readonly Omit<AuditEntry, 'actor' | 'at'>[];
  };
}

/** Plans against the state it reads; called again, with a new `now`, after a lost race. */
export type Mutation<Reply> = (now: Date) => Promise<MutationPlan<Reply>>;

export interface Actor extends AuditActor {
  readonly tenantId: string;
}

export interface RunOptions<Reply> {
  /** The tenant-scoped key and a hash of the request it first came with. */
  readonly idempotency?: { readonly key: string; readonly requestHash: string };
  /** Turns the plan's reply into the response that is answered now and stored for replays. */
  readonly render: (reply: Reply) => StoredResponse;
  /**
   * Mutations of one lane (those that take a number from the same counter) are planned and committed one after
   * another within this instance: racing each other there would only make all but one lose, re-plan and retry.
   * Across instances the counter's conditional write still decides.
   */
  readonly lane?: string;
}

export interface MutationOutcome {
  readonly response: StoredResponse;
  /** The stored response of an earlier request with the same Idempotency-Key. */
  readonly replayed: boolean;
}

export interface MutationRunnerDependencies {
  readonly ledger: Ledger;
  readonly idempotency: IdempotencyStore;
  readonly now: () => Date;
  /** @default node's timer — tests pass one that does not wait */
  readonly pause?: (milliseconds: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

// Optimistic concurrency: a commit that lost a race re-reads and re-plans. Numbering and the audit chain
// serialise a tenant's writes, so bursts need several rounds; full jitter spreads the retries out.
export const maxCommitAttempts = 30;
const baseDelayMs = 5;
const maxDelayMs = 250;

export function makeMutationRunner(dependencies: MutationRunnerDependencies) {
  const pause = dependencies.pause ?? ((milliseconds: number) => sleep(milliseconds));
  const random = dependencies.random ?? Math.random;
  /** The tail of each lane's queue: the promise the next mutation of that lane waits for. */
  const lanes = new Map<string, Promise<unknown>>();
  const inLane = async <Result>(lane: string | undefined, work: () => Promise<Result>): Promise<Result> => {
    if (lane === undefined) return work();
    const before = lanes.get(lane) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.catch(() => undefined);
    lanes.set(lane, tail);
    try {
      return await mine;
    } finally {
      if (lanes.get(lane) === tail) lanes.delete(lane);
    }
  };

  const commitWithRetries = async <Reply>(
    actor: Actor,
    mutation: Mutation<Reply>,
    render: (reply: Reply) => StoredResponse,
    claim?: { key: string; requestHash: string; claimToken: string },
  ): Promise<StoredResponse> => {
    for (let attempt = 1; ; attempt += 1) {
      const now = dependencies.now();
      const plan = await mutation(now);
      const response = render(plan.reply);
      // Exactly these three: the audit event is hashed as stored, so nothing else of the caller may ride along.
      const who = { clientId: actor.clientId, sourceIp: actor.sourceIp, requestId: actor.requestId };
      const at = now.toISOString();
      const idempotent = claim === undefined ? undefined : { ...claim, response };
      try {
        if (plan.bulkIssue === undefined) {
          await dependencies.ledger.commit(
            actor.tenantId,
            plan.changes,
            { ...plan.audit, actor: who, at },
            idempotent,
          );
        } else {
          const { invoiceAudits, ...bulk } = plan.bulkIssue;
          await dependencies.ledger.commitBulkIssue(
            actor.tenantId,
            {
              ...bulk,
              audit: { ...plan.audit, actor: who, at },
              invoiceAudits: invoiceAudits.map((audit) => ({ ...audit, actor: who, at })),
            },
            idempotent,
          );
        }
        return response;
      } catch (error) {
        if (!(error instanceof ConcurrentChangeError)) throw error;
        if (attempt >= maxCommitAttempts) {
          throw new ContentionError('the resource is being changed by other requests; retry shortly', {
            cause: error,
          });
        }
        await pause(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
      }
    }
  };

  return async <Reply>(
    actor: Actor,
    mutation: Mutation<Reply>,
    options: RunOptions<Reply>,
  ): Promise<MutationOutcome> => {
    const request = options.idempotency;
    if (request === undefined) {
      return {
        response: await inLane(options.lane, () => commitWithRetries(actor, mutation, options.render)),
        replayed: false,
      };
    }
    const claim = await dependencies.idempotency.claim(actor.tenantId, request.key, request.requestHash);
    if (claim.outcome !== 'claimed') {
      if (claim.requestHash !== request.requestHash && claim.requestHash !== '') {
        throw new IdempotencyKeyReusedError(
          'this Idempotency-Key was already used with a different request; use a new key for a new request',
        );
      }
      if (claim.outcome === 'in-progress') {
        throw new IdempotencyKeyInFlightError(
          'a request with this Idempotency-Key is still in progress; retry shortly',
        );
      }
      return { response: claim.response, replayed: true };
    }
    try {
      const response = await inLane(options.lane, () =>
        commitWithRetries(actor, mutation, options.render, { ...request, claimToken: claim.claimToken }),
      );
      return { response, replayed: false };
    } catch (error) {
      // Nothing was committed: give the key back so a corrected or later retry can run.
      await dependencies.idempotency.release(actor.tenantId, request.key, claim.claimToken);
      throw error;
    }
  };
}
