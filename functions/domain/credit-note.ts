// domain: credit notes — crediting invoice lines by units or free amounts, never more than is still due. Pure, no
// AWS import.
import { BusinessRuleError, InvalidStateError } from './errors';
import { type Invoice, touched } from './invoice';
import { divideRoundHalfAwayFromZero, lineTax } from './money';

export type CreditLineInput =
  | { readonly invoiceLine: number; readonly quantity: number }
  | { readonly description: string; readonly amount: number; readonly taxRateBps: number };

export interface CreditNoteLine {
  readonly description: string;
  readonly invoiceLine: number | null;
  readonly quantity: number;
  readonly amount: number;
  readonly taxRateBps: number;
  readonly tax: number;
}

export interface CreditNote {
  readonly id: string;
  readonly tenantId: string;
  readonly invoiceId: string;
  readonly number: string;
  readonly currency: string;
  readonly reason: string;
  readonly lines: readonly CreditNoteLine[];
  readonly subtotal: number;
  readonly tax: number;
  readonly total: number;
  readonly issueDate: string;
  readonly createdAt: string;
}

/**
 * Credits whole invoice lines (by units) or free amounts. The credit can never exceed what is still due
 * (total − paid − already credited), so nothing can turn negative; when nothing remains due the invoice is
 * settled and becomes `paid`. Refunds of money already paid are a separate money movement, not a credit note.
 */
export function creditInvoice(
  invoice: Invoice,
  credit: {
    readonly id: string;
    readonly number: string;
    readonly reason: string;
    readonly lines: readonly CreditLineInput[];
  },
  now: Date,
): { readonly invoice: Invoice; readonly creditNote: CreditNote } {
  if (invoice.status !== 'issued') {
    throw new InvalidStateError(
      `only an issued invoice with an amount due can be credited; this one is ${invoice.status}`,
    );
  }
  const creditedQuantities = invoice.lines.map((line) => line.creditedQuantity);
  const lines: CreditNoteLine[] = credit.lines.map((input) => {
    if ('invoiceLine' in input) {
      const line = invoice.lines[input.invoiceLine];
      const already = creditedQuantities[input.invoiceLine];
      if (line === undefined || already === undefined) {
        throw new BusinessRuleError(`invoice line ${input.invoiceLine} does not exist`);
      }
      if (already + input.quantity > line.quantity) {
        throw new BusinessRuleError(
          `line ${input.invoiceLine} has ${line.quantity - already} creditable units left, not ${input.quantity}`,
        );
      }
      creditedQuantities[input.invoiceLine] = already + input.quantity;
      // Each credit takes the difference of cumulative shares, so crediting a line's units in any number of
      // pieces adds up to exactly the line's amount and tax — rounding can never over- or under-credit.
      const share = (value: number, units: number) =>
        divideRoundHalfAwayFromZero(BigInt(value) * BigInt(units), BigInt(line.quantity));
      const amount = Number(share(line.amount, already + input.quantity) - share(line.amount, already));
      const tax = Number(share(line.tax, already + input.quantity) - share(line.tax, already));
      return {
        description: line.description,
        invoiceLine: input.invoiceLine,
        quantity: input.quantity,
        amount,
        taxRateBps: line.taxRateBps,
        tax,
      };
    }
    const tax = Number(lineTax(BigInt(input.amount), input.taxRateBps));
    return {
      description: input.description,
      invoiceLine: null,
      quantity: 1,
      amount: input.amount,
      taxRateBps: input.taxRateBps,
      tax,
    };
  });
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  const tax = lines.reduce((sum, line) => sum + line.tax, 0);
  const total = subtotal + tax;
  if (total <= 0) throw new BusinessRuleError('a credit note must credit a positive amount');
  if (total > invoice.amountDue) {
    throw new BusinessRuleError(
      `the credit of ${total} exceeds the ${invoice.amountDue} still creditable on this invoice`,
    );
  }
  const amountCredited = invoice.amountCredited + total;
  const amountDue = invoice.amountDue - total;
  const timestamp = now.toISOString();
  return {
    invoice: {
      ...invoice,
      lines: invoice.lines.map((line, index) => ({
        ...line,
        creditedQuantity: creditedQuantities[index] ?? 0,
      })),
      amountCredited,
      amountDue,
      status: amountDue === 0 ? 'paid' : 'issued',
      ...touched(invoice, now),
    },
    creditNote: {
      id: credit.id,
      tenantId: invoice.tenantId,
      invoiceId: invoice.id,
      number: credit.number,
      currency: invoice.currency,
      reason: credit.reason,
      lines,
      subtotal,
      tax,
      total,
      issueDate: timestamp.slice(0, 10),
      createdAt: timestamp,
    },
  };
}
