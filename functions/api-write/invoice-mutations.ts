// entry support: the invoice write operations of api-write, as plans the mutation runner commits.
import type { CustomerDetails, Invoice } from '../domain/invoice';
import {
  assertDeletable,
  createDraftInvoice,
  creditInvoice,
  issueInvoice,
  recordPayment,
  requestDelivery,
  toInvoiceView,
  updateDraft,
  voidInvoice,
} from '../domain/invoice';
import { defaultSeries, formatDocumentNumber, type SequenceId } from '../domain/numbering';
import { NotFoundError, UnprocessableError } from '../platform/errors';
import { type Caller, jsonResponse, parseJsonBody, parsePathParameter } from '../platform/http';
import type { Mutation } from '../platform/mutations';
import {
  createInvoiceSchema,
  creditNoteSchema,
  invoiceIdSchema,
  issueInvoiceSchema,
  recordPaymentSchema,
  sendInvoiceSchema,
  updateInvoiceSchema,
  voidInvoiceSchema,
} from '../platform/schemas';
import { toCreditNoteView, toPaymentView } from '../platform/views';
import type { CustomerRepository } from '../ports/customer-repository';
import type { InvoiceRepository } from '../ports/invoice-repository';
import type { Ledger } from '../ports/ledger';

export interface InvoiceMutationDependencies {
  readonly invoices: InvoiceRepository;
  readonly customers: CustomerRepository;
  readonly ledger: Ledger;
  readonly newId: (prefix: string) => string;
}

// Another tenant's id and an unknown id must be indistinguishable.
export const invoiceNotFound = () => new NotFoundError('no invoice with this id');

export function makeInvoiceMutations(dependencies: InvoiceMutationDependencies) {
  const { invoices, customers, ledger, newId } = dependencies;

  const loadInvoice = async (event: Parameters<Mutation>[0], caller: Caller): Promise<Invoice> => {
    const invoiceId = parsePathParameter(event, 'invoiceId', invoiceIdSchema, invoiceNotFound);
    const invoice = await invoices.get(caller.tenantId, invoiceId);
    if (invoice === undefined) throw invoiceNotFound();
    return invoice;
  };

  const customerDetails = async (caller: Caller, customerId: string): Promise<CustomerDetails> => {
    const customer = await customers.get(caller.tenantId, customerId);
    if (customer === undefined) throw new UnprocessableError('customerId does not name a customer of yours');
    return customer.details;
  };

  const nextNumber = async (tenantId: string, sequence: SequenceId) => {
    const value = (await ledger.currentNumber(tenantId, sequence)) + 1;
    return { value, number: formatDocumentNumber(sequence, value) };
  };

  const createInvoice: Mutation = async (event, caller, now) => {
    const input = parseJsonBody(event, createInvoiceSchema);
    const customer =
      input.customerId === undefined ? input.customer : await customerDetails(caller, input.customerId);
    if (customer === undefined) throw new UnprocessableError('a customer is required');
    const invoice = createDraftInvoice(
      {
        customer,
        customerId: input.customerId ?? null,
        currency: input.currency,
        lines: input.lines,
        dueDate: input.dueDate,
        memo: input.memo,
      },
      { id: newId('inv'), tenantId: caller.tenantId, now },
    );
    const response = jsonResponse(201, toInvoiceView(invoice));
    return {
      changes: [{ type: 'putInvoice', invoice, expectedVersion: null }],
      audit: {
        action: 'invoice.created',
        entityType: 'invoice',
        entityId: invoice.id,
        details: { total: invoice.total },
      },
      response: { ...response, headers: { ...response.headers, location: `/v1/invoices/${invoice.id}` } },
    };
  };

  const updateInvoice: Mutation = async (event, caller, now) => {
    const invoice = await loadInvoice(event, caller);
    const input = parseJsonBody(event, updateInvoiceSchema);
    const customer =
      input.customerId !== undefined ? await customerDetails(caller, input.customerId) : input.customer;
    const updated = updateDraft(
      invoice,
      {
        ...(customer === undefined ? {} : { customer }),
        ...(input.customerId !== undefined ? { customerId: input.customerId } : {}),
        ...(input.customer !== undefined ? { customerId: null } : {}),
        ...(input.currency === undefined ? {} : { currency: input.currency }),
        ...(input.lines === undefined ? {} : { lines: input.lines }),
        ...(input.dueDate === undefined ? {} : { dueDate: input.dueDate }),
        ...(input.memo === undefined ? {} : { memo: input.memo }),
      },
      now,
    );
    return {
      changes: [{ type: 'putInvoice', invoice: updated, expectedVersion: invoice.version }],
      audit: {
        action: 'invoice.updated',
        entityType: 'invoice',
        entityId: invoice.id,
        details: { total: updated.total },
      },
      response: jsonResponse(200, toInvoiceView(updated)),
    };
  };

  const deleteInvoice: Mutation = async (event, caller) => {
    const invoice = await loadInvoice(event, caller);
    assertDeletable(invoice);
    return {
      changes: [{ type: 'deleteInvoice', invoice }],
      audit: { action: 'invoice.deleted', entityType: 'invoice', entityId: invoice.id },
      response: { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' },
    };
  };

  const issue: Mutation = async (event, caller, now) => {
    const input = parseJsonBody(event, issueInvoiceSchema, { emptyIsObject: true });
    const invoice = await loadInvoice(event, caller);
    // The snapshot is taken now and frozen: later customer edits never change an issued invoice.
    const snapshot =
      invoice.customerId === null
        ? invoice.customer
        : ((await customers.get(caller.tenantId, invoice.customerId))?.details ?? invoice.customer);
    const sequence: SequenceId = {
      kind: 'invoice',
      series: input.series ?? defaultSeries.invoice,
      year: now.getUTCFullYear(),
    };
    const { value, number } = await nextNumber(caller.tenantId, sequence);
    const issued = issueInvoice(invoice, { number, customer: snapshot, now });
    // Issue and send in one commit: the stream sees the invoice already queued for delivery.
    const withDelivery: Invoice =
      input.send === true
        ? requestDelivery(issued, { token: newId('dlv'), now, resend: false }).invoice
        : issued;
    return {
      changes: [
        { type: 'takeNumber', sequence, value },
        {
          type: 'putInvoice',
          invoice: withDelivery,
          expectedVersion: invoice.version,
          expectedDelivery: invoice.delivery,
        },
      ],
      audit: {
        action: 'invoice.issued',
        entityType: 'invoice',
        entityId: invoice.id,
        details: { number, total: issued.total, currency: issued.currency, send: input.send === true },
      },
      response: jsonResponse(200, toInvoiceView(withDelivery)),
    };
  };

  const pay: Mutation = async (event, caller, now) => {
    const input = parseJsonBody(event, recordPaymentSchema);
    const invoice = await loadInvoice(event, caller);
    const payment = {
      id: newId('pay'),
      invoiceId: invoice.id,
      amount: input.amount,
      paidOn: input.paidOn ?? now.toISOString().slice(0, 10),
      method: input.method ?? 'other',
      ...(input.reference === undefined ? {} : { reference: input.reference }),
      createdAt: now.toISOString(),
    } as const;
    const updated = recordPayment(invoice, payment, now);
    return {
      changes: [
        { type: 'putPayment', tenantId: caller.tenantId, payment },
        { type: 'putInvoice', invoice: updated, expectedVersion: invoice.version },
      ],
      audit: {
        action: 'invoice.payment-recorded',
        entityType: 'invoice',
        entityId: invoice.id,
        details: { paymentId: payment.id, amount: payment.amount, amountDue: updated.amountDue },
      },
      response: jsonResponse(201, { payment: toPaymentView(payment), invoice: toInvoiceView(updated) }),
    };
  };

  const voidIt: Mutation = async (event, caller, now) => {
    const input = parseJsonBody(event, voidInvoiceSchema);
    const invoice = await loadInvoice(event, caller);
    const voided = voidInvoice(invoice, input.reason, now);
    return {
      changes: [{ type: 'putInvoice', invoice: voided, expectedVersion: invoice.version }],
      audit: {
        action: 'invoice.voided',
        entityType: 'invoice',
        entityId: invoice.id,
        details: { number: invoice.number },
      },
      response: jsonResponse(200, toInvoiceView(voided)),
    };
  };

  const credit: Mutation = async (event, caller, now) => {
    const input = parseJsonBody(event, creditNoteSchema);
    const invoice = await loadInvoice(event, caller);
    const sequence: SequenceId = {
      kind: 'credit-note',
      series: defaultSeries['credit-note'],
      year: now.getUTCFullYear(),
    };
    const { value, number } = await nextNumber(caller.tenantId, sequence);
    const result = creditInvoice(
      invoice,
      { id: newId('cn'), number, reason: input.reason, lines: input.lines },
      now,
    );
    return {
      changes: [
        { type: 'takeNumber', sequence, value },
        { type: 'putCreditNote', creditNote: result.creditNote },
        { type: 'putInvoice', invoice: result.invoice, expectedVersion: invoice.version },
      ],
      audit: {
        action: 'invoice.credited',
        entityType: 'invoice',
        entityId: invoice.id,
        details: { creditNoteId: result.creditNote.id, number, total: result.creditNote.total },
      },
      response: jsonResponse(201, {
        creditNote: toCreditNoteView(result.creditNote),
        invoice: toInvoiceView(result.invoice),
      }),
    };
  };

  const send: Mutation = async (event, caller, now) => {
    const input = parseJsonBody(event, sendInvoiceSchema, { emptyIsObject: true });
    const invoice = await loadInvoice(event, caller);
    const requested = requestDelivery(invoice, { token: newId('dlv'), now, resend: input.resend === true });
    return {
      changes: requested.alreadyQueued
        ? []
        : [
            {
              type: 'putInvoice',
              invoice: requested.invoice,
              expectedVersion: invoice.version,
              expectedDelivery: invoice.delivery,
            },
          ],
      audit: {
        action: requested.alreadyQueued ? 'invoice.send-coalesced' : 'invoice.send-requested',
        entityType: 'invoice',
        entityId: invoice.id,
        details: { resend: input.resend === true },
      },
      response: jsonResponse(202, toInvoiceView(requested.invoice)),
    };
  };

  return {
    sendInvoice: send,
    createInvoice,
    updateInvoice,
    deleteInvoice,
    issueInvoice: issue,
    recordPayment: pay,
    voidInvoice: voidIt,
    createCreditNote: credit,
  };
}
