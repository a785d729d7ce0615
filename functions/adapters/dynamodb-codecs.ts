// adapter: domain entities ⇄ DynamoDB items. Personal data goes into one sealed attribute per item; the
// plaintext rest (ids, states, amounts, dates) is bound to it through the encryption context's digest.
import { z } from 'zod';
import type { Customer } from '../domain/customer';
import type { CreditNote, CustomerDetails, Invoice, Payment } from '../domain/invoice';
import { IntegrityError } from '../platform/errors';
import {
  creditNoteKey,
  creditNotesOfInvoiceKey,
  customerEmailKey,
  customerKey,
  customerListKey,
  entityTypes,
  invoiceKey,
  invoiceListKey,
  paymentKey,
} from '../platform/key-layout';
import type { Sealer } from '../ports/sealer';
import { openRecord, sealRecord } from './sealed-record';

type Item = Record<string, unknown>;

/** A postal address as stored inside a sealed part (validated strictly at the API, leniently here). */
export const storedAddressSchema = z.object({
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string(),
  postalCode: z.string(),
  region: z.string().optional(),
  country: z.string(),
});
const customerDetailsSchema = z.object({
  name: z.string(),
  email: z.string(),
  taxId: z.string().optional(),
  address: storedAddressSchema,
  language: z.string().optional(),
});
const sealedBytes = z.instanceof(Uint8Array);

function parseStored<Schema extends z.ZodType>(schema: Schema, item: Item, what: string): z.infer<Schema> {
  const parsed = schema.safeParse(item);
  if (!parsed.success) throw new IntegrityError(`stored ${what} has an unexpected shape`);
  return parsed.data;
}

function parseOpened<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new IntegrityError(`sealed part of ${what} has an unexpected shape`);
  return parsed.data;
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------- invoices

const invoicePlainSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  status: z.enum(['draft', 'issued', 'paid', 'void']),
  number: z.string().nullable(),
  customerId: z.string().nullable(),
  currency: z.string(),
  lines: z.array(
    z.object({
      quantity: z.int(),
      unitAmount: z.int(),
      taxRateBps: z.int(),
      amount: z.int(),
      tax: z.int(),
      creditedQuantity: z.int(),
    }),
  ),
  subtotal: z.int(),
  tax: z.int(),
  total: z.int(),
  amountPaid: z.int(),
  amountDue: z.int(),
  amountCredited: z.int(),
  issueDate: z.string().nullable(),
  dueDate: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.int(),
});
const invoiceSealedSchema = z.object({
  customer: customerDetailsSchema,
  lineDescriptions: z.array(z.string()),
  memo: z.string().optional(),
  voidReason: z.string().optional(),
});
const invoiceItemSchema = invoicePlainSchema.extend({
  delivery: z.object({
    status: z.enum(['none', 'queued', 'sending', 'sent', 'failed']),
    requestToken: z.string().optional(),
    requestedAt: z.string().optional(),
    attempts: z.int().optional(),
    messageId: z.string().optional(),
    sentAt: z.string().optional(),
    reason: z.string().optional(),
    leaseUntil: z.number().optional(),
    retryable: z.boolean().optional(),
  }),
  sealed: sealedBytes,
});

/** Delivery is operational state the deliver function writes, so it is not bound into the digest. */
function invoicePlain(invoice: Invoice): z.infer<typeof invoicePlainSchema> {
  return {
    id: invoice.id,
    tenantId: invoice.tenantId,
    status: invoice.status,
    number: invoice.number,
    customerId: invoice.customerId,
    currency: invoice.currency,
    lines: invoice.lines.map(({ quantity, unitAmount, taxRateBps, amount, tax, creditedQuantity }) => ({
      quantity,
      unitAmount,
      taxRateBps,
      amount,
      tax,
      creditedQuantity,
    })),
    subtotal: invoice.subtotal,
    tax: invoice.tax,
    total: invoice.total,
    amountPaid: invoice.amountPaid,
    amountDue: invoice.amountDue,
    amountCredited: invoice.amountCredited,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    createdAt: invoice.createdAt,
    updatedAt: invoice.updatedAt,
    version: invoice.version,
  };
}

const invoiceIdentity = (tenantId: string, id: string) => ({
  tenantId,
  entityType: entityTypes.invoice,
  entityId: id,
});

export async function invoiceToItem(sealer: Sealer, invoice: Invoice): Promise<Item> {
  const plain = invoicePlain(invoice);
  const sealed = await sealRecord(
    sealer,
    invoiceIdentity(invoice.tenantId, invoice.id),
    plain,
    withoutUndefined({
      customer: invoice.customer,
      lineDescriptions: invoice.lines.map((line) => line.description),
      memo: invoice.memo,
      voidReason: invoice.voidReason,
    }),
  );
  return {
    ...invoiceKey(invoice.tenantId, invoice.id),
    entity: entityTypes.invoice,
    gsi1pk: invoiceListKey(invoice.tenantId),
    gsi1sk: `${invoice.createdAt}#${invoice.id}`,
    ...plain,
    delivery: invoice.delivery,
    sealed,
  };
}

export async function invoiceFromItem(sealer: Sealer, tenantId: string, item: Item): Promise<Invoice> {
  const { sealed, delivery, ...plain } = parseStored(invoiceItemSchema, item, 'invoice');
  if (plain.tenantId !== tenantId || item.pk !== invoiceKey(tenantId, plain.id).pk) {
    throw new IntegrityError(`stored invoice ${plain.id} is not where it belongs`);
  }
  const opened = parseOpened(
    invoiceSealedSchema,
    await openRecord(sealer, invoiceIdentity(tenantId, plain.id), plain, sealed),
    `invoice ${plain.id}`,
  );
  if (opened.lineDescriptions.length !== plain.lines.length) {
    throw new IntegrityError(`sealed lines of invoice ${plain.id} do not match its plaintext lines`);
  }
  return withoutUndefined({
    ...plain,
    customer: opened.customer as CustomerDetails,
    lines: plain.lines.map((line, index) => ({ description: opened.lineDescriptions[index] ?? '', ...line })),
    memo: opened.memo,
    voidReason: opened.voidReason,
    delivery: withoutUndefined(delivery),
  }) as Invoice;
}

// --------------------------------------------------------------------------------------------- customers

const customerPlainSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.int(),
});
const customerSealedSchema = z.object({
  details: customerDetailsSchema,
  paymentReference: z.string().optional(),
});
const customerItemSchema = customerPlainSchema.extend({ sealed: sealedBytes, gsi2pk: z.string() });

const customerIdentity = (tenantId: string, id: string) => ({
  tenantId,
  entityType: entityTypes.customer,
  entityId: id,
});

/** `emailDigest` is the keyed blind index of the normalized email; it is bound into the digest too. */
export async function customerToItem(sealer: Sealer, customer: Customer, emailDigest: string): Promise<Item> {
  const plain = {
    id: customer.id,
    tenantId: customer.tenantId,
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
    version: customer.version,
  };
  const gsi2pk = customerEmailKey(customer.tenantId, emailDigest);
  const sealed = await sealRecord(
    sealer,
    customerIdentity(customer.tenantId, customer.id),
    { ...plain, gsi2pk },
    withoutUndefined({ details: customer.details, paymentReference: customer.paymentReference }),
  );
  return {
    ...customerKey(customer.tenantId, customer.id),
    entity: entityTypes.customer,
    gsi1pk: customerListKey(customer.tenantId),
    gsi1sk: `${customer.createdAt}#${customer.id}`,
    gsi2pk,
    gsi2sk: customer.id,
    ...plain,
    sealed,
  };
}

export async function customerFromItem(sealer: Sealer, tenantId: string, item: Item): Promise<Customer> {
  const { sealed, gsi2pk, ...plain } = parseStored(customerItemSchema, item, 'customer');
  if (plain.tenantId !== tenantId || item.pk !== customerKey(tenantId, plain.id).pk) {
    throw new IntegrityError(`stored customer ${plain.id} is not where it belongs`);
  }
  const opened = parseOpened(
    customerSealedSchema,
    await openRecord(sealer, customerIdentity(tenantId, plain.id), { ...plain, gsi2pk }, sealed),
    `customer ${plain.id}`,
  );
  return withoutUndefined({
    ...plain,
    details: opened.details,
    paymentReference: opened.paymentReference,
  }) as Customer;
}

// ------------------------------------------------------------------------------------------ credit notes

const creditNotePlainSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  invoiceId: z.string(),
  number: z.string(),
  currency: z.string(),
  lines: z.array(
    z.object({
      invoiceLine: z.int().nullable(),
      quantity: z.int(),
      amount: z.int(),
      taxRateBps: z.int(),
      tax: z.int(),
    }),
  ),
  subtotal: z.int(),
  tax: z.int(),
  total: z.int(),
  issueDate: z.string(),
  createdAt: z.string(),
});
const creditNoteSealedSchema = z.object({ reason: z.string(), lineDescriptions: z.array(z.string()) });
const creditNoteItemSchema = creditNotePlainSchema.extend({ sealed: sealedBytes });

const creditNoteIdentity = (tenantId: string, id: string) => ({
  tenantId,
  entityType: entityTypes.creditNote,
  entityId: id,
});

export async function creditNoteToItem(sealer: Sealer, note: CreditNote): Promise<Item> {
  const plain = {
    id: note.id,
    tenantId: note.tenantId,
    invoiceId: note.invoiceId,
    number: note.number,
    currency: note.currency,
    lines: note.lines.map(({ invoiceLine, quantity, amount, taxRateBps, tax }) => ({
      invoiceLine,
      quantity,
      amount,
      taxRateBps,
      tax,
    })),
    subtotal: note.subtotal,
    tax: note.tax,
    total: note.total,
    issueDate: note.issueDate,
    createdAt: note.createdAt,
  };
  const sealed = await sealRecord(sealer, creditNoteIdentity(note.tenantId, note.id), plain, {
    reason: note.reason,
    lineDescriptions: note.lines.map((line) => line.description),
  });
  return {
    ...creditNoteKey(note.tenantId, note.id),
    entity: entityTypes.creditNote,
    gsi1pk: creditNotesOfInvoiceKey(note.tenantId, note.invoiceId),
    gsi1sk: `${note.createdAt}#${note.id}`,
    ...plain,
    sealed,
  };
}

export async function creditNoteFromItem(sealer: Sealer, tenantId: string, item: Item): Promise<CreditNote> {
  const { sealed, ...plain } = parseStored(creditNoteItemSchema, item, 'credit note');
  if (plain.tenantId !== tenantId || item.pk !== creditNoteKey(tenantId, plain.id).pk) {
    throw new IntegrityError(`stored credit note ${plain.id} is not where it belongs`);
  }
  const opened = parseOpened(
    creditNoteSealedSchema,
    await openRecord(sealer, creditNoteIdentity(tenantId, plain.id), plain, sealed),
    `credit note ${plain.id}`,
  );
  return {
    ...plain,
    reason: opened.reason,
    lines: plain.lines.map((line, index) => ({ description: opened.lineDescriptions[index] ?? '', ...line })),
  };
}

// ---------------------------------------------------------------------------------------------- payments

const paymentPlainSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  invoiceId: z.string(),
  amount: z.int(),
  paidOn: z.string(),
  method: z.enum(['bank_transfer', 'card', 'cash', 'direct_debit', 'other']),
  createdAt: z.string(),
});
const paymentItemSchema = paymentPlainSchema.extend({ sealed: sealedBytes });

const paymentIdentity = (tenantId: string, id: string) => ({
  tenantId,
  entityType: entityTypes.payment,
  entityId: id,
});

export async function paymentToItem(sealer: Sealer, tenantId: string, payment: Payment): Promise<Item> {
  const plain = {
    id: payment.id,
    tenantId,
    invoiceId: payment.invoiceId,
    amount: payment.amount,
    paidOn: payment.paidOn,
    method: payment.method,
    createdAt: payment.createdAt,
  };
  // The external reference may name a person or an account, so it is sealed like any personal data.
  const sealed = await sealRecord(sealer, paymentIdentity(tenantId, payment.id), plain, {
    reference: payment.reference ?? null,
  });
  return {
    ...paymentKey(tenantId, payment.invoiceId, payment.createdAt, payment.id),
    entity: entityTypes.payment,
    ...plain,
    sealed,
  };
}

export async function paymentFromItem(sealer: Sealer, tenantId: string, item: Item): Promise<Payment> {
  const { sealed, tenantId: storedTenant, ...plain } = parseStored(paymentItemSchema, item, 'payment');
  if (storedTenant !== tenantId)
    throw new IntegrityError(`stored payment ${plain.id} is not where it belongs`);
  const opened = parseOpened(
    z.object({ reference: z.string().nullable() }),
    await openRecord(sealer, paymentIdentity(tenantId, plain.id), { ...plain, tenantId }, sealed),
    `payment ${plain.id}`,
  );
  return withoutUndefined({ ...plain, reference: opened.reference ?? undefined }) as Payment;
}
