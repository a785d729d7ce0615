// application: an invoice's current document as a short-lived link — render it once per state of the invoice and
// of the seller profile, keep it, and link to the kept one. Runs in the render function, which api-read asks.
import { toInvoiceDocument } from '../domain/invoice-document';
import { invoiceDownloadKey } from '../platform/key-layout';
import type { DocumentLibrary } from '../ports/document-store';
import type { InvoiceDocumentLink } from '../ports/invoice-document-links';
import type { InvoiceRenderer } from '../ports/invoice-renderer';
import type { InvoiceRepository } from '../ports/invoice-repository';
import { IntegrityError } from '../ports/sealer';
import type { SellerProfiles } from '../ports/seller-profiles';

/** Long enough for a client to follow the redirect, short enough that a leaked link is soon worthless. */
export const documentLinkSeconds = 60;

export interface InvoiceDocumentLinkDependencies {
  readonly invoices: InvoiceRepository;
  readonly sellers: SellerProfiles;
  readonly renderer: InvoiceRenderer;
  readonly documents: DocumentLibrary;
}

export function makeInvoiceDocumentLinks(dependencies: InvoiceDocumentLinkDependencies) {
  const { invoices, sellers, renderer, documents } = dependencies;

  const link = async (tenantId: string, invoiceId: string): Promise<InvoiceDocumentLink> => {
    const invoice = await invoices.get(tenantId, invoiceId);
    if (invoice === undefined) return { outcome: 'not-found' };
    if (invoice.status === 'draft') {
      return { outcome: 'no-document', reason: 'a draft has no document yet; issue it first' };
    }
    const seller = await sellers.find(tenantId);
    if (seller === undefined) {
      return {
        outcome: 'no-document',
        reason: 'set up the seller profile of this account before rendering invoices',
      };
    }
    // The key is made of the versions of exactly what was just read, so the document stored under it is the
    // document of that state: a payment, a void or a new seller profile moves every later download to a new key.
    const key = invoiceDownloadKey(tenantId, invoice.id, invoice.version, seller.version);
    if (!(await documents.exists(key))) {
      const document = toInvoiceDocument(invoice, seller.profile);
      await documents.put(key, await renderer.render(document), 'application/pdf');
    }
    const url = await documents.temporaryLink(key, documentLinkSeconds, {
      filename: `${invoice.number}.pdf`,
    });
    return { outcome: 'ready', url, expiresInSeconds: documentLinkSeconds };
  };

  return async (tenantId: string, invoiceId: string): Promise<InvoiceDocumentLink> => {
    try {
      return await link(tenantId, invoiceId);
    } catch (error) {
      // api-read raises the security signal and answers 500; the record's contents never leave this function.
      if (error instanceof IntegrityError) return { outcome: 'integrity-failure' };
      throw error;
    }
  };
}
