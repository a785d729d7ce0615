// adapter (memory): MemoryTable → the read ports — InvoiceRepository, CustomerRepository, SellerProfiles,
// ApiClientDirectory — ordered and paged as their DynamoDB adapters are (the audit trail: memory-audit.ts).

import type { CreditNote } from '../../domain/credit-note';
import { type Customer, emailIndexPurpose, normalizeEmail } from '../../domain/customer';
import type { Invoice, Payment } from '../../domain/invoice';
import type { SellerProfile } from '../../domain/seller';
import type { ApiClientDirectory, ApiClientRecord } from '../../ports/api-client-directory';
import type { BlindIndexer } from '../../ports/blind-indexer';
import type { CustomerRepository } from '../../ports/customer-repository';
import type { InvoiceFilter, InvoiceRepository } from '../../ports/invoice-repository';
import type { Page } from '../../ports/page';
import type { SellerProfileRecord, SellerProfiles } from '../../ports/seller-profiles';
import { pageOf } from './memory-cursor';
import { MemoryTable } from './memory-table';

const ofTenant = (tenantId: string, key: string) => key.startsWith(`${tenantId}/`);
/** Newest first, as the list index sorts `createdAt#id` descending. */
const newestFirst = (a: { createdAt: string; id: string }, b: { createdAt: string; id: string }) =>
  `${b.createdAt}#${b.id}`.localeCompare(`${a.createdAt}#${a.id}`);

export class MemoryInvoiceRepository implements InvoiceRepository {
  constructor(private readonly table: MemoryTable) {}

  async get(tenantId: string, invoiceId: string): Promise<Invoice | undefined> {
    await this.table.faults.enter('invoices.get');
    return this.table.getInvoice(tenantId, invoiceId);
  }

  async getMany(tenantId: string, invoiceIds: readonly string[]): Promise<readonly (Invoice | undefined)[]> {
    await this.table.faults.enter('invoices.get');
    return invoiceIds.map((id) => this.table.getInvoice(tenantId, id));
  }

  async list(
    tenantId: string,
    filter: InvoiceFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<Invoice>> {
    await this.table.faults.enter('invoices.list');
    const matching = [...this.table.invoices.entries()]
      .filter(([key]) => ofTenant(tenantId, key))
      .map(([, invoice]) => structuredClone(invoice))
      .filter(
        (invoice) =>
          (filter.status === undefined || invoice.status === filter.status) &&
          (filter.customerId === undefined || invoice.customerId === filter.customerId) &&
          (filter.issuedFrom === undefined || (invoice.issueDate ?? '') >= filter.issuedFrom) &&
          (filter.issuedTo === undefined ||
            (invoice.issueDate !== null && invoice.issueDate <= filter.issuedTo)),
      )
      .sort(newestFirst);
    return pageOf(matching, tenantId, 'invoices', limit, cursor);
  }

  async payments(
    tenantId: string,
    invoiceId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<Payment>> {
    const payments = structuredClone(this.table.payments.get(MemoryTable.key(tenantId, invoiceId)) ?? []);
    return pageOf(payments, tenantId, `payments:${invoiceId}`, limit, cursor);
  }

  async creditNotes(
    tenantId: string,
    invoiceId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<CreditNote>> {
    const notes = [...this.table.creditNotes.entries()]
      .filter(([key, note]) => ofTenant(tenantId, key) && note.invoiceId === invoiceId)
      .map(([, note]) => structuredClone(note))
      .sort((a, b) => `${a.createdAt}#${a.id}`.localeCompare(`${b.createdAt}#${b.id}`));
    return pageOf(notes, tenantId, `credit-notes:${invoiceId}`, limit, cursor);
  }

  async getCreditNote(tenantId: string, creditNoteId: string): Promise<CreditNote | undefined> {
    const note = this.table.creditNotes.get(MemoryTable.key(tenantId, creditNoteId));
    return note === undefined ? undefined : structuredClone(note);
  }
}

export class MemoryCustomerRepository implements CustomerRepository {
  constructor(
    private readonly table: MemoryTable,
    private readonly blindIndexer: BlindIndexer,
  ) {}

  async get(tenantId: string, customerId: string): Promise<Customer | undefined> {
    const stored = this.table.customers.get(MemoryTable.key(tenantId, customerId));
    return stored === undefined ? undefined : structuredClone(stored.customer);
  }

  async list(tenantId: string, limit: number, cursor?: string): Promise<Page<Customer>> {
    const customers = [...this.table.customers.entries()]
      .filter(([key]) => ofTenant(tenantId, key))
      .map(([, stored]) => structuredClone(stored.customer))
      .sort(newestFirst);
    return pageOf(customers, tenantId, 'customers', limit, cursor);
  }

  async findByEmail(tenantId: string, email: string): Promise<readonly Customer[]> {
    const digest = await this.blindIndexer.digest(tenantId, emailIndexPurpose, normalizeEmail(email));
    return [...this.table.customers.entries()]
      .filter(([key, stored]) => ofTenant(tenantId, key) && stored.emailDigest === digest)
      .map(([, stored]) => structuredClone(stored.customer));
  }
}

export class MemorySellerProfiles implements SellerProfiles {
  constructor(private readonly table: MemoryTable) {}

  async find(tenantId: string): Promise<SellerProfileRecord | undefined> {
    await this.table.faults.enter('sellers.get');
    const record = this.table.sellers.get(tenantId);
    return record === undefined ? undefined : structuredClone(record);
  }

  async get(tenantId: string): Promise<SellerProfile | undefined> {
    return (await this.find(tenantId))?.profile;
  }

  async put(tenantId: string, profile: SellerProfile): Promise<void> {
    this.table.putSeller(tenantId, profile);
  }
}

export class MemoryApiClientDirectory implements ApiClientDirectory {
  constructor(private readonly table: MemoryTable) {}

  async find(clientId: string): Promise<ApiClientRecord | undefined> {
    await this.table.faults.enter('clients.find');
    const record = this.table.clients.get(clientId);
    return record === undefined ? undefined : { ...record };
  }
}
