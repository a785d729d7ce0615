// adapter: DynamoDB → InvoiceRepository. Personal data is sealed; the plaintext rest is bound to it by digest.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { CustomerDetails, Invoice } from '../domain/invoice';
import { ConflictError, IntegrityError } from '../platform/errors';
import type { InvoiceRepository } from '../ports/invoice-repository';
import type { Sealer, SealingContext } from '../ports/sealer';
import { entityTypes, invoiceKey } from './dynamodb-keys';
import { digestOf } from './item-digest';

/** What is sealed: everything that can identify or describe a person or their purchase. */
interface SealedInvoiceFields {
  readonly customer: CustomerDetails;
  readonly lineDescriptions: readonly string[];
  readonly memo?: string;
}

const sealedFieldsSchema = z.object({
  customer: z.object({
    name: z.string(),
    email: z.string(),
    taxId: z.string().optional(),
    address: z.object({
      line1: z.string(),
      line2: z.string().optional(),
      city: z.string(),
      postalCode: z.string(),
      region: z.string().optional(),
      country: z.string(),
    }),
  }),
  lineDescriptions: z.array(z.string()),
  memo: z.string().optional(),
});

const storedInvoiceSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  status: z.enum(['draft', 'issued', 'paid', 'void']),
  number: z.string().nullable(),
  currency: z.string(),
  lines: z.array(
    z.object({ quantity: z.int(), unitAmount: z.int(), taxRateBps: z.int(), amount: z.int(), tax: z.int() }),
  ),
  subtotal: z.int(),
  tax: z.int(),
  total: z.int(),
  amountPaid: z.int(),
  amountDue: z.int(),
  amountCredited: z.int(),
  dueDate: z.string(),
  delivery: z.object({ status: z.enum(['none', 'queued', 'sent', 'failed']) }),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.int(),
  sealed: z.instanceof(Uint8Array),
});
type StoredBusinessFields = Omit<z.infer<typeof storedInvoiceSchema>, 'sealed' | 'delivery'>;

/** Plaintext business fields; delivery is operational state written by the deliver function, so not bound. */
function businessFields(invoice: Invoice): StoredBusinessFields {
  return {
    id: invoice.id,
    tenantId: invoice.tenantId,
    status: invoice.status,
    number: invoice.number,
    currency: invoice.currency,
    lines: invoice.lines.map(({ quantity, unitAmount, taxRateBps, amount, tax }) => ({
      quantity,
      unitAmount,
      taxRateBps,
      amount,
      tax,
    })),
    subtotal: invoice.subtotal,
    tax: invoice.tax,
    total: invoice.total,
    amountPaid: invoice.amountPaid,
    amountDue: invoice.amountDue,
    amountCredited: invoice.amountCredited,
    dueDate: invoice.dueDate,
    createdAt: invoice.createdAt,
    updatedAt: invoice.updatedAt,
    version: invoice.version,
  };
}

function sealingContext(fields: StoredBusinessFields): SealingContext {
  return {
    tenantId: fields.tenantId,
    entityType: entityTypes.invoice,
    entityId: fields.id,
    digest: digestOf(fields),
  };
}

export interface DynamoDbInvoiceRepositoryOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly sealer: Sealer;
}

export class DynamoDbInvoiceRepository implements InvoiceRepository {
  constructor(private readonly options: DynamoDbInvoiceRepositoryOptions) {}

  async create(invoice: Invoice): Promise<void> {
    const fields = businessFields(invoice);
    const sealedFields: SealedInvoiceFields = {
      customer: invoice.customer,
      lineDescriptions: invoice.lines.map((line) => line.description),
      ...(invoice.memo === undefined ? {} : { memo: invoice.memo }),
    };
    const sealed = await this.options.sealer.seal(
      new TextEncoder().encode(JSON.stringify(sealedFields)),
      sealingContext(fields),
    );
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...invoiceKey(invoice.tenantId, invoice.id),
            entity: entityTypes.invoice,
            gsi1pk: `${invoice.tenantId}#INVOICES`,
            gsi1sk: `${invoice.createdAt}#${invoice.id}`,
            ...fields,
            delivery: invoice.delivery,
            sealed,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConflictError('an invoice with this id already exists', { cause: error });
      }
      throw error;
    }
  }

  async get(tenantId: string, invoiceId: string): Promise<Invoice | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: invoiceKey(tenantId, invoiceId),
        ConsistentRead: true,
      }),
    );
    if (item === undefined) return undefined;
    const parsed = storedInvoiceSchema.safeParse(item);
    if (!parsed.success) throw new IntegrityError(`stored invoice ${invoiceId} has an unexpected shape`);
    const { sealed, delivery, ...fields } = parsed.data;
    if (fields.tenantId !== tenantId || fields.id !== invoiceId) {
      throw new IntegrityError(`stored invoice ${invoiceId} does not belong where it is stored`);
    }
    const plaintext = await this.options.sealer.open(sealed, sealingContext(fields));
    const opened = sealedFieldsSchema.safeParse(JSON.parse(new TextDecoder().decode(plaintext)));
    if (!opened.success || opened.data.lineDescriptions.length !== fields.lines.length) {
      throw new IntegrityError(`sealed fields of invoice ${invoiceId} do not match its lines`);
    }
    const { customer, lineDescriptions, memo } = opened.data;
    return {
      ...fields,
      customer,
      lines: fields.lines.map((line, index) => ({ description: lineDescriptions[index] ?? '', ...line })),
      ...(memo === undefined ? {} : { memo }),
      delivery,
    };
  }
}
