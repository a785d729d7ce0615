// domain: the invoice document — what is printed on an issued, paid or void invoice, already computed. Pure.
import { InvalidStateError } from './errors';
import type { Invoice, PostalAddress } from './invoice';
import { AmountTooLargeError, MAX_INVOICE_AMOUNT } from './money';
import { paymentDetailsOf, type SellerProfile } from './seller';

/** A draft has no document: only an issued invoice is numbered and dated. */
export type InvoiceDocumentStatus = 'issued' | 'paid' | 'void';
export const invoiceDocumentStatuses: readonly InvoiceDocumentStatus[] = ['issued', 'paid', 'void'];

export interface InvoiceDocumentLine {
  readonly description: string;
  readonly quantity: number;
  /** Integer minor units of the invoice currency. */
  readonly unitAmount: number;
  /** Basis points: 1900 = 19 %. */
  readonly taxRateBps: number;
  /** quantity × unitAmount, integer minor units (computed by domain/money.ts, not by the renderer). */
  readonly amount: number;
  /** Tax on this line, integer minor units. */
  readonly tax: number;
}

/**
 * Everything printed on an invoice, already computed and decrypted. Contains personal data (buyer name,
 * email, address): a renderer must not log it nor copy it into document metadata.
 */
export interface InvoiceDocument {
  /** `void` and `paid` documents must not read as payable: see amountDue and seller.paymentInstructions. */
  readonly status: InvoiceDocumentStatus;
  readonly seller: {
    readonly name: string;
    readonly address: PostalAddress;
    readonly taxId?: string;
    readonly email?: string;
    /**
     * Free text printed under "Payment details", e.g. IBAN, BIC and the reference to quote. Only on a
     * payable document (see isPayable): toInvoiceDocument leaves it out otherwise.
     */
    readonly paymentInstructions?: string;
  };
  readonly buyer: {
    readonly name: string;
    readonly email: string;
    readonly address: PostalAddress;
    readonly taxId?: string;
  };
  /** e.g. INV-2026-000123 */
  readonly number: string;
  /** ISO date YYYY-MM-DD. */
  readonly issueDate: string;
  /** ISO date YYYY-MM-DD. */
  readonly dueDate: string;
  /** ISO 4217 code; decides how many decimals amounts have. */
  readonly currency: string;
  /** BCP 47 tag, e.g. 'de-DE', 'en-GB', 'fr': labels, money and dates follow it. */
  readonly language: string;
  readonly lines: readonly InvoiceDocumentLine[];
  /** All amounts below are integer minor units. */
  readonly subtotal: number;
  readonly tax: number;
  readonly total: number;
  readonly amountPaid: number;
  readonly amountCredited: number;
  /** What the customer still has to pay: 0 on a paid and on a void document. */
  readonly amountDue: number;
  readonly memo?: string;
}

/** One row of the tax breakdown: the lines taxed at one rate, summed. Integer minor units. */
export interface TaxRateTotal {
  readonly taxRateBps: number;
  /** Σ line amount at this rate (the taxable amount). */
  readonly base: number;
  /** Σ line tax at this rate. */
  readonly tax: number;
}

/** Only an issued document with something left to pay asks for money (and carries the bank details). */
export function isPayable(document: Pick<InvoiceDocument, 'status' | 'amountDue'>): boolean {
  return document.status === 'issued' && document.amountDue > 0;
}

function exactSum(value: bigint, what: string): number {
  if (value > BigInt(MAX_INVOICE_AMOUNT) || value < -BigInt(MAX_INVOICE_AMOUNT)) {
    throw new AmountTooLargeError(`${what} exceeds ${MAX_INVOICE_AMOUNT} minor units`);
  }
  return Number(value);
}

/**
 * The tax per rate, ordered by rate. Summed in BigInt, so each base and tax is the exact sum of its
 * lines whatever their number; throws RangeError for a line amount or tax that is not a safe integer.
 */
export function taxBreakdown(
  lines: readonly Pick<InvoiceDocumentLine, 'taxRateBps' | 'amount' | 'tax'>[],
): TaxRateTotal[] {
  const byRate = new Map<number, { base: bigint; tax: bigint }>();
  for (const line of lines) {
    if (!Number.isSafeInteger(line.amount) || !Number.isSafeInteger(line.tax)) {
      throw new RangeError('line amount and tax must be safe integers');
    }
    const sums = byRate.get(line.taxRateBps) ?? { base: 0n, tax: 0n };
    sums.base += BigInt(line.amount);
    sums.tax += BigInt(line.tax);
    byRate.set(line.taxRateBps, sums);
  }
  return [...byRate.entries()]
    .sort(([left], [right]) => left - right)
    .map(([taxRateBps, sums]) => ({
      taxRateBps,
      base: exactSum(sums.base, `taxable amount at ${taxRateBps} bp`),
      tax: exactSum(sums.tax, `tax at ${taxRateBps} bp`),
    }));
}

/** The document of an issued, paid or void invoice; a draft has none (InvalidStateError). */
export function toInvoiceDocument(invoice: Invoice, seller: SellerProfile): InvoiceDocument {
  if (
    invoice.status === 'draft' ||
    invoice.number === null ||
    invoice.issueDate === null ||
    invoice.dueDate === null
  ) {
    throw new InvalidStateError('only an issued invoice has a document');
  }
  const status = invoice.status;
  // A void invoice is cancelled, not settled: nothing is owed on it, whatever its lines add up to.
  const amountDue = status === 'void' ? 0 : invoice.amountDue;
  const { paymentInstructions: _text, payout: _payout, ...sellerWithoutPayment } = seller;
  const paymentInstructions = paymentDetailsOf(seller);
  // Bank details on a document nobody should pay invite a payment that must then be refunded.
  const printsPayment = paymentInstructions !== undefined && isPayable({ status, amountDue });
  return {
    status,
    seller: printsPayment ? { ...sellerWithoutPayment, paymentInstructions } : sellerWithoutPayment,
    buyer: {
      name: invoice.customer.name,
      email: invoice.customer.email,
      address: invoice.customer.address,
      ...(invoice.customer.taxId === undefined ? {} : { taxId: invoice.customer.taxId }),
    },
    number: invoice.number,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    currency: invoice.currency,
    language: invoice.customer.language ?? 'en',
    lines: invoice.lines.map(({ description, quantity, unitAmount, taxRateBps, amount, tax }) => ({
      description,
      quantity,
      unitAmount,
      taxRateBps,
      amount,
      tax,
    })),
    subtotal: invoice.subtotal,
    tax: invoice.tax,
    total: invoice.total,
    amountPaid: invoice.amountPaid,
    amountCredited: invoice.amountCredited,
    amountDue,
    ...(invoice.memo === undefined ? {} : { memo: invoice.memo }),
  };
}
