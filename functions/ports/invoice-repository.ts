// port: reads invoices, payments and credit notes for one tenant at a time (writes go through the Ledger).
import type { CreditNote } from '../domain/credit-note';
import type { Invoice, InvoiceStatus, Payment } from '../domain/invoice';
import type { Page } from './page';

export interface InvoiceFilter {
  readonly status?: InvoiceStatus;
  readonly customerId?: string;
  readonly issuedFrom?: string;
  readonly issuedTo?: string;
}

export interface InvoiceRepository {
  /** The tenant's invoice, or undefined. Throws IntegrityError (ports/sealer) if the stored item was altered. */
  get(tenantId: string, invoiceId: string): Promise<Invoice | undefined>;
  /** Up to 100 of the tenant's invoices at once, in the order asked, undefined where there is none. */
  getMany(tenantId: string, invoiceIds: readonly string[]): Promise<readonly (Invoice | undefined)[]>;
  /** Newest first, stable across pages. Throws InvalidCursorError for a cursor not made for this tenant. */
  list(tenantId: string, filter: InvoiceFilter, limit: number, cursor?: string): Promise<Page<Invoice>>;
  /** Oldest first. */
  payments(tenantId: string, invoiceId: string, limit: number, cursor?: string): Promise<Page<Payment>>;
  /** Oldest first. */
  creditNotes(tenantId: string, invoiceId: string, limit: number, cursor?: string): Promise<Page<CreditNote>>;
  getCreditNote(tenantId: string, creditNoteId: string): Promise<CreditNote | undefined>;
}
