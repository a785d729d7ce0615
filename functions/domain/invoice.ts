// domain: the invoice entity and its lifecycle draft → issued → paid, issued → void. Pure, no AWS import.
import {
  defaultQueuedGraceSeconds,
  defaultSendLimits,
  epochSeconds,
  isStalled,
  recordInvoiceSend,
  type SendLimits,
} from './delivery';
import { BusinessRuleError, InvalidStateError } from './errors';
import { computeTotals } from './money';

export type InvoiceStatus = 'draft' | 'issued' | 'paid' | 'void';
/** `sending` is internal (a deliverer holds the claim); the API shows it as `queued`. */
export type DeliveryStatus = 'none' | 'queued' | 'sending' | 'sent' | 'failed';

/**
 * Delivery is operational state: the deliver function moves it along after the invoice is issued,
 * without touching the invoice's content (and so without re-sealing it).
 */
export interface Delivery {
  readonly status: DeliveryStatus;
  /** Identifies one send request; the email for a request goes out at most once. */
  readonly requestToken?: string;
  readonly requestedAt?: string;
  readonly attempts?: number;
  readonly messageId?: string;
  readonly sentAt?: string;
  /** Why the last attempt failed, in words a person can act on. */
  readonly reason?: string;
  /**
   * `unknown` on a failed delivery: the mail service may have accepted the message (its answer was lost, or the
   * deliverer died while handing it over), so it may have been delivered and is never sent again automatically.
   */
  readonly outcome?: DeliveryOutcomeKnowledge;
  /** Deliverer's bookkeeping: until when its claim holds (epoch s), and whether a failed attempt may be retried. */
  readonly leaseUntil?: number;
  readonly retryable?: boolean;
  /** `mailing` from the moment the message is handed to the mail service: an interruption then is ambiguous. */
  readonly phase?: 'preparing' | 'mailing';
  /** Epoch seconds: when a retryable attempt may run again (the sweeper re-queues it then). */
  readonly retryAt?: number;
  /** Bumped to make the table stream carry a stalled queued request to the deliverer again. */
  readonly wakeups?: number;
  /** ISO times of this invoice's recent send requests, newest last: what the per-invoice send cap counts. */
  readonly recentSends?: readonly string[];
}

export type DeliveryOutcomeKnowledge = 'unknown';

export interface PostalAddress {
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly postalCode: string;
  readonly region?: string;
  readonly country: string;
}

/** Personal data: sealed at rest, never logged. */
export interface CustomerDetails {
  readonly name: string;
  readonly email: string;
  readonly taxId?: string;
  readonly address: PostalAddress;
  readonly language?: string;
}

export interface LineInput {
  readonly description: string;
  readonly quantity: number;
  readonly unitAmount: number;
  readonly taxRateBps: number;
}

export interface InvoiceLine extends LineInput {
  readonly amount: number;
  readonly tax: number;
  /** Units of this line already credited by credit notes. */
  readonly creditedQuantity: number;
}

export interface Invoice {
  readonly id: string;
  readonly tenantId: string;
  readonly status: InvoiceStatus;
  readonly number: string | null;
  readonly customerId: string | null;
  readonly currency: string;
  /** For a draft with a customerId, the customer's details when last read; frozen at issue. */
  readonly customer: CustomerDetails;
  readonly lines: readonly InvoiceLine[];
  readonly subtotal: number;
  readonly tax: number;
  readonly total: number;
  readonly amountPaid: number;
  readonly amountDue: number;
  readonly amountCredited: number;
  readonly issueDate: string | null;
  readonly dueDate: string | null;
  readonly memo?: string;
  readonly voidReason?: string;
  readonly delivery: Delivery;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic-concurrency counter; every write increments it. */
  readonly version: number;
}

export interface DraftContent {
  readonly customer: CustomerDetails;
  readonly customerId: string | null;
  readonly currency: string;
  readonly lines: readonly LineInput[];
  readonly dueDate?: string | undefined;
  readonly memo?: string | undefined;
}

export const defaultPaymentTermsDays = 30;

function priced(lines: readonly LineInput[]) {
  const totals = computeTotals(lines);
  return {
    lines: lines.map((line, index) => {
      const lineTotals = totals.lines[index];
      if (lineTotals === undefined) throw new Error('totals and lines out of step');
      return { ...line, ...lineTotals, creditedQuantity: 0 };
    }),
    subtotal: totals.subtotal,
    tax: totals.tax,
    total: totals.total,
  };
}

export function createDraftInvoice(
  content: DraftContent,
  identity: { readonly id: string; readonly tenantId: string; readonly now: Date },
): Invoice {
  const timestamp = identity.now.toISOString();
  const totals = priced(content.lines);
  return {
    id: identity.id,
    tenantId: identity.tenantId,
    status: 'draft',
    number: null,
    customerId: content.customerId,
    currency: content.currency,
    customer: content.customer,
    ...totals,
    amountPaid: 0,
    amountDue: totals.total,
    amountCredited: 0,
    issueDate: null,
    dueDate: content.dueDate ?? null,
    ...(content.memo === undefined ? {} : { memo: content.memo }),
    delivery: { status: 'none' },
    createdAt: timestamp,
    updatedAt: timestamp,
    version: 1,
  };
}

function requireDraft(invoice: Invoice, action: string): void {
  if (invoice.status !== 'draft') {
    throw new InvalidStateError(
      `invoice is ${invoice.status}; an issued invoice cannot be changed (${action}) — void it or issue a credit note instead`,
    );
  }
}

/** The version and timestamp every change of an invoice moves. */
export function touched(invoice: Invoice, now: Date) {
  return { updatedAt: now.toISOString(), version: invoice.version + 1 };
}

/** Replaces a draft's content; fields left out of the patch keep their value, `null` clears an optional one. */
export function updateDraft(
  invoice: Invoice,
  patch: {
    readonly customer?: CustomerDetails;
    readonly customerId?: string | null;
    readonly currency?: string;
    readonly lines?: readonly LineInput[];
    readonly dueDate?: string | null;
    readonly memo?: string | null;
  },
  now: Date,
): Invoice {
  requireDraft(invoice, 'update');
  const lines =
    patch.lines ??
    invoice.lines.map(({ description, quantity, unitAmount, taxRateBps }) => ({
      description,
      quantity,
      unitAmount,
      taxRateBps,
    }));
  const totals = priced(lines);
  const { memo: _memo, ...rest } = invoice;
  const memo = patch.memo === undefined ? invoice.memo : (patch.memo ?? undefined);
  return {
    ...rest,
    customer: patch.customer ?? invoice.customer,
    customerId: patch.customerId === undefined ? invoice.customerId : patch.customerId,
    currency: patch.currency ?? invoice.currency,
    ...totals,
    amountDue: totals.total,
    dueDate: patch.dueDate === undefined ? invoice.dueDate : patch.dueDate,
    ...(memo === undefined ? {} : { memo }),
    ...touched(invoice, now),
  };
}

export function assertDeletable(invoice: Invoice): void {
  requireDraft(invoice, 'delete');
}

function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Freezes content and the customer snapshot, assigns the number, sets issue and due dates. */
export function issueInvoice(
  invoice: Invoice,
  issue: { readonly number: string; readonly customer: CustomerDetails; readonly now: Date },
): Invoice {
  requireDraft(invoice, 'issue');
  const issueDate = issue.now.toISOString().slice(0, 10);
  const dueDate = invoice.dueDate ?? addDays(issueDate, defaultPaymentTermsDays);
  if (dueDate < issueDate) {
    throw new BusinessRuleError(
      `the due date ${dueDate} is before the issue date ${issueDate}; update the draft first`,
    );
  }
  return {
    ...invoice,
    status: invoice.total === 0 ? 'paid' : 'issued',
    number: issue.number,
    customer: issue.customer,
    issueDate,
    dueDate,
    ...touched(invoice, issue.now),
  };
}

export interface Payment {
  readonly id: string;
  readonly invoiceId: string;
  readonly amount: number;
  readonly paidOn: string;
  readonly method: 'bank_transfer' | 'card' | 'cash' | 'direct_debit' | 'other';
  readonly reference?: string;
  readonly createdAt: string;
}

export function recordPayment(invoice: Invoice, payment: Payment, now: Date): Invoice {
  if (invoice.status !== 'issued') {
    throw new InvalidStateError(
      `a payment can be recorded only on an issued invoice; this one is ${invoice.status}`,
    );
  }
  if (payment.amount > invoice.amountDue) {
    throw new BusinessRuleError(
      `the payment of ${payment.amount} exceeds the amount due of ${invoice.amountDue}`,
    );
  }
  const amountPaid = invoice.amountPaid + payment.amount;
  const amountDue = invoice.amountDue - payment.amount;
  return {
    ...invoice,
    amountPaid,
    amountDue,
    status: amountDue === 0 ? 'paid' : 'issued',
    ...touched(invoice, now),
  };
}

export function voidInvoice(invoice: Invoice, reason: string, now: Date): Invoice {
  if (invoice.status !== 'issued') {
    throw new InvalidStateError(`only an issued invoice can be voided; this one is ${invoice.status}`);
  }
  if (invoice.amountPaid > 0 || invoice.amountCredited > 0) {
    throw new InvalidStateError(
      'an invoice with payments or credit notes cannot be voided; issue a credit note instead',
    );
  }
  return {
    ...invoice,
    status: 'void',
    voidReason: reason,
    // A void invoice asks nobody to pay: nothing is due (its total stays as issued, for the record).
    amountDue: 0,
    delivery: cancelledDelivery(invoice.delivery),
    ...touched(invoice, now),
  };
}

/** Why a queued email did not go out; shown on the invoice's delivery. */
export const voidedBeforeSendingReason = 'not sent: the invoice was voided before its email went out';

/**
 * A queued email of a voided invoice is cancelled, and so is one waiting for its retry after the mail service
 * refused it (nothing is in flight then: no deliverer holds the claim). The request token stays, so a deliverer
 * that comes for it finds nothing to do. One being sent cannot be called back: it stays as it is and the
 * deliverer, which checks the invoice right before sending, stops if it has not sent yet.
 */
function cancelledDelivery(delivery: Delivery): Delivery {
  const waitingForRetry = delivery.status === 'sending' && delivery.retryable === true;
  if (delivery.status !== 'queued' && !waitingForRetry) return delivery;
  const { leaseUntil: _lease, retryable: _retryable, phase: _phase, retryAt: _retryAt, ...rest } = delivery;
  return { ...rest, status: 'failed', reason: voidedBeforeSendingReason };
}

/**
 * Asks for the invoice to be emailed. A request while one is still on its way is the same request (no second
 * email); once sent, another email needs `resend`, so a retried call can never mail the customer twice. A
 * pending request that stalled (its deliverer died, or none took it) is replaced — unless it was interrupted
 * while handing the email to the mail service: then it may have been delivered, and only `resend` sends again.
 * Every new request counts against the invoice's send cap (SendLimitReachedError).
 */
export function requestDelivery(
  invoice: Invoice,
  request: {
    readonly token: string;
    readonly now: Date;
    readonly resend: boolean;
    readonly limits?: SendLimits;
    readonly queuedGraceSeconds?: number;
  },
): { readonly invoice: Invoice; readonly alreadyQueued: boolean } {
  if (invoice.status === 'draft' || invoice.status === 'void') {
    throw new InvalidStateError(
      `a ${invoice.status} invoice cannot be sent; only issued or paid invoices can`,
    );
  }
  const current = invoice.delivery;
  if (current.status === 'queued' || current.status === 'sending') {
    const stalled = isStalled(
      current,
      epochSeconds(request.now),
      request.queuedGraceSeconds ?? defaultQueuedGraceSeconds,
    );
    if (!stalled) return { invoice, alreadyQueued: true };
    if (current.status === 'sending' && current.phase === 'mailing' && !request.resend) {
      throw new InvalidStateError(
        'the last send was interrupted while the email was being handed to the mail service, so it may have been delivered; send {"resend": true} to email it again',
      );
    }
  }
  if (current.status === 'failed' && current.outcome === 'unknown' && !request.resend) {
    throw new InvalidStateError(
      'the last email may have been delivered (its outcome is unknown); check with the customer, then send {"resend": true} to email it again',
    );
  }
  if (current.status === 'sent' && !request.resend) {
    throw new InvalidStateError(
      `this invoice was already sent at ${current.sentAt ?? 'an earlier time'}; send {"resend": true} to email it again`,
    );
  }
  const recentSends = recordInvoiceSend(
    current.recentSends,
    request.now,
    request.limits ?? defaultSendLimits,
  );
  return {
    invoice: {
      ...invoice,
      delivery: {
        status: 'queued',
        requestToken: request.token,
        requestedAt: request.now.toISOString(),
        attempts: 0,
        recentSends,
      },
      ...touched(invoice, request.now),
    },
    alreadyQueued: false,
  };
}

export function toDeliveryView(delivery: Delivery) {
  return {
    status: delivery.status === 'sending' ? 'queued' : delivery.status,
    ...(delivery.requestedAt === undefined ? {} : { requestedAt: delivery.requestedAt }),
    ...(delivery.attempts === undefined || delivery.attempts === 0 ? {} : { attempts: delivery.attempts }),
    ...(delivery.messageId === undefined ? {} : { messageId: delivery.messageId }),
    ...(delivery.sentAt === undefined ? {} : { sentAt: delivery.sentAt }),
    ...(delivery.reason === undefined ? {} : { reason: delivery.reason }),
    ...(delivery.outcome === undefined ? {} : { outcome: delivery.outcome }),
    ...(delivery.status === 'sending' && delivery.retryable === true && delivery.retryAt !== undefined
      ? { nextAttemptAt: new Date(delivery.retryAt * 1000).toISOString() }
      : {}),
  };
}

/** The invoice as the API shows it (no tenant id, no version, no delivery token). */
export function toInvoiceView(invoice: Invoice) {
  const { tenantId: _tenantId, version: _version, delivery, ...view } = invoice;
  return { ...view, delivery: toDeliveryView(delivery) };
}
