// port: reads invoices, payments and credit notes for one tenant at a time (writes go through the Ledger).
import type { CreditNote, Invoice, InvoiceStatus, Payment } from '../domain/invoice';

export interface Page<Item> {
  readonly items: readonly Item[];
  /** Opaque; absent on the last page. */
  readonly nextCursor?: string;
}

export interface InvoiceFilter {
  readonly status?: InvoiceStatus;
  readonly customerId?: string;
  readonly issuedFrom?: string;
  readonly issuedTo?: string;
}

export interface InvoiceRepository {
  /** The tenant's invoice, or undefined. Throws IntegrityError if the stored item was altered. */
  get(tenantId: string, invoiceId: string): Promise<Invoice | undefined>;
  /** Newest first, stable across pages. Throws InvalidCursorError for a cursor not made for this tenant. */
  list(tenantId: string, filter: InvoiceFilter, limit: number, cursor?: string): Promise<Page<Invoice>>;
  payments(tenantId: string, invoiceId: string): Promise<readonly Payment[]>;
  creditNotes(tenantId: string, invoiceId: string): Promise<readonly CreditNote[]>;
  getCreditNote(tenantId: string, creditNoteId: string): Promise<CreditNote | undefined>;
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}
