// port: commits one business change atomically — the entities it touches, the number it consumes, the audit
// event that records it and the idempotency result that replays it — or nothing at all.
import type { AuditEntry } from '../domain/audit-chain';
import type { CreditNote } from '../domain/credit-note';
import type { Customer } from '../domain/customer';
import type { Invoice, Payment } from '../domain/invoice';
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

/**
 * One bulk issue: drafts numbered `firstValue`, `firstValue + 1`, … of `sequence` in the order given, all or
 * nothing. Too many items for one DynamoDB transaction, so the DynamoDB ledger holds the drafts, takes the
 * numbers with the job record (the commit point), then writes the issued invoices; see dynamodb-ledger.ts.
 */
export interface BulkIssuePlan {
  /** Derived from the tenant and the ordered ids: the same list always names the same job. */
  readonly jobId: string;
  readonly sequence: SequenceId;
  readonly firstValue: number;
  /**
   * The drafts as read (their version and delivery are the hold's conditions), what each becomes and, when the run
   * sends, the sweeper's reminder for its send request (written with the invoice).
   */
  readonly invoices: readonly {
    readonly draft: Invoice;
    readonly issued: Invoice;
    readonly reminder?: DeliveryReminder;
  }[];
  /** Every id of the job in order (on a resume, `invoices` holds only the ones still to write). */
  readonly invoiceIds: readonly string[];
  readonly send: boolean;
  /**
   * When the run sends: every email counted against the tenant's hourly cap at the commit point (a run that would
   * pass it is refused whole). None on a resume: the commit point counted them.
   */
  readonly sendCount?: Extract<LedgerChange, { readonly type: 'countSends' }>;
  /** Continues a job committed by an earlier attempt: no hold, no new numbers, only what is left to write. */
  readonly resume: boolean;
  /** The entry for the whole run, and one per invoice (as a single issue writes). */
  readonly audit: AuditEntry;
  readonly invoiceAudits: readonly AuditEntry[];
}

/** A committed bulk issue job, as the ledger recorded it at its commit point. */
export interface BulkIssueJob {
  readonly jobId: string;
  readonly invoiceIds: readonly string[];
  readonly sequence: SequenceId;
  readonly firstValue: number;
  readonly send: boolean;
  readonly committedAt: string;
  readonly done: boolean;
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
  /** Commits a bulk issue (see BulkIssuePlan); ConcurrentChangeError when a draft or the counter moved first. */
  commitBulkIssue(tenantId: string, plan: BulkIssuePlan, idempotency?: IdempotentResult): Promise<void>;
  /** The committed job of this id, if one was committed. */
  bulkIssueJob(tenantId: string, jobId: string): Promise<BulkIssueJob | undefined>;
  /** Last value taken from a counter (0 when none yet). */
  currentNumber(tenantId: string, sequence: SequenceId): Promise<number>;
}
