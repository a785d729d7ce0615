// platform: request schemas at the trust boundary (zod) — what the functions parse; the response bodies the OpenAPI
// document describes are in response-schemas.ts, which no Lambda bundle carries.
import * as z from 'zod';
import { isCurrencyCode } from '../domain/currencies';
import { seriesOwner } from '../domain/numbering';
import { isValidIban } from '../domain/seller';
import {
  emailAddress,
  evenAfterOtherIssues,
  freeText,
  refuseCardNumberAcrossAddress,
  refuseCardNumberAcrossDescriptions,
} from './free-text-schema';
import { idPatterns } from './key-layout';

/**
 * A request body schema, built the first time a request of its route is parsed (then kept). Each function's router
 * parses the bodies of its own routes only, and a request one route's: built at module scope, every body schema of
 * every route would be built at each cold start of both API functions — api-read parses none of them.
 */
function builtOnFirstUse<Schema extends z.ZodType>(build: () => Schema): () => Schema {
  let schema: Schema | undefined;
  return () => {
    schema ??= build();
    return schema;
  };
}

const isoDate = z.iso.date();

export const addressSchema = builtOnFirstUse(() =>
  z
    .strictObject({
      line1: freeText(200),
      line2: freeText(200).optional(),
      city: freeText(100),
      postalCode: freeText(20),
      region: freeText(100).optional(),
      country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "DE"'),
    })
    .superRefine(refuseCardNumberAcrossAddress, evenAfterOtherIssues),
);

const languageSchema = builtOnFirstUse(() =>
  z
    .string()
    .regex(
      /^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|\d{3}))?$/,
      'must be a BCP 47 tag such as "de" or "en-GB"',
    ),
);

export const customerDetailsSchema = builtOnFirstUse(() =>
  z.strictObject({
    name: freeText(200),
    email: emailAddress(),
    taxId: freeText(50).optional(),
    address: addressSchema(),
    language: languageSchema().optional(),
  }),
);

export const lineInputSchema = builtOnFirstUse(() =>
  z.strictObject({
    description: freeText(500),
    quantity: z.int().min(1).max(1_000_000),
    unitAmount: z.int().min(0).max(100_000_000_000),
    taxRateBps: z.int().min(0).max(10_000),
  }),
);

const invoiceLinesSchema = builtOnFirstUse(() =>
  z
    .array(lineInputSchema())
    .min(1)
    .max(100)
    .superRefine(refuseCardNumberAcrossDescriptions, evenAfterOtherIssues),
);

export const currencySchema = builtOnFirstUse(() =>
  z.string().refine(isCurrencyCode, { message: 'must be an active ISO 4217 currency code such as "EUR"' }),
);

export const invoiceIdSchema = z.string().regex(idPatterns.invoice);
export const customerIdSchema = z.string().regex(idPatterns.customer);
export const creditNoteIdSchema = z.string().regex(idPatterns.creditNote);

export const createInvoiceSchema = builtOnFirstUse(() =>
  z
    .strictObject({
      customer: customerDetailsSchema().optional(),
      customerId: customerIdSchema.optional(),
      currency: currencySchema(),
      lines: invoiceLinesSchema(),
      dueDate: isoDate.optional(),
      memo: freeText(2000).optional(),
    })
    .refine((body) => (body.customer === undefined) !== (body.customerId === undefined), {
      message: 'give either "customer" (inline details) or "customerId", not both and not neither',
      path: ['customer'],
    }),
);

export const updateInvoiceSchema = builtOnFirstUse(() =>
  z
    .strictObject({
      customer: customerDetailsSchema().optional(),
      customerId: customerIdSchema.optional(),
      currency: currencySchema().optional(),
      lines: invoiceLinesSchema().optional(),
      dueDate: isoDate.nullable().optional(),
      memo: freeText(2000).nullable().optional(),
    })
    .refine((body) => body.customer === undefined || body.customerId === undefined, {
      message: 'give either "customer" or "customerId", not both',
      path: ['customer'],
    })
    .refine((body) => Object.keys(body).length > 0, { message: 'nothing to update' }),
);

/**
 * An invoice series. A printed number is series-year-counter, so two document kinds could print the same number
 * only through the same series: the credit notes' series are theirs alone.
 */
const invoiceSeriesSchema = builtOnFirstUse(() =>
  z
    .string()
    .regex(/^[A-Z][A-Z0-9]{0,9}$/, 'must be 1–10 capital letters or digits, starting with a letter')
    .superRefine((series, context) => {
      const owner = seriesOwner(series);
      if (owner !== undefined && owner !== 'invoice') {
        context.addIssue({
          code: 'custom',
          message: `"${series}" is reserved for ${owner} numbers: a printed number must be unique across all document kinds, so choose another series`,
        });
      }
    }),
);

export const issueInvoiceSchema = builtOnFirstUse(() =>
  z.strictObject({
    send: z.boolean().optional(),
    series: invoiceSeriesSchema().optional(),
  }),
);

/** The most drafts one bulk issue takes: a billing run is split into requests of this size. */
export const maxBulkIssue = 100;

export const bulkIssueSchema = builtOnFirstUse(() =>
  z.strictObject({
    invoiceIds: z
      .array(invoiceIdSchema)
      .min(1, 'name at least one draft')
      .max(maxBulkIssue, `at most ${maxBulkIssue} drafts per request; split the run into several requests`)
      .refine((ids) => new Set(ids).size === ids.length, 'each draft may appear only once'),
    send: z.boolean().optional(),
    series: invoiceSeriesSchema().optional(),
  }),
);

export const sendInvoiceSchema = builtOnFirstUse(() => z.strictObject({ resend: z.boolean().optional() }));

export const recordPaymentSchema = builtOnFirstUse(() =>
  z.strictObject({
    amount: z.int().min(1).max(1_000_000_000_000_000),
    paidOn: isoDate.optional(),
    method: z.enum(['bank_transfer', 'card', 'cash', 'direct_debit', 'other']).optional(),
    reference: freeText(200).optional(),
  }),
);

export const voidInvoiceSchema = builtOnFirstUse(() => z.strictObject({ reason: freeText(500) }));

export const creditNoteSchema = builtOnFirstUse(() =>
  z.strictObject({
    reason: freeText(500),
    lines: z
      .array(
        z.union([
          z.strictObject({ invoiceLine: z.int().min(0).max(99), quantity: z.int().min(1).max(1_000_000) }),
          z.strictObject({
            description: freeText(500),
            amount: z.int().min(1).max(100_000_000_000),
            taxRateBps: z.int().min(0).max(10_000),
          }),
        ]),
      )
      .min(1)
      .max(100)
      .superRefine(refuseCardNumberAcrossDescriptions, evenAfterOtherIssues),
  }),
);

export const createCustomerSchema = builtOnFirstUse(() =>
  customerDetailsSchema().extend({
    paymentReference: freeText(100).optional(),
  }),
);

export const updateCustomerSchema = builtOnFirstUse(() =>
  z
    .strictObject({
      name: freeText(200).optional(),
      email: emailAddress().optional(),
      taxId: freeText(50).optional(),
      address: addressSchema().optional(),
      language: languageSchema().optional(),
      paymentReference: freeText(100).nullable().optional(),
    })
    .refine((body) => Object.keys(body).length > 0, { message: 'nothing to update' }),
);

const limitSchema = z.coerce.number().int().min(1).max(100).optional();
const cursorSchema = z.string().max(2048).optional();

export const listInvoicesQuerySchema = z.strictObject({
  status: z.enum(['draft', 'issued', 'paid', 'void']).optional(),
  customerId: customerIdSchema.optional(),
  issuedFrom: isoDate.optional(),
  issuedTo: isoDate.optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const listCustomersQuerySchema = z.strictObject({
  email: z.string().max(254).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const pageQuerySchema = z.strictObject({ limit: limitSchema, cursor: cursorSchema });

/** The most events one verification request recomputes; `nextCursor` continues where it stopped. */
export const maxVerificationEvents = 1000;

export const auditVerificationQuerySchema = z.strictObject({
  /** Where to begin: the first event (default), or the latest signed checkpoint. Ignored with a cursor. */
  from: z.enum(['genesis', 'checkpoint']).optional(),
  limit: z.coerce.number().int().min(1).max(maxVerificationEvents).optional(),
  cursor: cursorSchema,
});

/** IBANs are entered with or without spaces; stored in electronic format and checked (mod 97). */
const ibanSchema = builtOnFirstUse(() =>
  z
    .string()
    .max(42)
    .transform((value) => value.replace(/\s+/g, '').toUpperCase())
    .refine(isValidIban, 'must be a valid IBAN (ISO 13616), such as "DE02 1203 0000 0000 2020 51"'),
);

export const payoutSchema = builtOnFirstUse(() =>
  z.strictObject({
    iban: ibanSchema(),
    bic: z
      .string()
      .regex(
        /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$/,
        'must be an 8- or 11-character BIC such as "BYLADEM1001"',
      )
      .optional(),
    accountHolder: freeText(140),
  }),
);

/** PUT /v1/seller-profile: the whole profile, as the business's invoices and emails will show it. */
export const putSellerProfileSchema = builtOnFirstUse(() =>
  z.strictObject({
    name: freeText(200),
    email: emailAddress(),
    address: addressSchema(),
    taxId: freeText(50).optional(),
    payout: payoutSchema().optional(),
    paymentInstructions: freeText(500).optional(),
  }),
);
