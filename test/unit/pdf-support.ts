// test support: invoice documents for the PDF renderer tests, and reading a rendered PDF back with pdf.js (unpdf).
import { extractTextItems, getDocumentProxy, getMeta } from 'unpdf';
import { PdfKitInvoiceRenderer } from '../../functions/adapters/pdfkit-invoice-renderer';
import type { InvoiceDocument } from '../../functions/domain/invoice-document';
import { computeTotals } from '../../functions/domain/money';

export const fixedClock = () => new Date('2026-09-03T10:00:00Z');
export const renderer = new PdfKitInvoiceRenderer({ now: fixedClock });

export type LineInput = Pick<
  InvoiceDocument['lines'][number],
  'description' | 'quantity' | 'unitAmount' | 'taxRateBps'
>;

export const sellerPaymentInstructions =
  'IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX · Reference INV-2026-000123';

/** A consistent issued invoice: line amounts and totals come from the domain's own arithmetic. */
export function invoice(
  lines: readonly LineInput[],
  overrides: Partial<Omit<InvoiceDocument, 'lines'>> = {},
): InvoiceDocument {
  const totals = computeTotals(lines);
  const amountPaid = overrides.amountPaid ?? 0;
  const amountCredited = overrides.amountCredited ?? 0;
  return {
    status: 'issued',
    seller: {
      name: 'Acme Widgets GmbH',
      address: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
      taxId: 'DE123456789',
      email: 'billing@acme.example',
      paymentInstructions: sellerPaymentInstructions,
    },
    buyer: {
      name: 'Jane Q. Buyer',
      email: 'jane.buyer@example.com',
      address: { line1: '10 Downing Street', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' },
      taxId: 'GB999999973',
    },
    number: 'INV-2026-000123',
    issueDate: '2026-09-03',
    dueDate: '2026-10-03',
    currency: 'EUR',
    language: 'en-GB',
    lines: lines.map(
      (line, index) => ({ ...line, ...totals.lines[index] }) as InvoiceDocument['lines'][number],
    ),
    subtotal: totals.subtotal,
    tax: totals.tax,
    total: totals.total,
    amountPaid,
    amountCredited,
    amountDue: totals.total - amountPaid - amountCredited,
    ...overrides,
  };
}

export const twoLines: readonly LineInput[] = [
  { description: 'Consulting, September', quantity: 2, unitAmount: 12000, taxRateBps: 1900 },
  { description: 'Printed handbook', quantity: 1, unitAmount: 3000, taxRateBps: 700 },
];

/** Every space-like character as one space: Intl and the PDF use no-break spaces inside amounts. */
export function spaced(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export interface ReadBack {
  readonly totalPages: number;
  /** Each page's text items joined by spaces. */
  readonly pages: readonly string[];
  readonly text: string;
  readonly items: Awaited<ReturnType<typeof extractTextItems>>['items'];
  readonly info: Record<string, unknown>;
  readonly xmp: unknown;
}

export async function readPdf(bytes: Uint8Array): Promise<ReadBack> {
  // pdf.js takes ownership of the buffer it is given: hand it a copy.
  const pdf = await getDocumentProxy(bytes.slice());
  try {
    const { totalPages, items } = await extractTextItems(pdf);
    const { info, metadata } = await getMeta(pdf);
    const pages = items.map((page) => spaced(page.map((item) => item.str).join(' ')));
    return { totalPages, pages, text: pages.join(' '), items, info, xmp: metadata };
  } finally {
    await pdf.destroy();
  }
}
