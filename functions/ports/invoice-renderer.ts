// port: turns an issued invoice into the document sent to the customer (PDF bytes). No AWS, no PDF library.

import type { PostalAddress } from '../domain/invoice';

/** A postal address as printed on the document (country: ISO 3166-1 alpha-2, e.g. 'DE'). */
export type { PostalAddress };

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
  readonly seller: {
    readonly name: string;
    readonly address: PostalAddress;
    readonly taxId?: string;
    readonly email?: string;
    /** Free text printed under "Payment details", e.g. IBAN, BIC and the reference to quote. */
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
  readonly amountDue: number;
  readonly memo?: string;
}

export interface InvoiceRenderer {
  /** Resolves to the rendered document; rejects with InvoiceRenderError when the input cannot be rendered. */
  render(document: InvoiceDocument): Promise<Uint8Array>;
}

/** The document could not be rendered (invalid amount, currency, date, or a renderer failure in `cause`). */
export class InvoiceRenderError extends Error {
  override readonly name = 'InvoiceRenderError';
}
