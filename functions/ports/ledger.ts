// port: commits one business change atomically — the entities it touches, the number it consumes, the audit
// event that records it and the idempotency result that replays it — or nothing at all.
import type { AuditEntry } from '../domain/audit-chain';
import type { Customer } from '../domain/customer';
import type { CreditNote, Invoice, Payment } from '../domain/invoice';
import type { SequenceId } from '../domain/numbering';
import type { SellerProfile } from '../domain/seller';
import type { DeliveryReminder } from './delivery-tracker';

export type LedgerChange =
  /** `expectedVersion: null` means the invoice must not exist yet. */
  | {
      readonly type: 'putInvoice';
      readonly invoice: Invoice;
      readonly expectedVersion: number | null;
      /** The delivery state as read, when the change replaces it (a send request); else the invoice's own. */
      readonly expectedDelivery?: Invoice['delivery'];
    }
  | { readonly type: 'deleteInvoice'; readonly invoice: Invoice }
  | { readonly type: 'putCustomer'; readonly customer: Customer; readonly expectedVersion: number | null }
  | { readonly type: 'putPayment'; readonly tenantId: string; readonly payment: Payment }
  | { readonly type: 'putCreditNote'; readonly creditNote: CreditNote }
  /** Replaces the seller profile; `expectedVersion: null` means there must be none yet. */
  | {
      readonly type: 'putSellerProfile';
      readonly tenantId: string;
      readonly profile: SellerProfile;
      readonly version: number;
      readonly expectedVersion: number | null;
      readonly updatedAt: string;
    }
  /** Consumes `value` from the counter, which must currently stand at `value - 1`. */
  | { readonly type: 'takeNumber'; readonly sequence: SequenceId; readonly value: number }
  /** The delivery sweeper's reminder for a send request this commit queues (see DeliveryReminders). */
  | { readonly type: 'remindDelivery'; readonly reminder: DeliveryReminder }
  /**
   * Adds `count` to the tenant's requested emails in clock hour `hour` — atomically, refused with the domain's
   * SendLimitReachedError when the count would pass `limit` (the commit then changes nothing).
   */
  | {
      readonly type: 'countSends';
      readonly hour: string;
      readonly count: number;
      readonly limit: number;
      /** Epoch seconds: when the hour ends (the refusal's Retry-After, and the counter's expiry). */
      readonly windowEndsAt: number;
    };

export interface StoredResponse {
  readonly statusCode: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface IdempotentResult {
  readonly key: string;
  readonly requestHash: string;
  /** The claim this request holds; the commit fails if another request took the key over. */
  readonly claimToken: string;
  readonly response: StoredResponse;
}

/** Another writer changed an item this commit depended on; re-read and try again. */
export class ConcurrentChangeError extends Error {
  override readonly name = 'ConcurrentChangeError';
}

export interface Ledger {
  commit(
    tenantId: string,
    changes: readonly LedgerChange[],
    audit: AuditEntry,
    idempotency?: IdempotentResult,
  ): Promise<void>;
  /** Last value taken from a counter (0 when none yet). */
  currentNumber(tenantId: string, sequence: SequenceId): Promise<number>;
}
