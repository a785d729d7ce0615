// platform: the invoice document as it crosses from deliver to render (a Lambda invoke), parsed at render's
// boundary like any other input. zod/mini: render loads it at cold start.
import * as z from 'zod/mini';
import { type InvoiceDocument, invoiceDocumentStatuses } from '../domain/invoice-document';
import { postalAddressFields } from './postal-address-fields';

const addressSchema = z.strictObject(postalAddressFields);

/** Integer minor units, as the domain computes them. */
const amount = z.int();

export const invoiceDocumentSchema: z.ZodMiniType<InvoiceDocument> = z.strictObject({
  status: z.enum(invoiceDocumentStatuses),
  seller: z.strictObject({
    name: z.string(),
    address: addressSchema,
    taxId: z.optional(z.string()),
    email: z.optional(z.string()),
    paymentInstructions: z.optional(z.string()),
  }),
  buyer: z.strictObject({
    name: z.string(),
    email: z.string(),
    address: addressSchema,
    taxId: z.optional(z.string()),
  }),
  number: z.string(),
  issueDate: z.string(),
  dueDate: z.string(),
  currency: z.string(),
  language: z.string(),
  lines: z.array(
    z.strictObject({
      description: z.string(),
      quantity: z.number(),
      unitAmount: amount,
      taxRateBps: z.int(),
      amount,
      tax: amount,
    }),
  ),
  subtotal: amount,
  tax: amount,
  total: amount,
  amountPaid: amount,
  amountCredited: amount,
  amountDue: amount,
  memo: z.optional(z.string()),
});
