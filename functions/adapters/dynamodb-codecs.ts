// adapter: domain entities ⇄ DynamoDB items, one sealed-item spec per entity (see sealed-item-codec.ts).
// Personal data goes into the sealed part; the plaintext rest (ids, states, amounts, dates) is bound to it.
import * as z from 'zod/mini';
import type { CreditNote } from '../domain/credit-note';
import type { Customer } from '../domain/customer';
import type { CustomerDetails, Invoice, Payment } from '../domain/invoice';
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
  sellerProfileKey,
} from '../platform/key-layout';
import { postalAddressFields } from '../platform/postal-address-fields';
import { IntegrityError } from '../ports/sealer';
import type { SellerProfileRecord } from '../ports/seller-profiles';
import { defineSealedItem, withoutUndefined } from './sealed-item-codec';

/** A postal address as stored inside a sealed part (validated strictly at the API, leniently here). */
const storedAddressSchema = z.object(postalAddressFields);
const customerDetailsSchema = z.object({
  name: z.string(),
  email: z.string(),
  taxId: z.optional(z.string()),
  address: storedAddressSchema,
  language: z.optional(z.string()),
});

// ---------------------------------------------------------------------------------------------- invoices

const deliverySchema = z.object({
  status: z.enum(['none', 'queued', 'sending', 'sent', 'failed']),
  requestToken: z.optional(z.string()),
  requestedAt: z.optional(z.string()),
  attempts: z.optional(z.int()),
  messageId: z.optional(z.string()),
  sentAt: z.optional(z.string()),
  reason: z.optional(z.string()),
  outcome: z.optional(z.enum(['unknown'])),
  leaseUntil: z.optional(z.number()),
  retryable: z.optional(z.boolean()),
  phase: z.optional(z.enum(['preparing', 'mailing'])),
  retryAt: z.optional(z.number()),
  wakeups: z.optional(z.int()),
  recentSends: z.optional(z.array(z.string())),
});

const invoicePlainSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  status: z.enum(['draft', 'issued', 'paid', 'void']),
  number: z.nullable(z.string()),
  customerId: z.nullable(z.string()),
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
  issueDate: z.nullable(z.string()),
  dueDate: z.nullable(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.int(),
});

/** Delivery is operational state the deliver function writes, so it is stored beside the digest, not in it. */
export const invoiceCodec = defineSealedItem({
  entityType: entityTypes.invoice,
  plainSchema: invoicePlainSchema,
  secretSchema: z.object({
    customer: customerDetailsSchema,
    lineDescriptions: z.array(z.string()),
    memo: z.optional(z.string()),
    voidReason: z.optional(z.string()),
  }),
  key: (plain) => invoiceKey(plain.tenantId, plain.id),
  indexAttributes: (plain) => ({
    gsi1pk: invoiceListKey(plain.tenantId),
    gsi1sk: `${plain.createdAt}#${plain.id}`,
  }),
  unbound: {
    schema: z.object({ delivery: deliverySchema }),
    of: (invoice: Invoice) => ({ delivery: invoice.delivery }),
  },
  split: (invoice: Invoice, _extra: undefined) => {
    const { customer, lines, memo, voidReason, delivery: _delivery, ...rest } = invoice;
    return {
      plain: invoicePlainSchema.parse({
        ...rest,
        lines: lines.map(({ description: _description, ...line }) => line),
      }),
      secret: { customer, lineDescriptions: lines.map((line) => line.description), memo, voidReason },
    };
  },
  join: (plain, secret, unbound) => {
    if (secret.lineDescriptions.length !== plain.lines.length) {
      throw new IntegrityError(`sealed lines of invoice ${plain.id} do not match its plaintext lines`);
    }
    return withoutUndefined({
      ...plain,
      customer: secret.customer as CustomerDetails,
      lines: plain.lines.map((line, index) => ({
        description: secret.lineDescriptions[index] ?? '',
        ...line,
      })),
      memo: secret.memo,
      voidReason: secret.voidReason,
      delivery: withoutUndefined(deliverySchema.parse(unbound.delivery)),
    }) as Invoice;
  },
});

// --------------------------------------------------------------------------------------------- customers

const customerPlainSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.int(),
  /** The keyed blind index of the normalized email: bound too, so it cannot be pointed at another customer. */
  gsi2pk: z.string(),
});

export const customerCodec = defineSealedItem({
  entityType: entityTypes.customer,
  plainSchema: customerPlainSchema,
  secretSchema: z.object({ details: customerDetailsSchema, paymentReference: z.optional(z.string()) }),
  key: (plain) => customerKey(plain.tenantId, plain.id),
  indexAttributes: (plain) => ({
    gsi1pk: customerListKey(plain.tenantId),
    gsi1sk: `${plain.createdAt}#${plain.id}`,
    gsi2sk: plain.id,
  }),
  split: (customer: Customer, emailDigest: string) => ({
    plain: {
      id: customer.id,
      tenantId: customer.tenantId,
      createdAt: customer.createdAt,
      updatedAt: customer.updatedAt,
      version: customer.version,
      gsi2pk: customerEmailKey(customer.tenantId, emailDigest),
    },
    secret: { details: customer.details, paymentReference: customer.paymentReference },
  }),
  join: ({ gsi2pk: _index, ...plain }, secret) =>
    withoutUndefined({
      ...plain,
      details: secret.details,
      paymentReference: secret.paymentReference,
    }) as Customer,
});

// ------------------------------------------------------------------------------------------ credit notes

const creditNotePlainSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  invoiceId: z.string(),
  number: z.string(),
  currency: z.string(),
  lines: z.array(
    z.object({
      invoiceLine: z.nullable(z.int()),
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

export const creditNoteCodec = defineSealedItem({
  entityType: entityTypes.creditNote,
  plainSchema: creditNotePlainSchema,
  secretSchema: z.object({ reason: z.string(), lineDescriptions: z.array(z.string()) }),
  key: (plain) => creditNoteKey(plain.tenantId, plain.id),
  indexAttributes: (plain) => ({
    gsi1pk: creditNotesOfInvoiceKey(plain.tenantId, plain.invoiceId),
    gsi1sk: `${plain.createdAt}#${plain.id}`,
  }),
  split: (note: CreditNote, _extra: undefined) => {
    const { reason, lines, ...rest } = note;
    return {
      plain: creditNotePlainSchema.parse({
        ...rest,
        lines: lines.map(({ description: _description, ...line }) => line),
      }),
      secret: { reason, lineDescriptions: lines.map((line) => line.description) },
    };
  },
  join: (plain, secret): CreditNote => ({
    ...plain,
    reason: secret.reason,
    lines: plain.lines.map((line, index) => ({ description: secret.lineDescriptions[index] ?? '', ...line })),
  }),
});

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

/** The external reference may name a person or an account, so it is sealed like any personal data. */
export const paymentCodec = defineSealedItem({
  entityType: entityTypes.payment,
  plainSchema: paymentPlainSchema,
  secretSchema: z.object({ reference: z.nullable(z.string()) }),
  key: (plain) => paymentKey(plain.tenantId, plain.invoiceId, plain.createdAt, plain.id),
  split: (payment: Payment, tenantId: string) => {
    const { reference, ...rest } = payment;
    return { plain: { ...rest, tenantId }, secret: { reference: reference ?? null } };
  },
  join: ({ tenantId: _tenantId, ...plain }, secret) =>
    withoutUndefined({ ...plain, reference: secret.reference ?? undefined }) as Payment,
});

// ------------------------------------------------------------------------------------------ seller profile

/** May be personal data (a sole trader's name, address and bank account), so all of it is sealed. */
export const sellerProfileCodec = defineSealedItem({
  entityType: entityTypes.sellerProfile,
  plainSchema: z.object({ id: z.string(), tenantId: z.string(), updatedAt: z.string(), version: z.int() }),
  secretSchema: z.object({
    name: z.string(),
    address: storedAddressSchema,
    taxId: z.optional(z.string()),
    email: z.optional(z.string()),
    payout: z.optional(
      z.object({ iban: z.string(), bic: z.optional(z.string()), accountHolder: z.string() }),
    ),
    paymentInstructions: z.optional(z.string()),
  }),
  key: (plain) => sellerProfileKey(plain.tenantId),
  split: (record: SellerProfileRecord, tenantId: string) => ({
    plain: { id: tenantId, tenantId, updatedAt: record.updatedAt, version: record.version },
    secret: record.profile,
  }),
  join: (plain, secret): SellerProfileRecord => ({
    profile: withoutUndefined({
      ...secret,
      ...(secret.payout ? { payout: withoutUndefined(secret.payout) } : {}),
    }),
    version: plain.version,
    updatedAt: plain.updatedAt,
  }),
});
