// adapter: DynamoDB → InvoiceRepository (reads; every write goes through DynamoDbLedger).
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { CreditNote } from '../domain/credit-note';
import type { Invoice, Payment } from '../domain/invoice';
import {
  creditNoteKey,
  creditNotesOfInvoiceKey,
  invoiceKey,
  invoiceListKey,
  tenantPartitionPrefix,
} from '../platform/key-layout';
import type { InvoiceFilter, InvoiceRepository } from '../ports/invoice-repository';
import type { Page } from '../ports/page';
import type { Sealer } from '../ports/sealer';
import { creditNoteCodec, invoiceCodec, paymentCodec } from './dynamodb-codecs';
import { PageCursors } from './dynamodb-cursor';

export interface DynamoDbInvoiceRepositoryOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly sealer: Sealer;
}

/**
 * A filter can leave DynamoDB pages short or empty. Reading on until the page is full would walk a tenant's
 * whole index in one request when nothing matches, so one request reads at most this many DynamoDB pages and
 * answers with what it found and a cursor to go on from.
 */
const maxReadsPerPage = 5;
/** Keys per BatchGetItem of getMany (DynamoDB takes up to 100). */
const keysPerRead = 25;

export class DynamoDbInvoiceRepository implements InvoiceRepository {
  private readonly cursors: PageCursors;

  constructor(private readonly options: DynamoDbInvoiceRepositoryOptions) {
    this.cursors = new PageCursors(options.sealer);
  }

  async get(tenantId: string, invoiceId: string): Promise<Invoice | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: invoiceKey(tenantId, invoiceId),
        ConsistentRead: true,
      }),
    );
    return item === undefined ? undefined : invoiceCodec.fromItem(this.options.sealer, tenantId, item);
  }

  async getMany(tenantId: string, invoiceIds: readonly string[]): Promise<readonly (Invoice | undefined)[]> {
    const opened = new Map<string, Promise<Invoice>>();
    const unique = [...new Set(invoiceIds)];
    // A few requests side by side rather than one of up to 100 keys: the first items are opened (CPU work here)
    // while DynamoDB still reads the others.
    const chunks: string[][] = [];
    for (let start = 0; start < unique.length; start += keysPerRead) {
      chunks.push(unique.slice(start, start + keysPerRead));
    }
    await Promise.all(
      chunks.map(async (ids) => {
        let keys: Record<string, unknown>[] = ids.map((id) => invoiceKey(tenantId, id));
        // DynamoDB may hand some keys back unprocessed, which are asked for again.
        for (let attempt = 0; keys.length > 0; attempt += 1) {
          if (attempt >= 10) throw new Error(`DynamoDB kept ${keys.length} keys unprocessed`);
          const { Responses: responses, UnprocessedKeys: unprocessed } = await this.options.client.send(
            new BatchGetCommand({
              RequestItems: { [this.options.tableName]: { Keys: keys, ConsistentRead: true } },
            }),
          );
          for (const item of responses?.[this.options.tableName] ?? []) {
            const invoice = invoiceCodec.fromItem(this.options.sealer, tenantId, item);
            // Awaited below; one that fails must not go unhandled while the other reads finish.
            invoice.catch(() => undefined);
            opened.set(String(item.pk), invoice);
          }
          keys = (unprocessed?.[this.options.tableName]?.Keys ?? []) as Record<string, unknown>[];
          if (keys.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        }
      }),
    );
    return Promise.all(invoiceIds.map((id) => opened.get(invoiceKey(tenantId, id).pk)));
  }

  async list(
    tenantId: string,
    filter: InvoiceFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<Invoice>> {
    const conditions: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':partition': invoiceListKey(tenantId) };
    if (filter.status !== undefined) {
      conditions.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = filter.status;
    }
    if (filter.customerId !== undefined) {
      conditions.push('customerId = :customerId');
      values[':customerId'] = filter.customerId;
    }
    if (filter.issuedFrom !== undefined) {
      conditions.push('issueDate >= :issuedFrom');
      values[':issuedFrom'] = filter.issuedFrom;
    }
    if (filter.issuedTo !== undefined) {
      conditions.push('issueDate <= :issuedTo');
      values[':issuedTo'] = filter.issuedTo;
    }
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined = await this.cursors.decode(
      tenantId,
      'invoices',
      cursor,
      {
        pk: { prefix: invoiceKey(tenantId, '').pk },
        sk: { equals: invoiceKey(tenantId, '').sk },
        gsi1pk: { equals: invoiceListKey(tenantId) },
        gsi1sk: { prefix: '' },
      },
    );
    let reads = 0;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :partition',
          ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND ') } : {}),
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: limit - items.length,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
      reads += 1;
    } while (startKey !== undefined && items.length < limit && reads < maxReadsPerPage);
    // DynamoDB's own last evaluated key: with `Limit` never above the room left, it is the last item returned
    // when the page is full, and past the items the filter skipped when it is not.
    const nextCursor = await this.cursors.encode(tenantId, 'invoices', startKey);
    return {
      items: await Promise.all(
        items.map((item) => invoiceCodec.fromItem(this.options.sealer, tenantId, item)),
      ),
      ...(nextCursor === undefined ? {} : { nextCursor }),
    };
  }

  async payments(
    tenantId: string,
    invoiceId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<Payment>> {
    const partition = invoiceKey(tenantId, invoiceId).pk;
    const list = `payments:${invoiceId}`;
    const page = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': 'PAYMENT#' },
        ConsistentRead: true,
        Limit: limit,
        ...(cursor === undefined
          ? {}
          : {
              ExclusiveStartKey: await this.cursors.decode(tenantId, list, cursor, {
                pk: { equals: partition },
                sk: { prefix: 'PAYMENT#' },
              }),
            }),
      }),
    );
    const nextCursor = await this.cursors.encode(tenantId, list, page.LastEvaluatedKey);
    return {
      items: await Promise.all(
        (page.Items ?? []).map((item) => paymentCodec.fromItem(this.options.sealer, tenantId, item)),
      ),
      ...(nextCursor === undefined ? {} : { nextCursor }),
    };
  }

  async creditNotes(
    tenantId: string,
    invoiceId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<CreditNote>> {
    const partition = creditNotesOfInvoiceKey(tenantId, invoiceId);
    const list = `credit-notes:${invoiceId}`;
    const page = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :partition',
        ExpressionAttributeValues: { ':partition': partition },
        Limit: limit,
        ...(cursor === undefined
          ? {}
          : {
              ExclusiveStartKey: await this.cursors.decode(tenantId, list, cursor, {
                pk: { prefix: tenantPartitionPrefix(tenantId) },
                sk: { equals: creditNoteKey(tenantId, '').sk },
                gsi1pk: { equals: partition },
                gsi1sk: { prefix: '' },
              }),
            }),
      }),
    );
    const nextCursor = await this.cursors.encode(tenantId, list, page.LastEvaluatedKey);
    return {
      items: await Promise.all(
        (page.Items ?? []).map((item) => creditNoteCodec.fromItem(this.options.sealer, tenantId, item)),
      ),
      ...(nextCursor === undefined ? {} : { nextCursor }),
    };
  }

  async getCreditNote(tenantId: string, creditNoteId: string): Promise<CreditNote | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: creditNoteKey(tenantId, creditNoteId),
        ConsistentRead: true,
      }),
    );
    return item === undefined ? undefined : creditNoteCodec.fromItem(this.options.sealer, tenantId, item);
  }
}
