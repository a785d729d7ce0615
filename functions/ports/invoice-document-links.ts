// port: the current document of an invoice as a short-lived link — what api-read asks the render function for.

export type InvoiceDocumentLink =
  /** The document of the invoice as it is now, rendered (once per state) and stored; `url` expires soon. */
  | { readonly outcome: 'ready'; readonly url: string; readonly expiresInSeconds: number }
  | { readonly outcome: 'not-found' }
  /** A draft, or an account without a seller profile: there is nothing to print yet; `reason` says what to do. */
  | { readonly outcome: 'no-document'; readonly reason: string }
  /** A stored record failed its cryptographic check; nothing was rendered. */
  | { readonly outcome: 'integrity-failure' };

export interface InvoiceDocumentLinks {
  /** `tenantId` is the caller's, from the authorizer: the link can only ever name that tenant's document. */
  link(tenantId: string, invoiceId: string): Promise<InvoiceDocumentLink>;
}

/** The document service failed (it could not be reached, or it failed unexpectedly). */
export class DocumentServiceError extends Error {
  override readonly name = 'DocumentServiceError';
}
