// port: the deliver function's claim on one send request, and what it records about the outcome.

export type ClaimResult =
  | { readonly outcome: 'claimed'; readonly attempt: number }
  /** Already sent, failed for good, or replaced by a newer request: nothing to do. */
  | { readonly outcome: 'done' }
  /** Another deliverer holds a live claim: try again later. */
  | { readonly outcome: 'busy' }
  /** A claim expired mid-send (the deliverer died): the email may or may not have left. */
  | { readonly outcome: 'interrupted' };

export interface DeliveryTracker {
  claim(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    leaseSeconds: number,
  ): Promise<ClaimResult>;
  /** Nothing was sent; the next attempt may claim again. */
  release(tenantId: string, invoiceId: string, requestToken: string, reason: string): Promise<void>;
  markSent(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    messageId: string,
    sentAt: string,
  ): Promise<void>;
  markFailed(tenantId: string, invoiceId: string, requestToken: string, reason: string): Promise<void>;
}
