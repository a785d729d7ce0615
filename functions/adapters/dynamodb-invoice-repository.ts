// adapter: DynamoDB → InvoiceRepository (reads; every write goes through DynamoDbLedger).
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CreditNote, Invoice, Payment } from '../domain/invoice';
import { creditNoteKey, creditNotesOfInvoiceKey, invoiceKey, invoiceListKey } from '../platform/key-layout';
import type { InvoiceFilter, InvoiceRepository, Page } from '../ports/invoice-repository';
import type { Sealer } from '../ports/sealer';
import { creditNoteFromItem, invoiceFromItem, paymentFromItem } from './dynamodb-codecs';
import { decodeCursor, encodeCursor } from './dynamodb-cursor';

export interface DynamoDbInvoiceRepositoryOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly sealer: Sealer;
}

const listKeyAttributes = ['pk', 'sk', 'gsi1pk', 'gsi1sk'];

export class DynamoDbInvoiceRepository implements InvoiceRepository {
  constructor(private readonly options: DynamoDbInvoiceRepositoryOptions) {}

  async get(tenantId: string, invoiceId: string): Promise<Invoice | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: invoiceKey(tenantId, invoiceId),
        ConsistentRead: true,
      }),
    );
    return item === undefined ? undefined : invoiceFromItem(this.options.sealer, tenantId, item);
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
    let startKey: Record<string, unknown> | undefined = decodeCursor(cursor, {
      pk: { prefix: `${tenantId}#INVOICE#` },
      sk: { equals: 'INVOICE' },
      gsi1pk: { equals: invoiceListKey(tenantId) },
      gsi1sk: { prefix: '' },
    });
    // A filter can leave a DynamoDB page short; keep reading until the page is full or the list ends.
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
    } while (startKey !== undefined && items.length < limit);
    const last = items.at(-1);
    const nextCursor =
      startKey === undefined || last === undefined
        ? undefined
        : encodeCursor(Object.fromEntries(listKeyAttributes.map((name) => [name, last[name]])));
    return {
      items: await Promise.all(items.map((item) => invoiceFromItem(this.options.sealer, tenantId, item))),
      ...(nextCursor === undefined ? {} : { nextCursor }),
    };
  }

  async payments(tenantId: string, invoiceId: string): Promise<readonly Payment[]> {
    const { Items: items = [] } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': invoiceKey(tenantId, invoiceId).pk, ':prefix': 'PAYMENT#' },
        ConsistentRead: true,
      }),
    );
    return Promise.all(items.map((item) => paymentFromItem(this.options.sealer, tenantId, item)));
  }

  async creditNotes(tenantId: string, invoiceId: string): Promise<readonly CreditNote[]> {
    const { Items: items = [] } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :partition',
        ExpressionAttributeValues: { ':partition': creditNotesOfInvoiceKey(tenantId, invoiceId) },
      }),
    );
    return Promise.all(items.map((item) => creditNoteFromItem(this.options.sealer, tenantId, item)));
  }

  async getCreditNote(tenantId: string, creditNoteId: string): Promise<CreditNote | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: creditNoteKey(tenantId, creditNoteId),
        ConsistentRead: true,
      }),
    );
    return item === undefined ? undefined : creditNoteFromItem(this.options.sealer, tenantId, item);
  }
}
