// port: stores and loads invoices for one tenant at a time.
import type { Invoice } from '../domain/invoice';

export interface InvoiceRepository {
  /** Stores a new invoice; fails if the id already exists. */
  create(invoice: Invoice): Promise<void>;
  /** The tenant's invoice, or undefined. Throws IntegrityError if the stored item was altered. */
  get(tenantId: string, invoiceId: string): Promise<Invoice | undefined>;
}
