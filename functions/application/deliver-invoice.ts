// application: delivering one send request — claim it, render and store the PDF, email it once, and record the
// outcome on the invoice. At most one email per request: the claim is fenced by its attempt number, the hand-over
// to the mail service is recorded before it happens, and nothing is sent again automatically once the mail
// service may have accepted the message. Passing trouble is retried with backoff through the sweeper's
// reminders, so an outage of minutes neither fails the send nor holds up the stream.
import {
  ambiguousAnswerReason,
  defaultRetryPolicy,
  epochSeconds,
  gaveUpReason,
  interruptedWhileMailingReason,
  nextRetryAt,
  type RetryPolicy,
} from '../domain/delivery';
import { voidedBeforeSendingReason } from '../domain/invoice';
import { composeInvoiceEmail } from '../domain/invoice-email';
import { invoiceDocumentKey } from '../platform/key-layout';
import type { DeliveryReminders, DeliveryTracker } from '../ports/delivery-tracker';
import type { DocumentStore } from '../ports/document-store';
import type { InvoiceRenderer } from '../ports/invoice-renderer';
import type { InvoiceRepository } from '../ports/invoice-repository';
import {
  type Mailer,
  MailOutcomeUnknownError,
  MailRejectedError,
  MailServiceUnavailableError,
} from '../ports/mailer';
import { IntegrityError } from '../ports/sealer';
import type { SellerProfiles } from '../ports/seller-profiles';

/** One send request, as the table stream announces it: ids and the request token only. */
export interface DeliveryRequest {
  readonly tenantId: string;
  readonly invoiceId: string;
  readonly requestToken: string;
}

export interface DeliveryDependencies {
  readonly invoices: InvoiceRepository;
  readonly sellers: SellerProfiles;
  readonly tracker: DeliveryTracker;
  readonly reminders: DeliveryReminders;
  readonly renderer: InvoiceRenderer;
  readonly documents: DocumentStore;
  readonly mailer: Mailer;
  readonly fromAddress: string;
  /** @default the clock */
  readonly now?: () => Date;
  /**
   * How long a claim holds without renewal: short, so a dead deliverer's request is settled soon; it is renewed
   * when the email is handed over, and must outlast one mail-service call (the SES client's timeout).
   * @default 30
   */
  readonly leaseSeconds?: number;
  /** How passing mail-service trouble is retried before the request fails. @default defaultRetryPolicy */
  readonly retry?: RetryPolicy;
}

export type DeliveryOutcome =
  /** Nothing more to do for this request now: settled, or in someone else's hands (a live claim, a due retry). */
  | {
      readonly kind: 'settled';
      readonly result:
        | 'sent'
        | 'failed'
        | 'ambiguous'
        | 'already-settled'
        | 'interrupted'
        | 'cancelled'
        | 'superseded'
        | 'in-other-hands';
      /** Why, for the log line: an error name or kind, never a message that could quote personal data. */
      readonly detail?: string;
    }
  /** Passing trouble: nothing was sent, and the sweeper re-queues the request at `retryAt` (epoch seconds). */
  | {
      readonly kind: 'deferred';
      readonly reason: 'mail-service-unavailable' | 'preparation-failed';
      readonly detail: string;
      readonly retryAt: number;
    };

const errorName = (error: unknown) => (error as { name?: string } | null)?.name ?? typeof error;

export function makeInvoiceDelivery(dependencies: DeliveryDependencies) {
  const leaseSeconds = dependencies.leaseSeconds ?? 30;
  const retry = dependencies.retry ?? defaultRetryPolicy;
  const now = dependencies.now ?? (() => new Date());
  const { tracker, reminders } = dependencies;

  /** Loads, renders and stores the document; a string when the request cannot go out as it is (settle failed). */
  const prepare = async ({ tenantId, invoiceId, requestToken }: DeliveryRequest) => {
    const invoice = await dependencies.invoices.get(tenantId, invoiceId);
    if (invoice === undefined) return 'the invoice no longer exists';
    const seller = await dependencies.sellers.get(tenantId);
    if (seller === undefined) {
      return 'no seller profile is set up for this account, so the invoice cannot say who it is from';
    }
    const email = composeInvoiceEmail(invoice, seller);
    const pdf = await dependencies.renderer.render(email.document);
    await dependencies.documents.put(
      invoiceDocumentKey(tenantId, invoiceId, requestToken),
      pdf,
      'application/pdf',
    );
    return { invoice, seller, email, pdf };
  };

  /** Settles the request as failed and drops its reminder (the order matters: the reminder is only a hint). */
  const fail = async (
    request: DeliveryRequest,
    attempt: number,
    failure: { readonly reason: string; readonly outcome?: 'unknown' },
  ) => {
    const { tenantId, invoiceId, requestToken } = request;
    await tracker.markFailed(tenantId, invoiceId, requestToken, { claimed: attempt }, failure);
    await reminders.forget(tenantId, invoiceId, requestToken);
  };

  /** Nothing was sent: retry later with backoff, or — past the retry window — fail saying so. */
  const deferOrGiveUp = async (
    request: DeliveryRequest,
    attempt: number,
    reason: 'mail-service-unavailable' | 'preparation-failed',
    detail: string,
    requestedAt: string | undefined,
  ): Promise<DeliveryOutcome> => {
    const { tenantId, invoiceId, requestToken } = request;
    const nowSeconds = epochSeconds(now());
    const retryAt = nextRetryAt(
      retry,
      { attempts: attempt, ...(requestedAt === undefined ? {} : { requestedAt }) },
      nowSeconds,
    );
    if (retryAt === undefined) {
      await fail(request, attempt, {
        reason:
          reason === 'mail-service-unavailable'
            ? gaveUpReason(attempt, retry.windowSeconds)
            : `the invoice could not be prepared for sending in ${attempt} attempt(s); nothing was sent. Operations have been alerted`,
      });
      return { kind: 'settled', result: 'failed', detail };
    }
    // Reminder first: if we die between the two writes, the sweeper still comes back to this request.
    await reminders.remind({ tenantId, invoiceId, requestToken, dueAt: retryAt });
    const why =
      reason === 'mail-service-unavailable'
        ? 'the mail service cannot take the message right now; nothing was sent, and it is retried automatically'
        : 'the invoice could not be prepared for sending; it is retried automatically';
    await tracker.scheduleRetry(tenantId, invoiceId, requestToken, attempt, retryAt, why);
    return { kind: 'deferred', reason, detail, retryAt };
  };

  /** Resolves with what became of the request; throws only when the bookkeeping itself fails (a retry helps). */
  return async (request: DeliveryRequest): Promise<DeliveryOutcome> => {
    const { tenantId, invoiceId, requestToken } = request;
    const claim = await tracker.claim(tenantId, invoiceId, requestToken, leaseSeconds);
    if (claim.outcome === 'done') return { kind: 'settled', result: 'already-settled' };
    if (claim.outcome === 'busy' || claim.outcome === 'waiting') {
      // The holder settles it, or the sweeper once its lease or retry time passes: no stream retry needed.
      return { kind: 'settled', result: 'in-other-hands', detail: claim.outcome };
    }
    if (claim.outcome === 'interrupted') {
      // A deliverer died while handing the email over. Sending again could mail the customer twice, so we stop and
      // say so; a person decides whether to resend.
      await fail(request, claim.attempt, { reason: interruptedWhileMailingReason, outcome: 'unknown' });
      return { kind: 'settled', result: 'interrupted' };
    }
    if (claim.outcome === 'voided') {
      await fail(request, claim.attempt, { reason: voidedBeforeSendingReason });
      return { kind: 'settled', result: 'cancelled' };
    }
    const { attempt } = claim;
    await reminders.remind({
      tenantId,
      invoiceId,
      requestToken,
      dueAt: epochSeconds(now()) + leaseSeconds + 1,
    });

    // Until the mail service has the message, nothing has left: a failure here is retried with backoff.
    let prepared: Awaited<ReturnType<typeof prepare>>;
    try {
      prepared = await prepare(request);
    } catch (error) {
      if (error instanceof IntegrityError) {
        // A tampered or unreadable invoice never becomes readable by waiting; the handler raises the signal.
        await fail(request, attempt, {
          reason: 'the invoice failed its integrity check, so it was not sent; operations have been alerted',
        });
        throw error;
      }
      const requestedAt = (await tracker.read(tenantId, invoiceId))?.requestedAt;
      return deferOrGiveUp(request, attempt, 'preparation-failed', errorName(error), requestedAt);
    }
    if (typeof prepared === 'string') {
      await fail(request, attempt, { reason: prepared });
      return { kind: 'settled', result: 'failed', detail: 'not-deliverable' };
    }
    const { invoice, seller, email, pdf } = prepared;
    // Rendering takes a while; a void that committed meanwhile must still stop the email. (The claim already
    // refuses a void invoice; this narrows the window between claim and send to one read.)
    if ((await dependencies.invoices.get(tenantId, invoiceId))?.status === 'void') {
      await fail(request, attempt, { reason: voidedBeforeSendingReason });
      return { kind: 'settled', result: 'cancelled' };
    }
    // The fence: once this succeeds, an interruption reads as "may have been delivered"; if it fails, another
    // deliverer took the request over (our lease ran out) and we must not send.
    if (!(await tracker.beginMailing(tenantId, invoiceId, requestToken, attempt, leaseSeconds))) {
      return { kind: 'settled', result: 'superseded' };
    }
    let messageId: string;
    try {
      ({ messageId } = await dependencies.mailer.send({
        from: dependencies.fromAddress,
        ...(seller.email === undefined ? {} : { replyTo: seller.email }),
        to: invoice.customer.email,
        subject: email.subject,
        text: email.text,
        html: email.html,
        attachments: [{ filename: email.filename, contentType: 'application/pdf', content: pdf }],
      }));
    } catch (error) {
      if (error instanceof MailRejectedError) {
        await fail(request, attempt, {
          reason: `the mail service refused the message (${error.message}); check the customer's email address and resend`,
        });
        return { kind: 'settled', result: 'failed', detail: errorName(error.cause) };
      }
      if (error instanceof MailServiceUnavailableError) {
        return deferOrGiveUp(
          request,
          attempt,
          'mail-service-unavailable',
          errorName(error.cause),
          invoice.delivery.requestedAt,
        );
      }
      // A lost answer — or anything we cannot classify — may mean the message was accepted: never again on our own.
      const what =
        error instanceof MailOutcomeUnknownError ? error.message : `unexpected ${errorName(error)}`;
      await fail(request, attempt, { reason: ambiguousAnswerReason(what), outcome: 'unknown' });
      return { kind: 'settled', result: 'ambiguous', detail: errorName(error) };
    }
    await tracker.markSent(tenantId, invoiceId, requestToken, attempt, messageId, now().toISOString());
    await reminders.forget(tenantId, invoiceId, requestToken);
    return { kind: 'settled', result: 'sent' };
  };
}
