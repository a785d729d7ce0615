// application: delivering one send request — claim it, render and store the PDF, email it once, and record the
// outcome on the invoice. At most one email per request: a claim comes before the send, and nothing is sent
// again automatically once the mail service may have accepted the message.
import { voidedBeforeSendingReason } from '../domain/invoice';
import { composeInvoiceEmail } from '../domain/invoice-email';
import { invoiceDocumentKey } from '../platform/key-layout';
import type { DeliveryTracker } from '../ports/delivery-tracker';
import type { DocumentStore } from '../ports/document-store';
import type { InvoiceRenderer } from '../ports/invoice-renderer';
import type { InvoiceRepository } from '../ports/invoice-repository';
import { type Mailer, MailRejectedError, MailServiceUnavailableError } from '../ports/mailer';
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
  readonly renderer: InvoiceRenderer;
  readonly documents: DocumentStore;
  readonly mailer: Mailer;
  readonly fromAddress: string;
  /** @default the clock */
  readonly now?: () => Date;
  /** Send attempts per request before the invoice is marked failed (the stream source retries more). @default 5 */
  readonly maxAttempts?: number;
  /** How long a claim holds before another deliverer may call it interrupted. @default 120 */
  readonly leaseSeconds?: number;
}

export type DeliveryOutcome =
  /** Nothing more to do for this request: sent, settled as failed, or replaced by a newer one. */
  | {
      readonly kind: 'settled';
      readonly result: 'sent' | 'failed' | 'already-settled' | 'interrupted' | 'cancelled';
    }
  /** Passing trouble (mail service down, another deliverer busy): deliver this request again later. */
  | { readonly kind: 'retry'; readonly reason: 'mail-service-unavailable' | 'busy' };

export function makeInvoiceDelivery(dependencies: DeliveryDependencies) {
  const maxAttempts = dependencies.maxAttempts ?? 5;
  const leaseSeconds = dependencies.leaseSeconds ?? 120;
  const now = dependencies.now ?? (() => new Date());
  const { tracker } = dependencies;

  /** Loads, renders and stores the document; undefined when the request was settled as failed instead. */
  const prepare = async ({ tenantId, invoiceId, requestToken }: DeliveryRequest) => {
    const invoice = await dependencies.invoices.get(tenantId, invoiceId);
    if (invoice === undefined) {
      await tracker.markFailed(tenantId, invoiceId, requestToken, 'the invoice no longer exists');
      return undefined;
    }
    const seller = await dependencies.sellers.get(tenantId);
    if (seller === undefined) {
      await tracker.markFailed(
        tenantId,
        invoiceId,
        requestToken,
        'no seller profile is set up for this account, so the invoice cannot say who it is from',
      );
      return undefined;
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

  /** Resolves with what became of the request; throws only when preparing failed for an unexpected reason. */
  return async (request: DeliveryRequest): Promise<DeliveryOutcome> => {
    const { tenantId, invoiceId, requestToken } = request;
    const claim = await tracker.claim(tenantId, invoiceId, requestToken, leaseSeconds);
    if (claim.outcome === 'done') return { kind: 'settled', result: 'already-settled' };
    if (claim.outcome === 'busy') return { kind: 'retry', reason: 'busy' };
    if (claim.outcome === 'interrupted') {
      // A deliverer died between handing the email to the mail service and recording it. Sending again could
      // mail the customer twice, so we stop and say so; a person decides whether to resend.
      await tracker.markFailed(
        tenantId,
        invoiceId,
        requestToken,
        'delivery was interrupted; the email may have been sent. Check with the customer, then POST /send with {"resend": true} if needed',
      );
      return { kind: 'settled', result: 'interrupted' };
    }

    // Until the mail service has the message, nothing has left: any failure gives the claim back, so the
    // retry can claim again instead of finding a live lease and mistaking it for an interrupted send.
    let prepared: Awaited<ReturnType<typeof prepare>>;
    try {
      prepared = await prepare(request);
    } catch (error) {
      await tracker.release(
        tenantId,
        invoiceId,
        requestToken,
        'the invoice could not be prepared for sending; operations have been alerted',
      );
      throw error;
    }
    if (prepared === undefined) return { kind: 'settled', result: 'failed' };
    const { invoice, seller, email, pdf } = prepared;
    // Rendering takes a while; a void that committed meanwhile must still stop the email. (The claim already
    // refuses a void invoice; this narrows the window between claim and send to one read.)
    if ((await dependencies.invoices.get(tenantId, invoiceId))?.status === 'void') {
      await tracker.markFailed(tenantId, invoiceId, requestToken, voidedBeforeSendingReason);
      return { kind: 'settled', result: 'cancelled' };
    }
    try {
      const { messageId } = await dependencies.mailer.send({
        from: dependencies.fromAddress,
        ...(seller.email === undefined ? {} : { replyTo: seller.email }),
        to: invoice.customer.email,
        subject: email.subject,
        text: email.text,
        html: email.html,
        attachments: [{ filename: email.filename, contentType: 'application/pdf', content: pdf }],
      });
      await tracker.markSent(tenantId, invoiceId, requestToken, messageId, now().toISOString());
      return { kind: 'settled', result: 'sent' };
    } catch (error) {
      if (error instanceof MailRejectedError) {
        await tracker.markFailed(
          tenantId,
          invoiceId,
          requestToken,
          `the mail service refused the message (${error.message}); check the customer's email address and resend`,
        );
        return { kind: 'settled', result: 'failed' };
      }
      if (!(error instanceof MailServiceUnavailableError)) throw error;
      if (claim.attempt >= maxAttempts) {
        await tracker.markFailed(
          tenantId,
          invoiceId,
          requestToken,
          `the mail service was unreachable for ${claim.attempt} attempts; POST /send again once it is back`,
        );
        return { kind: 'settled', result: 'failed' };
      }
      await tracker.release(tenantId, invoiceId, requestToken, 'the mail service is unreachable; retrying');
      return { kind: 'retry', reason: 'mail-service-unavailable' };
    }
  };
}
