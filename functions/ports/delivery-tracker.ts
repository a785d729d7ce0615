// port: the deliver function's claim on one send request, what it records about the outcome, and the reminders
// the sweeper reads to settle requests whose deliverer died or whose retry is due.
import type { Delivery } from '../domain/invoice';

export type ClaimResult =
  /** Ours; `attempt` fences every later write: once another deliverer claims, ours change nothing. */
  | { readonly outcome: 'claimed'; readonly attempt: number }
  /** Already sent, failed for good, or replaced by a newer request: nothing to do. */
  | { readonly outcome: 'done' }
  /** Another deliverer holds a live claim; it (or, if it dies, the sweeper) settles the request. */
  | { readonly outcome: 'busy' }
  /** A retry is scheduled for later; the sweeper hands it to a deliverer when it is due. */
  | { readonly outcome: 'waiting' }
  /** A claim expired while the email was being handed to the mail service: it may or may not have left. */
  | { readonly outcome: 'interrupted'; readonly attempt: number }
  /** The invoice was voided while this request was pending: it must not go out (fence on `attempt`). */
  | { readonly outcome: 'voided'; readonly attempt: number };

/** Which state a write is fenced on: our claim (status sending, this attempt), or a request still queued. */
export type DeliveryExpectation =
  | { readonly claimed: number }
  | { readonly queued: true; readonly attempt: number };

export interface DeliveryTracker {
  /**
   * Claims a queued request, a due retry, or a claim whose deliverer stopped before mailing, for `leaseSeconds`.
   */
  claim(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    leaseSeconds: number,
  ): Promise<ClaimResult>;
  /**
   * Records that the message is about to be handed to the mail service and renews the lease for the send.
   * False when the claim was lost meanwhile (expired and taken over, replaced, voided): then nothing may be sent.
   */
  beginMailing(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    attempt: number,
    leaseSeconds: number,
  ): Promise<boolean>;
  /** Nothing was sent; the request may be claimed again from `retryAt` (epoch seconds) on. */
  scheduleRetry(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    attempt: number,
    retryAt: number,
    reason: string,
  ): Promise<void>;
  /**
   * The mail service accepted the message. Also corrects a request the sweeper already settled as failed with an
   * unknown outcome (a slow answer that arrived after the lease): the truth beats the guess.
   */
  markSent(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    attempt: number,
    messageId: string,
    sentAt: string,
  ): Promise<void>;
  markFailed(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    expected: DeliveryExpectation,
    failure: { readonly reason: string; readonly outcome?: 'unknown' },
  ): Promise<void>;
  /** Makes the table stream carry the request to a deliverer again (status queued, new stream record). */
  requeue(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    from: DeliveryExpectation,
  ): Promise<boolean>;
  /** The invoice's delivery as stored now (strongly consistent), undefined when there is no such invoice. */
  read(tenantId: string, invoiceId: string): Promise<Delivery | undefined>;
}

/** "Look at this request again at `dueAt`": ids and times only, no personal data. */
export interface DeliveryReminder {
  readonly tenantId: string;
  readonly invoiceId: string;
  readonly requestToken: string;
  /** Epoch seconds. */
  readonly dueAt: number;
}

/**
 * Reminders are hints, never the truth: the sweeper always judges the invoice's delivery as stored, so a reminder
 * that is stale, early or duplicated does no harm, and a missing one is only as bad as a late look.
 */
export interface DeliveryReminders {
  /** Sets (or moves) the reminder of this invoice's request. */
  remind(reminder: DeliveryReminder): Promise<void>;
  /** Drops the reminder, unless it is already a newer request's. */
  forget(tenantId: string, invoiceId: string, requestToken: string): Promise<void>;
  /** Reminders due by `nowSeconds`, oldest first, at most `limit`. */
  due(nowSeconds: number, limit: number): Promise<readonly DeliveryReminder[]>;
}
