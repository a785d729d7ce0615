// port: turns an invoice document into the file sent to the customer (PDF bytes). No AWS, no PDF library.
import type { InvoiceDocument } from '../domain/invoice-document';

export interface InvoiceRenderer {
  /** Resolves to the rendered document; rejects with InvoiceRenderError when the input cannot be rendered. */
  render(document: InvoiceDocument): Promise<Uint8Array>;
}

/** The document could not be rendered (invalid amount, currency, date, or a renderer failure in `cause`). */
export class InvoiceRenderError extends Error {
  override readonly name = 'InvoiceRenderError';
}
