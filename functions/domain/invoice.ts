// domain: the invoice entity and its draft creation. Pure, no AWS import.
import { computeTotals } from './money';

export type InvoiceStatus = 'draft' | 'issued' | 'paid' | 'void';
export type DeliveryStatus = 'none' | 'queued' | 'sent' | 'failed';

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
}

export interface InvoiceLine {
  readonly description: string;
  readonly quantity: number;
  readonly unitAmount: number;
  readonly taxRateBps: number;
  readonly amount: number;
  readonly tax: number;
}

export interface Invoice {
  readonly id: string;
  readonly tenantId: string;
  readonly status: InvoiceStatus;
  readonly number: string | null;
  readonly currency: string;
  readonly customer: CustomerDetails;
  readonly lines: readonly InvoiceLine[];
  readonly subtotal: number;
  readonly tax: number;
  readonly total: number;
  readonly amountPaid: number;
  readonly amountDue: number;
  readonly amountCredited: number;
  readonly dueDate: string;
  readonly memo?: string;
  readonly delivery: { readonly status: DeliveryStatus };
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic-concurrency counter; every write increments it. */
  readonly version: number;
}

export interface DraftInvoiceInput {
  readonly customer: CustomerDetails;
  readonly currency: string;
  readonly lines: readonly Omit<InvoiceLine, 'amount' | 'tax'>[];
  readonly dueDate: string;
  readonly memo?: string;
}

export function createDraftInvoice(
  input: DraftInvoiceInput,
  identity: { readonly id: string; readonly tenantId: string; readonly now: Date },
): Invoice {
  const totals = computeTotals(input.lines);
  const timestamp = identity.now.toISOString();
  return {
    id: identity.id,
    tenantId: identity.tenantId,
    status: 'draft',
    number: null,
    currency: input.currency,
    customer: input.customer,
    lines: input.lines.map((line, index) => {
      const lineTotals = totals.lines[index];
      if (lineTotals === undefined) throw new Error('totals and lines out of step');
      return { ...line, ...lineTotals };
    }),
    subtotal: totals.subtotal,
    tax: totals.tax,
    total: totals.total,
    amountPaid: 0,
    amountDue: totals.total,
    amountCredited: 0,
    dueDate: input.dueDate,
    ...(input.memo === undefined ? {} : { memo: input.memo }),
    delivery: { status: 'none' },
    createdAt: timestamp,
    updatedAt: timestamp,
    version: 1,
  };
}

/** The invoice as the API shows it (no tenant id, no version). */
export function toInvoiceView(invoice: Invoice) {
  const { tenantId: _tenantId, version: _version, ...view } = invoice;
  return view;
}
