// application: the invoice write use cases — each loads what it needs, lets the domain decide, and returns the
// plan the mutation runner commits: the changes, the audit entry and the reply.
import { creditInvoice } from '../domain/credit-note';
import { defaultSendLimits, type SendLimits } from '../domain/delivery';
import { BusinessRuleError } from '../domain/errors';
import type { CustomerDetails, Invoice } from '../domain/invoice';
import {
  assertDeletable,
  createDraftInvoice,
  issueInvoice,
  recordPayment,
  requestDelivery,
  toInvoiceView,
  updateDraft,
  voidInvoice,
} from '../domain/invoice';
import { defaultSeries, formatDocumentNumber, type SequenceId } from '../domain/numbering';
import type { IdKind } from '../platform/key-layout';
import type { CustomerRepository } from '../ports/customer-repository';
import type { InvoiceRepository } from '../ports/invoice-repository';
import type { Ledger, LedgerChange } from '../ports/ledger';
import { makeBulkIssue } from './bulk-issue';
import { invoiceNotFound } from './errors';
import type { Caller, Command } from './request';
import { countSends, reminderOf } from './send-bookkeeping';
import { toCreditNoteView, toPaymentView } from './views';

export interface InvoiceCommandDependencies {
  readonly invoices: InvoiceRepository;
  readonly customers: CustomerRepository;
  readonly ledger: Ledger;
  readonly newId: (kind: IdKind) => string;
  /** Caps on requested emails, per invoice and per tenant. @default defaultSendLimits */
  readonly sendLimits?: SendLimits;
}

/**
 * The counter a write takes a number from, as a lane of the mutation runner (tenant, kind, series): issues on one
 * series wait for each other within an instance instead of racing for the counter. Undefined for other writes.
 */
export function numberingLane(
  operationId: string,
  tenantId: string,
  body: { readonly series?: unknown } | undefined,
): string | undefined {
  if (operationId === 'issueInvoice' || operationId === 'issueInvoices') {
    const series = typeof body?.series === 'string' ? body.series : defaultSeries.invoice;
    return `${tenantId}#invoice#${series}`;
  }
  if (operationId === 'createCreditNote') return `${tenantId}#credit-note#${defaultSeries['credit-note']}`;
  return undefined;
}

export function makeInvoiceCommands(dependencies: InvoiceCommandDependencies) {
  const { invoices, customers, ledger, newId } = dependencies;
  const sendLimits = dependencies.sendLimits ?? defaultSendLimits;

  const sendChanges = (invoice: Invoice, now: Date): LedgerChange[] => [
    countSends(sendLimits, 1, now),
    { type: 'remindDelivery', reminder: reminderOf(invoice, now) },
  ];

  const loadInvoice = async (caller: Caller, invoiceId: string): Promise<Invoice> => {
    const invoice = await invoices.get(caller.tenantId, invoiceId);
    if (invoice === undefined) throw invoiceNotFound();
    return invoice;
  };

  const customerDetails = async (caller: Caller, customerId: string): Promise<CustomerDetails> => {
    const customer = await customers.get(caller.tenantId, customerId);
    if (customer === undefined) throw new BusinessRuleError('customerId does not name a customer of yours');
    return customer.details;
  };

  const nextNumber = async (tenantId: string, sequence: SequenceId) => {
    const value = (await ledger.currentNumber(tenantId, sequence)) + 1;
    return { value, number: formatDocumentNumber(sequence, value) };
  };

  const createInvoice: Command<'createInvoice'> = async ({ caller, body }, now) => {
    const customer =
      body.customerId === undefined ? body.customer : await customerDetails(caller, body.customerId);
    if (customer === undefined) throw new BusinessRuleError('a customer is required');
    const invoice = createDraftInvoice(
      {
        customer,
        customerId: body.customerId ?? null,
        currency: body.currency,
        lines: body.lines,
        dueDate: body.dueDate,
        memo: body.memo,
      },
      { id: newId('invoice'), tenantId: caller.tenantId, now },
    );
    return {
      changes: [{ type: 'putInvoice', invoice, expectedVersion: null }],
      audit: {
        action: 'invoice.created',
        entityType: 'invoice',
        entityId: invoice.id,
        details: { total: invoice.total },
      },
      reply: { body: toInvoiceView(invoice), location: `/v1/invoices/${invoice.id}` },
    };
  };

  const updateInvoice: Command<'updateInvoice'> = async ({ caller, body, path }, now) => {
    const invoice = await loadInvoice(caller, path.invoiceId);
    const customer =
      body.customerId !== undefined ? await customerDetails(caller, body.customerId) : body.customer;
    const updated = updateDraft(
      invoice,
      {
        ...(customer === undefined ? {} : { customer }),
        ...(body.customerId !== undefined ? { customerId: body.customerId } : {}),
        ...(body.customer !== undefined ? { customerId: null } : {}),
        ...(body.currency === undefined ? {} : { currency: body.currency }),
        ...(body.lines === undefined ? {} : { lines: body.lines }),
        ...(body.dueDate === undefined ? {} : { dueDate: body.dueDate }),
        ...(body.memo === undefined ? {} : { memo: body.memo }),
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
      reply: { body: toInvoiceView(updated) },
    };
  };

  const deleteInvoice: Command<'deleteInvoice'> = async ({ caller, path }) => {
    const invoice = await loadInvoice(caller, path.invoiceId);
    assertDeletable(invoice);
    return {
      changes: [{ type: 'deleteInvoice', invoice }],
      audit: { action: 'invoice.deleted', entityType: 'invoice', entityId: invoice.id },
      reply: {},
    };
  };

  const issue: Command<'issueInvoice'> = async ({ caller, body, path }, now) => {
    const invoice = await loadInvoice(caller, path.invoiceId);
    // The snapshot is taken now and frozen: later customer edits never change an issued invoice.
    const snapshot =
      invoice.customerId === null
        ? invoice.customer
        : ((await customers.get(caller.tenantId, invoice.customerId))?.details ?? invoice.customer);
    const sequence: SequenceId = {
      kind: 'invoice',
      series: body.series ?? defaultSeries.invoice,
      year: now.getUTCFullYear(),
    };
    const { value, number } = await nextNumber(caller.tenantId, sequence);
    const issued = issueInvoice(invoice, { number, customer: snapshot, now });
    // Issue and send in one commit: the stream sees the invoice already queued for delivery.
    const withDelivery: Invoice =
      body.send === true
        ? requestDelivery(issued, {
            token: newId('deliveryRequest'),
            now,
            resend: false,
            limits: sendLimits,
          }).invoice
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
        ...(body.send === true ? sendChanges(withDelivery, now) : []),
      ],
      audit: {
        action: 'invoice.issued',
        entityType: 'invoice',
        entityId: invoice.id,
        details: { number, total: issued.total, currency: issued.currency, send: body.send === true },
      },
      reply: { body: toInvoiceView(withDelivery) },
    };
  };

  /** A draft of a bulk issue that cannot be issued: the same error, naming which one. */
  const pay: Command<'recordPayment'> = async ({ caller, body, path }, now) => {
    const invoice = await loadInvoice(caller, path.invoiceId);
    const payment = {
      id: newId('payment'),
      invoiceId: invoice.id,
      amount: body.amount,
      paidOn: body.paidOn ?? now.toISOString().slice(0, 10),
      method: body.method ?? 'other',
      ...(body.reference === undefined ? {} : { reference: body.reference }),
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
      reply: { body: { payment: toPaymentView(payment), invoice: toInvoiceView(updated) } },
    };
  };

  const voidIt: Command<'voidInvoice'> = async ({ caller, body, path }, now) => {
    const invoice = await loadInvoice(caller, path.invoiceId);
    const voided = voidInvoice(invoice, body.reason, now);
    return {
      // Conditioned on the delivery as read: a deliverer that claimed it meanwhile makes this re-plan.
      changes: [
        {
          type: 'putInvoice',
          invoice: voided,
          expectedVersion: invoice.version,
          expectedDelivery: invoice.delivery,
        },
      ],
      audit: {
        action: 'invoice.voided',
        entityType: 'invoice',
        entityId: invoice.id,
        details: { number: invoice.number },
      },
      reply: { body: toInvoiceView(voided) },
    };
  };

  const credit: Command<'createCreditNote'> = async ({ caller, body, path }, now) => {
    const invoice = await loadInvoice(caller, path.invoiceId);
    const sequence: SequenceId = {
      kind: 'credit-note',
      series: defaultSeries['credit-note'],
      year: now.getUTCFullYear(),
    };
    const { value, number } = await nextNumber(caller.tenantId, sequence);
    const result = creditInvoice(
      invoice,
      { id: newId('creditNote'), number, reason: body.reason, lines: body.lines },
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
      reply: {
        body: {
          creditNote: toCreditNoteView(result.creditNote),
          invoice: toInvoiceView(result.invoice),
        },
      },
    };
  };

  const send: Command<'sendInvoice'> = async ({ caller, body, path }, now) => {
    const invoice = await loadInvoice(caller, path.invoiceId);
    const requested = requestDelivery(invoice, {
      token: newId('deliveryRequest'),
      now,
      resend: body.resend === true,
      limits: sendLimits,
    });
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
            ...sendChanges(requested.invoice, now),
          ],
      audit: {
        action: requested.alreadyQueued ? 'invoice.send-coalesced' : 'invoice.send-requested',
        entityType: 'invoice',
        entityId: invoice.id,
        details: { resend: body.resend === true },
      },
      reply: { body: toInvoiceView(requested.invoice) },
    };
  };

  return {
    createInvoice,
    updateInvoice,
    deleteInvoice,
    issueInvoice: issue,
    issueInvoices: makeBulkIssue(dependencies),
    sendInvoice: send,
    recordPayment: pay,
    voidInvoice: voidIt,
    createCreditNote: credit,
  };
}
