// platform: request and response schemas at the trust boundary (zod); the OpenAPI document is generated from them.
import { z } from 'zod';
import { containsCardNumber } from '../domain/card-numbers';
import { isCurrencyCode } from '../domain/currencies';

/** Free text a person types: trimmed, bounded, no control characters, never a card number. */
export function freeText(maxLength: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(maxLength)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
    .refine((value) => !containsCardNumber(value), {
      message: 'looks like a payment card number; card numbers must never be sent to Ledgerlock',
      params: { problem: 'card-number' },
    });
}

const isoDate = z.iso.date();

export const addressSchema = z.strictObject({
  line1: freeText(200),
  line2: freeText(200).optional(),
  city: freeText(100),
  postalCode: freeText(20),
  region: freeText(100).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "DE"'),
});

export const customerDetailsSchema = z.strictObject({
  name: freeText(200),
  email: z.email().max(254),
  taxId: freeText(50).optional(),
  address: addressSchema,
});

export const lineInputSchema = z.strictObject({
  description: freeText(500),
  quantity: z.int().min(1).max(1_000_000),
  unitAmount: z.int().min(0).max(100_000_000_000),
  taxRateBps: z.int().min(0).max(10_000),
});

export const currencySchema = z
  .string()
  .refine(isCurrencyCode, { message: 'must be an active ISO 4217 currency code such as "EUR"' });

export const createInvoiceSchema = z.strictObject({
  customer: customerDetailsSchema,
  currency: currencySchema,
  lines: z.array(lineInputSchema).min(1).max(100),
  dueDate: isoDate,
  memo: freeText(2000).optional(),
});
export type CreateInvoiceInput = z.infer<typeof createInvoiceSchema>;

export const invoiceIdSchema = z.string().regex(/^inv_[0-9a-f]{32}$/);

const deliverySchema = z.object({ status: z.enum(['none', 'queued', 'sent', 'failed']) });

export const invoiceSchema = z.object({
  id: z.string(),
  status: z.enum(['draft', 'issued', 'paid', 'void']),
  number: z.string().nullable(),
  currency: z.string(),
  customer: customerDetailsSchema,
  lines: z.array(
    z.object({
      description: z.string(),
      quantity: z.int(),
      unitAmount: z.int(),
      taxRateBps: z.int(),
      amount: z.int(),
      tax: z.int(),
    }),
  ),
  subtotal: z.int(),
  tax: z.int(),
  total: z.int(),
  amountPaid: z.int(),
  amountDue: z.int(),
  amountCredited: z.int(),
  dueDate: z.string(),
  memo: z.string().optional(),
  delivery: deliverySchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
