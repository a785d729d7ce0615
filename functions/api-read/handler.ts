// entry: api-read — every GET route; its role can read the table and decrypt, never write.

import { PdfKitInvoiceRenderer } from '../adapters/pdfkit-invoice-renderer';
import { verifyChain } from '../domain/audit-chain';
import { toCustomerView } from '../domain/customer';
import { toInvoiceView } from '../domain/invoice';
import { composeInvoiceEmail } from '../domain/invoice-email';
import { readSideFromEnvironment } from '../platform/dependencies';
import { ConflictError, NotFoundError } from '../platform/errors';
import { type Caller, jsonResponse, parsePathParameter, parseQuery, requireNoBody } from '../platform/http';
import { apiMiddleware } from '../platform/middleware';
import { createObservability, type Observability } from '../platform/observability';
import { makeRouter, type Operation } from '../platform/router';
import {
  creditNoteIdSchema,
  customerIdSchema,
  invoiceIdSchema,
  listCustomersQuerySchema,
  listInvoicesQuerySchema,
  pageQuerySchema,
} from '../platform/schemas';
import { toAuditEventView, toCreditNoteView, toPaymentView } from '../platform/views';
import type { AuditTrail } from '../ports/audit-trail';
import type { CustomerRepository } from '../ports/customer-repository';
import type { InvoiceRenderer } from '../ports/invoice-renderer';
import type { InvoiceRepository } from '../ports/invoice-repository';
import type { SellerProfiles } from '../ports/seller-profiles';

export interface ApiReadDependencies {
  readonly invoices: InvoiceRepository;
  readonly customers: CustomerRepository;
  readonly auditTrail: AuditTrail;
  readonly sellers: SellerProfiles;
  readonly renderer: InvoiceRenderer;
  readonly observability: Observability;
}

// Another tenant's id and an unknown id must be indistinguishable.
const invoiceNotFound = () => new NotFoundError('no invoice with this id');
const customerNotFound = () => new NotFoundError('no customer with this id');
const creditNoteNotFound = () => new NotFoundError('no credit note with this id');
const defaultPageSize = 25;

export function makeHandler(dependencies: ApiReadDependencies) {
  const { invoices, customers, auditTrail } = dependencies;

  const loadInvoice = async (event: Parameters<Operation>[0], caller: Caller) => {
    const invoiceId = parsePathParameter(event, 'invoiceId', invoiceIdSchema, invoiceNotFound);
    const invoice = await invoices.get(caller.tenantId, invoiceId);
    if (invoice === undefined) throw invoiceNotFound();
    return invoice;
  };

  const operations: Record<string, Operation> = {
    getInvoice: async (event, caller) => jsonResponse(200, toInvoiceView(await loadInvoice(event, caller))),

    listInvoices: async (event, caller) => {
      const { limit, cursor, ...filter } = parseQuery(event, listInvoicesQuerySchema);
      const page = await invoices.list(caller.tenantId, filter, limit ?? defaultPageSize, cursor);
      return jsonResponse(200, { ...page, items: page.items.map(toInvoiceView) });
    },

    getInvoicePdf: async (event, caller) => {
      const invoice = await loadInvoice(event, caller);
      if (invoice.status === 'draft') throw new ConflictError('a draft has no document yet; issue it first');
      const seller = await dependencies.sellers.get(caller.tenantId);
      if (seller === undefined) {
        throw new ConflictError('set up the seller profile of this account before rendering invoices');
      }
      const { document, filename } = composeInvoiceEmail(invoice, seller);
      const pdf = await dependencies.renderer.render(document);
      return {
        statusCode: 200,
        headers: {
          'content-type': 'application/pdf',
          'content-disposition': `attachment; filename="${filename}"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
        body: Buffer.from(pdf).toString('base64'),
        isBase64Encoded: true,
      };
    },

    listPayments: async (event, caller) => {
      const invoice = await loadInvoice(event, caller);
      const payments = await invoices.payments(caller.tenantId, invoice.id);
      return jsonResponse(200, { items: payments.map(toPaymentView) });
    },

    listCreditNotes: async (event, caller) => {
      const invoice = await loadInvoice(event, caller);
      const notes = await invoices.creditNotes(caller.tenantId, invoice.id);
      return jsonResponse(200, { items: notes.map(toCreditNoteView) });
    },

    getCreditNote: async (event, caller) => {
      const id = parsePathParameter(event, 'creditNoteId', creditNoteIdSchema, creditNoteNotFound);
      const note = await invoices.getCreditNote(caller.tenantId, id);
      if (note === undefined) throw creditNoteNotFound();
      return jsonResponse(200, toCreditNoteView(note));
    },

    getCustomer: async (event, caller) => {
      const id = parsePathParameter(event, 'customerId', customerIdSchema, customerNotFound);
      const customer = await customers.get(caller.tenantId, id);
      if (customer === undefined) throw customerNotFound();
      return jsonResponse(200, toCustomerView(customer));
    },

    listCustomers: async (event, caller) => {
      const { email, limit, cursor } = parseQuery(event, listCustomersQuerySchema);
      if (email !== undefined) {
        const found = await customers.findByEmail(caller.tenantId, email);
        return jsonResponse(200, { items: found.map(toCustomerView) });
      }
      const page = await customers.list(caller.tenantId, limit ?? defaultPageSize, cursor);
      return jsonResponse(200, { ...page, items: page.items.map(toCustomerView) });
    },

    listAuditEvents: async (event, caller) => {
      const { limit, cursor } = parseQuery(event, pageQuerySchema);
      const page = await auditTrail.list(caller.tenantId, limit ?? defaultPageSize, cursor);
      return jsonResponse(200, { ...page, items: page.items.map(toAuditEventView) });
    },

    verifyAuditTrail: async (event, caller) => {
      requireNoBody(event);
      const { events, head } = await auditTrail.readAll(caller.tenantId);
      const result = verifyChain(caller.tenantId, events, head);
      if (!result.valid) {
        dependencies.observability.logger.error('security event: audit chain broken', {
          securityEvent: 'audit-chain-broken',
          tenantId: caller.tenantId,
          firstBrokenSequence: result.firstBrokenSequence,
          reason: result.reason,
        });
      }
      return jsonResponse(
        200,
        result.valid
          ? { valid: true, checked: result.checked }
          : {
              valid: false,
              checked: result.checked,
              firstBrokenSequence: result.firstBrokenSequence,
              reason: result.reason,
            },
      );
    },
  };
  return apiMiddleware(dependencies.observability, makeRouter('api-read', operations));
}

const readSide = readSideFromEnvironment();
export const handler = makeHandler({
  invoices: readSide.invoices,
  customers: readSide.customers,
  auditTrail: readSide.auditTrail,
  sellers: readSide.sellers,
  renderer: new PdfKitInvoiceRenderer(),
  observability: createObservability('api-read'),
});
