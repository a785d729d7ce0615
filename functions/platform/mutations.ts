// platform: runs a mutation — Idempotency-Key claim, plan, atomic commit with its audit event, retried on
// concurrent change — so every write route gets the same guarantees from one place.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { AuditEntry } from '../domain/audit-chain';
import type { IdempotencyStore } from '../ports/idempotency-store';
import { ConcurrentChangeError, type Ledger, type LedgerChange, type StoredResponse } from '../ports/ledger';
import { ConflictError, MalformedRequestError, UnprocessableError } from './errors';
import { type Caller, headerValue } from './http';

/** What a write operation decides, given the current state: the changes, what to record, what to answer. */
export interface MutationPlan {
  readonly changes: readonly LedgerChange[];
  readonly audit: Omit<AuditEntry, 'actor' | 'at'>;
  readonly response: APIGatewayProxyResult;
}

export type Mutation = (event: APIGatewayProxyEvent, caller: Caller, now: Date) => Promise<MutationPlan>;

export interface MutationDependencies {
  readonly ledger: Ledger;
  readonly idempotency: IdempotencyStore;
  readonly now: () => Date;
}

// Optimistic concurrency: a commit that lost a race re-reads and re-plans. Numbering and the audit chain
// serialise a tenant's writes, so bursts need several rounds; full jitter spreads the retries out.
const maxAttempts = 30;
const baseDelayMs = 5;
const maxDelayMs = 250;

const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

function requestHash(event: APIGatewayProxyEvent): string {
  return createHash('sha256')
    .update(`${event.httpMethod}\n${event.path}\n`)
    .update(event.body ?? '')
    .digest('base64url');
}

function toStored(response: APIGatewayProxyResult): StoredResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) headers[name] = String(value);
  return { statusCode: response.statusCode, body: response.body, headers };
}

export function makeMutationRunner(dependencies: MutationDependencies) {
  const commitWithRetries = async (
    event: APIGatewayProxyEvent,
    caller: Caller,
    mutation: Mutation,
    claim?: { key: string; requestHash: string; claimToken: string },
  ): Promise<APIGatewayProxyResult> => {
    for (let attempt = 1; ; attempt += 1) {
      const now = dependencies.now();
      const plan = await mutation(event, caller, now);
      try {
        await dependencies.ledger.commit(
          caller.tenantId,
          plan.changes,
          {
            ...plan.audit,
            actor: { clientId: caller.clientId, sourceIp: caller.sourceIp, requestId: caller.requestId },
            at: now.toISOString(),
          },
          claim === undefined ? undefined : { ...claim, response: toStored(plan.response) },
        );
        return plan.response;
      } catch (error) {
        if (!(error instanceof ConcurrentChangeError)) throw error;
        if (attempt >= maxAttempts) {
          throw new ConflictError('the resource is being changed by other requests; retry shortly', {
            cause: error,
          });
        }
        await sleep(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
      }
    }
  };

  return async (
    event: APIGatewayProxyEvent,
    caller: Caller,
    mutation: Mutation,
  ): Promise<APIGatewayProxyResult> => {
    const key = headerValue(event, 'idempotency-key');
    if (key === undefined) return commitWithRetries(event, caller, mutation);
    if (event.httpMethod !== 'POST') {
      throw new MalformedRequestError('Idempotency-Key is accepted on POST requests only');
    }
    if (!idempotencyKeyPattern.test(key)) {
      throw new MalformedRequestError('Idempotency-Key must be 1–255 visible ASCII characters');
    }
    const hash = requestHash(event);
    const claim = await dependencies.idempotency.claim(caller.tenantId, key, hash);
    if (claim.outcome !== 'claimed') {
      if (claim.requestHash !== hash && claim.requestHash !== '') {
        throw new UnprocessableError(
          'this Idempotency-Key was already used with a different request; use a new key for a new request',
        );
      }
      if (claim.outcome === 'in-progress') {
        throw new ConflictError('a request with this Idempotency-Key is still in progress; retry shortly');
      }
      return {
        statusCode: claim.response.statusCode,
        headers: { ...claim.response.headers, 'idempotent-replayed': 'true' },
        body: claim.response.body,
      };
    }
    try {
      return await commitWithRetries(event, caller, mutation, {
        key,
        requestHash: hash,
        claimToken: claim.claimToken,
      });
    } catch (error) {
      // Nothing was committed: give the key back so a corrected or later retry can run.
      await dependencies.idempotency.release(caller.tenantId, key, claim.claimToken);
      throw error;
    }
  };
}
