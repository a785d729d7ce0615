// application: the invoice read use cases — invoices, their payments and credit notes, and the PDF's link.
import { InvalidStateError } from '../domain/errors';
import { toInvoiceView } from '../domain/invoice';
import type { InvoiceDocumentLinks } from '../ports/invoice-document-links';
import type { InvoiceRepository } from '../ports/invoice-repository';
import { IntegrityError } from '../ports/sealer';
import { invoiceNotFound, UnknownEntityError } from './errors';
import type { Caller, Query } from './request';
import { toCreditNoteView, toPaymentView } from './views';

export const defaultPageSize = 25;

const creditNoteNotFound = () => new UnknownEntityError('no credit note with this id');

export function makeInvoiceQueries(dependencies: {
  readonly invoices: InvoiceRepository;
  readonly documentLinks: InvoiceDocumentLinks;
}) {
  const { invoices } = dependencies;

  const loadInvoice = async (caller: Caller, invoiceId: string) => {
    const invoice = await invoices.get(caller.tenantId, invoiceId);
    if (invoice === undefined) throw invoiceNotFound();
    return invoice;
  };

  const getInvoice: Query<'getInvoice'> = async ({ caller, path }) => ({
    body: toInvoiceView(await loadInvoice(caller, path.invoiceId)),
  });

  const listInvoices: Query<'listInvoices'> = async ({ caller, query }) => {
    const { limit, cursor, ...filter } = query;
    const page = await invoices.list(caller.tenantId, filter, limit ?? defaultPageSize, cursor);
    return { body: { ...page, items: page.items.map(toInvoiceView) } };
  };

  // The PDF is rendered by the render function (pdfkit is too heavy for an API bundle) and fetched from the
  // documents bucket through the short-lived link it answers; the client follows a 303 there.
  const getInvoicePdf: Query<'getInvoicePdf'> = async ({ caller, path }) => {
    const link = await dependencies.documentLinks.link(caller.tenantId, path.invoiceId);
    switch (link.outcome) {
      case 'ready':
        return { location: link.url };
      case 'not-found':
        throw invoiceNotFound();
      case 'no-document':
        throw new InvalidStateError(link.reason);
      case 'integrity-failure':
        throw new IntegrityError('the invoice or seller profile failed its integrity check while rendering');
    }
  };

  const listPayments: Query<'listPayments'> = async ({ caller, path, query }) => {
    const invoice = await loadInvoice(caller, path.invoiceId);
    const page = await invoices.payments(
      caller.tenantId,
      invoice.id,
      query.limit ?? defaultPageSize,
      query.cursor,
    );
    return { body: { ...page, items: page.items.map(toPaymentView) } };
  };

  const listCreditNotes: Query<'listCreditNotes'> = async ({ caller, path, query }) => {
    const invoice = await loadInvoice(caller, path.invoiceId);
    const page = await invoices.creditNotes(
      caller.tenantId,
      invoice.id,
      query.limit ?? defaultPageSize,
      query.cursor,
    );
    return { body: { ...page, items: page.items.map(toCreditNoteView) } };
  };

  const getCreditNote: Query<'getCreditNote'> = async ({ caller, path }) => {
    const note = await invoices.getCreditNote(caller.tenantId, path.creditNoteId);
    if (note === undefined) throw creditNoteNotFound();
    return { body: toCreditNoteView(note) };
  };

  return { getInvoice, listInvoices, getInvoicePdf, listPayments, listCreditNotes, getCreditNote };
}
