// application: the invoice read use cases — invoices, their payments and credit notes, and the PDF.
import { InvalidStateError } from '../domain/errors';
import { toInvoiceView } from '../domain/invoice';
import { toInvoiceDocument } from '../domain/invoice-document';
import type { InvoiceRenderer } from '../ports/invoice-renderer';
import type { InvoiceRepository } from '../ports/invoice-repository';
import type { SellerProfiles } from '../ports/seller-profiles';
import { UnknownEntityError } from './errors';
import { invoiceNotFound } from './invoice-commands';
import type { Caller, Query } from './request';
import { toCreditNoteView, toPaymentView } from './views';

export const defaultPageSize = 25;

const creditNoteNotFound = () => new UnknownEntityError('no credit note with this id');

export function makeInvoiceQueries(dependencies: {
  readonly invoices: InvoiceRepository;
  readonly sellers: SellerProfiles;
  readonly renderer: InvoiceRenderer;
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

  const getInvoicePdf: Query<'getInvoicePdf'> = async ({ caller, path }) => {
    const invoice = await loadInvoice(caller, path.invoiceId);
    if (invoice.status === 'draft')
      throw new InvalidStateError('a draft has no document yet; issue it first');
    const seller = await dependencies.sellers.get(caller.tenantId);
    if (seller === undefined) {
      throw new InvalidStateError('set up the seller profile of this account before rendering invoices');
    }
    const document = toInvoiceDocument(invoice, seller);
    const content = await dependencies.renderer.render(document);
    return { document: { content, contentType: 'application/pdf', filename: `${document.number}.pdf` } };
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
