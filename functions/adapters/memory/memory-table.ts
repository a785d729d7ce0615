// adapter (memory): the state the in-memory adapters share, as one table would hold it — entities copied in and
// out, so nobody can change stored state by holding on to an object.
import type { AuditEvent, ChainHead, PendingAuditEntry, SignedCheckpoint } from '../../domain/audit-chain';
import type { CreditNote } from '../../domain/credit-note';
import type { Customer } from '../../domain/customer';
import type { Invoice, Payment } from '../../domain/invoice';
import type { SellerProfile } from '../../domain/seller';
import type { ApiClientRecord } from '../../ports/api-client-directory';
import type { DeliveryReminder } from '../../ports/delivery-tracker';
import type { BulkIssueJob, StoredResponse } from '../../ports/ledger';
import type { SellerProfileRecord } from '../../ports/seller-profiles';
import { Faults } from './faults';

export interface IdempotencyRecord {
  state: 'in-progress' | 'completed';
  requestHash: string;
  claimToken: string;
  leaseExpiresAt: number;
  expiresAt: number;
  response?: StoredResponse;
}

const within = (tenantId: string, id: string) => `${tenantId}/${id}`;

export class MemoryTable {
  readonly faults = new Faults();
  readonly invoices = new Map<string, Invoice>();
  readonly customers = new Map<string, { customer: Customer; emailDigest: string }>();
  readonly payments = new Map<string, Payment[]>();
  readonly creditNotes = new Map<string, CreditNote>();
  readonly sequences = new Map<string, number>();
  readonly auditEvents = new Map<string, AuditEvent[]>();
  /** Entries written by commits and not chained yet, in commit order (the stream's order), per tenant. */
  readonly auditEntries = new Map<string, PendingAuditEntry[]>();
  readonly auditCheckpoints = new Map<string, SignedCheckpoint[]>();
  /** The chain writer's head per tenant (absent until it first appends). */
  readonly auditHeads = new Map<string, ChainHead>();
  readonly bulkIssueJobs = new Map<string, BulkIssueJob>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly sellers = new Map<string, SellerProfileRecord>();
  readonly clients = new Map<string, ApiClientRecord>();
  /** Delivery reminders by tenant/invoice, as the DELIVERY#DUE# items hold them. */
  readonly reminders = new Map<string, DeliveryReminder>();
  /** Requested emails per tenant and clock hour (`<tenant>/<hour>`), as the SENDS# counters hold them. */
  readonly sendCounters = new Map<string, number>();

  /** Epoch milliseconds; tests move it to expire leases and claims. */
  constructor(public clock: () => number = () => Date.now()) {}

  static key = within;

  getInvoice(tenantId: string, invoiceId: string): Invoice | undefined {
    const stored = this.invoices.get(within(tenantId, invoiceId));
    return stored === undefined ? undefined : structuredClone(stored);
  }

  putInvoice(invoice: Invoice): void {
    this.invoices.set(within(invoice.tenantId, invoice.id), structuredClone(invoice));
  }

  /** Changes the stored invoice in place (delivery bookkeeping); returns false when there is none. */
  updateInvoice(tenantId: string, invoiceId: string, change: (invoice: Invoice) => Invoice): boolean {
    const stored = this.invoices.get(within(tenantId, invoiceId));
    if (stored === undefined) return false;
    this.invoices.set(within(tenantId, invoiceId), structuredClone(change(structuredClone(stored))));
    return true;
  }

  pendingAuditOf(tenantId: string): PendingAuditEntry[] {
    const entries = this.auditEntries.get(tenantId) ?? [];
    this.auditEntries.set(tenantId, entries);
    return entries;
  }

  checkpointsOf(tenantId: string): SignedCheckpoint[] {
    const checkpoints = this.auditCheckpoints.get(tenantId) ?? [];
    this.auditCheckpoints.set(tenantId, checkpoints);
    return checkpoints;
  }

  /** Chained events, in sequence order. */
  auditOf(tenantId: string): AuditEvent[] {
    const events = this.auditEvents.get(tenantId) ?? [];
    this.auditEvents.set(tenantId, events);
    return events;
  }

  /** Seller profiles and API clients are onboarding data: tests put them in directly. */
  putSeller(tenantId: string, profile: SellerProfile, version = 1): void {
    this.sellers.set(tenantId, {
      profile: structuredClone(profile),
      version,
      updatedAt: new Date(this.clock()).toISOString(),
    });
  }

  putClient(record: ApiClientRecord): void {
    this.clients.set(record.clientId, { ...record });
  }
}
