// platform: the response bodies of every API operation (zod), for the OpenAPI document alone (openapi.ts). No
// function validates what it answers against them, so they live apart from the request schemas: a Lambda bundle
// neither carries nor builds them at cold start.
import * as z from 'zod';
import type { OperationId } from './routes';
import { customerDetailsSchema } from './schemas';

const bulkIssueResultSchema = z.object({
  invoices: z.array(z.object({ id: z.string(), number: z.string(), status: z.string() })),
});

const deliverySchema = z.object({
  status: z.enum(['none', 'queued', 'sent', 'failed']),
  requestedAt: z.string().optional(),
  attempts: z.int().optional(),
  messageId: z.string().optional(),
  sentAt: z.string().optional(),
  reason: z.string().optional(),
  /** On a failed delivery: the mail service may have accepted the message, so it may have been delivered. */
  outcome: z.enum(['unknown']).optional(),
  /** While passing mail-service trouble is retried: when the next attempt starts. */
  nextAttemptAt: z.string().optional(),
});

const amountsSchema = {
  subtotal: z.int(),
  tax: z.int(),
  total: z.int(),
};

const invoiceSchema = z.object({
  id: z.string(),
  status: z.enum(['draft', 'issued', 'paid', 'void']),
  number: z.string().nullable(),
  customerId: z.string().nullable(),
  currency: z.string(),
  customer: customerDetailsSchema(),
  lines: z.array(
    z.object({
      description: z.string(),
      quantity: z.int(),
      unitAmount: z.int(),
      taxRateBps: z.int(),
      amount: z.int(),
      tax: z.int(),
      creditedQuantity: z.int(),
    }),
  ),
  ...amountsSchema,
  amountPaid: z.int(),
  amountDue: z.int(),
  amountCredited: z.int(),
  issueDate: z.string().nullable(),
  dueDate: z.string().nullable(),
  memo: z.string().optional(),
  voidReason: z.string().optional(),
  delivery: deliverySchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});

const customerSchema = customerDetailsSchema().extend({
  id: z.string(),
  paymentReference: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const paymentSchema = z.object({
  id: z.string(),
  invoiceId: z.string(),
  amount: z.int(),
  paidOn: z.string(),
  method: z.string(),
  reference: z.string().optional(),
  createdAt: z.string(),
});

const creditNoteViewSchema = z.object({
  id: z.string(),
  invoiceId: z.string(),
  number: z.string(),
  currency: z.string(),
  reason: z.string(),
  lines: z.array(
    z.object({
      description: z.string(),
      invoiceLine: z.int().nullable(),
      quantity: z.int(),
      amount: z.int(),
      taxRateBps: z.int(),
      tax: z.int(),
    }),
  ),
  ...amountsSchema,
  issueDate: z.string(),
  createdAt: z.string(),
});

const auditEventSchema = z.object({
  sequence: z.int(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  actor: z.object({ clientId: z.string(), sourceIp: z.string(), requestId: z.string() }),
  at: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
  previousHash: z.string(),
  hash: z.string(),
});

function pageOf<Item extends z.ZodType>(item: Item) {
  return z.object({ items: z.array(item), nextCursor: z.string().optional() });
}

const auditVerificationSchema = z.object({
  valid: z.boolean(),
  /** Events recomputed by this request. */
  checked: z.int(),
  /** The sequence this request started after (0: the first event) and the last one it verified. */
  fromSequence: z.int(),
  throughSequence: z.int(),
  /** True when the verification reached the stored head; otherwise continue with `nextCursor`. */
  complete: z.boolean(),
  nextCursor: z.string().optional(),
  /** Signed checkpoints whose signature and hash were checked by this request. */
  checkpointsVerified: z.int(),
  latestCheckpoint: z.object({ sequence: z.int(), signedAt: z.string() }).optional(),
  /** Entries written but not yet chained (the chain writer is seconds behind). */
  pendingEntries: z.int(),
  firstBrokenSequence: z.int().optional(),
  reason: z.string().optional(),
});

const sellerProfileSchema = z.object({
  name: z.string(),
  email: z.string().optional(),
  address: customerDetailsSchema().shape.address,
  taxId: z.string().optional(),
  payout: z.object({ iban: z.string(), bic: z.string().optional(), accountHolder: z.string() }).optional(),
  paymentInstructions: z.string().optional(),
  updatedAt: z.string(),
});

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

/** Each operation's success body; `undefined` for those that answer without JSON (204, 303). */
export const responseSchemas: Readonly<Record<OperationId, z.ZodType | undefined>> = {
  createCustomer: customerSchema,
  listCustomers: pageOf(customerSchema),
  getCustomer: customerSchema,
  updateCustomer: customerSchema,
  createInvoice: invoiceSchema,
  listInvoices: pageOf(invoiceSchema),
  getInvoice: invoiceSchema,
  updateInvoice: invoiceSchema,
  deleteInvoice: undefined,
  issueInvoices: bulkIssueResultSchema,
  issueInvoice: invoiceSchema,
  sendInvoice: invoiceSchema,
  getInvoicePdf: undefined,
  recordPayment: z.object({ payment: paymentSchema, invoice: invoiceSchema }),
  listPayments: pageOf(paymentSchema),
  voidInvoice: invoiceSchema,
  createCreditNote: z.object({ creditNote: creditNoteViewSchema, invoice: invoiceSchema }),
  listCreditNotes: pageOf(creditNoteViewSchema),
  getCreditNote: creditNoteViewSchema,
  listAuditEvents: pageOf(auditEventSchema),
  verifyAuditTrail: auditVerificationSchema,
  getSellerProfile: sellerProfileSchema,
  putSellerProfile: sellerProfileSchema,
};
