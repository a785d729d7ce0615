// domain: the rules of getting one send request to `sent` or `failed` — the retry schedule of passing mail-service
// trouble, when a pending request has stalled, what the sweeper does with a due reminder, and the send caps.
// Pure, no AWS import.
import type { Delivery } from './invoice';

/** How long passing trouble (the mail service refusing for now, unreachable) is retried before the send fails. */
export interface RetryPolicy {
  /** Wait after the first failed attempt; each further one waits twice as long… */
  readonly firstDelaySeconds: number;
  /** …but never longer than this. */
  readonly maxDelaySeconds: number;
  /** No attempt starts later than this after the request: then the send fails, saying nothing was sent. */
  readonly windowSeconds: number;
}

/**
 * 5 s, 10 s, 20 s, 40 s, … up to 5 min, for 30 min: an outage of a few minutes is ridden out without anyone
 * resending, and a request never waits longer than half an hour to be told it failed.
 */
export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  firstDelaySeconds: 5,
  maxDelaySeconds: 300,
  windowSeconds: 1800,
});

/** The wait after the `attempt`-th failed attempt (1-based). */
export function retryDelaySeconds(policy: RetryPolicy, attempt: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(policy.maxDelaySeconds, policy.firstDelaySeconds * 2 ** exponent);
}

export function epochSeconds(at: Date | string): number {
  return Math.floor((typeof at === 'string' ? Date.parse(at) : at.getTime()) / 1000);
}

/** When the next attempt may start, or undefined when it would start after the retry window: give up. */
export function nextRetryAt(
  policy: RetryPolicy,
  delivery: Pick<Delivery, 'attempts' | 'requestedAt'>,
  nowSeconds: number,
): number | undefined {
  const at = nowSeconds + retryDelaySeconds(policy, delivery.attempts ?? 1);
  const requestedAt = delivery.requestedAt === undefined ? nowSeconds : epochSeconds(delivery.requestedAt);
  return at > requestedAt + policy.windowSeconds ? undefined : at;
}

/** A queued request no deliverer has taken for this long is taken to the stream again (see sweepDecision). */
export const defaultQueuedGraceSeconds = 120;

/**
 * Whether a pending request has stalled: a claim whose deliverer stopped renewing it, or a queued request no
 * deliverer took within the grace period. A request waiting for its retry has not stalled.
 */
export function isStalled(delivery: Delivery, nowSeconds: number, queuedGraceSeconds: number): boolean {
  if (delivery.status === 'sending') {
    return delivery.retryable !== true && (delivery.leaseUntil ?? 0) < nowSeconds;
  }
  if (delivery.status === 'queued') {
    const requestedAt = delivery.requestedAt === undefined ? 0 : epochSeconds(delivery.requestedAt);
    return requestedAt + queuedGraceSeconds < nowSeconds;
  }
  return false;
}

// ------------------------------------------------------------------------------------------ failure reasons

export const interruptedWhileMailingReason =
  'delivery was interrupted while the email was being handed to the mail service, so it may have been delivered. Check with the customer, then POST /send with {"resend": true} if needed';

export const ambiguousAnswerReason = (what: string) =>
  `the mail service's answer was lost (${what}), so the email may have been delivered; it is not sent again automatically. Check with the customer, then POST /send with {"resend": true} if needed`;

export const gaveUpReason = (attempts: number, windowSeconds: number) =>
  `the mail service could not take the message in ${attempts} attempt(s) over ${Math.round(windowSeconds / 60)} minutes; nothing was sent. POST /send again once it is back`;

export const neverTakenReason = (windowSeconds: number) =>
  `no deliverer could take the request within ${Math.round(windowSeconds / 60)} minutes; nothing was sent. POST /send again`;

// ---------------------------------------------------------------------------------------------- the sweeper

/** What the sweeper does with one due reminder, judged against the delivery as it is now. */
export type SweepAction =
  /** Settled, replaced by a newer request, or gone: the reminder has nothing left to watch. */
  | { readonly kind: 'forget' }
  /** Still in good hands (a live claim, a retry not yet due): look again then. */
  | { readonly kind: 'remind'; readonly atSeconds: number }
  /** Nothing has reached the mail service: hand the request to a deliverer again, via the table stream. */
  | { readonly kind: 'requeue'; readonly from: 'queued' | 'sending'; readonly attempt: number }
  /** Settle it as failed, fenced on the state judged. */
  | {
      readonly kind: 'fail';
      readonly from: 'queued' | 'sending';
      readonly attempt: number;
      readonly reason: string;
      readonly outcome?: 'unknown';
    };

export function sweepDecision(
  delivery: Delivery | undefined,
  reminderToken: string,
  nowSeconds: number,
  policy: RetryPolicy,
  queuedGraceSeconds: number,
): SweepAction {
  if (delivery === undefined || delivery.requestToken !== reminderToken) return { kind: 'forget' };
  const attempt = delivery.attempts ?? 0;
  const requestedAt = delivery.requestedAt === undefined ? nowSeconds : epochSeconds(delivery.requestedAt);
  const pastWindow = nowSeconds > requestedAt + policy.windowSeconds + queuedGraceSeconds;
  if (delivery.status === 'queued') {
    if (pastWindow) {
      return { kind: 'fail', from: 'queued', attempt, reason: neverTakenReason(policy.windowSeconds) };
    }
    return { kind: 'requeue', from: 'queued', attempt };
  }
  if (delivery.status !== 'sending') return { kind: 'forget' };
  if (delivery.retryable === true) {
    const retryAt = delivery.retryAt ?? 0;
    return retryAt > nowSeconds
      ? { kind: 'remind', atSeconds: retryAt }
      : { kind: 'requeue', from: 'sending', attempt };
  }
  const leaseUntil = delivery.leaseUntil ?? 0;
  if (leaseUntil >= nowSeconds) return { kind: 'remind', atSeconds: leaseUntil + 1 };
  // The deliverer holding the claim stopped (killed, timed out) without recording anything.
  if (delivery.phase === 'mailing') {
    return {
      kind: 'fail',
      from: 'sending',
      attempt,
      reason: interruptedWhileMailingReason,
      outcome: 'unknown',
    };
  }
  if (pastWindow) {
    return { kind: 'fail', from: 'sending', attempt, reason: gaveUpReason(attempt, policy.windowSeconds) };
  }
  return { kind: 'requeue', from: 'sending', attempt };
}

// ----------------------------------------------------------------------------------------------- send caps

/** How many emails may be requested: per invoice within a rolling window, per tenant per clock hour. */
export interface SendLimits {
  readonly perInvoice: number;
  readonly perInvoiceWindowSeconds: number;
  /** Sized so a month-end billing run of several hundred issue-with-send requests passes. */
  readonly perTenantPerHour: number;
}

export const defaultSendLimits: SendLimits = Object.freeze({
  perInvoice: 3,
  perInvoiceWindowSeconds: 24 * 3600,
  perTenantPerHour: 1000,
});

/** A send request over a cap: nothing was queued; `retryAfterSeconds` says when one would be accepted. */
export class SendLimitReachedError extends Error {
  override readonly name = 'SendLimitReachedError';
  constructor(
    readonly scope: 'invoice' | 'tenant',
    readonly limit: number,
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The invoice's recent send times with this request added, or SendLimitReachedError when `limits.perInvoice`
 * requests already fall within the window. Only the last `perInvoice` times are kept: all the rule needs.
 */
export function recordInvoiceSend(
  recentSends: readonly string[] | undefined,
  now: Date,
  limits: SendLimits,
): readonly string[] {
  const nowSeconds = epochSeconds(now);
  const windowStart = nowSeconds - limits.perInvoiceWindowSeconds;
  const inWindow = (recentSends ?? []).filter((at) => epochSeconds(at) > windowStart);
  if (inWindow.length >= limits.perInvoice) {
    const oldest = inWindow[inWindow.length - limits.perInvoice] ?? now.toISOString();
    const retryAfter = Math.max(1, epochSeconds(oldest) + limits.perInvoiceWindowSeconds - nowSeconds + 1);
    throw new SendLimitReachedError(
      'invoice',
      limits.perInvoice,
      retryAfter,
      `this invoice was already sent ${inWindow.length} times in the last ${Math.round(limits.perInvoiceWindowSeconds / 3600)} hours, the most allowed; retry after ${retryAfter} seconds`,
    );
  }
  return [...inWindow, now.toISOString()].slice(-limits.perInvoice);
}

/** The clock hour a tenant's sends are counted in, and the seconds left in it (the Retry-After of a refusal). */
export function tenantSendWindow(now: Date): { readonly id: string; readonly endsAtSeconds: number } {
  const id = now.toISOString().slice(0, 13);
  const endsAtSeconds = epochSeconds(`${id}:00:00.000Z`) + 3600;
  return { id, endsAtSeconds };
}

export function tenantLimitReached(limit: number, now: Date, endsAtSeconds: number): SendLimitReachedError {
  const retryAfter = Math.max(1, endsAtSeconds - epochSeconds(now));
  return new SendLimitReachedError(
    'tenant',
    limit,
    retryAfter,
    `this account already requested ${limit} emails this hour, the most allowed; retry after ${retryAfter} seconds`,
  );
}
