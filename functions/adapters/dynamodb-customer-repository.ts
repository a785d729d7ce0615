// adapter: DynamoDB → CustomerRepository (reads; writes go through DynamoDbLedger).
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Customer } from '../domain/customer';
import { normalizeEmail } from '../domain/customer';
import { customerEmailKey, customerKey, customerListKey } from '../platform/key-layout';
import type { BlindIndexer } from '../ports/blind-indexer';
import type { CustomerRepository } from '../ports/customer-repository';
import type { Page } from '../ports/invoice-repository';
import type { Sealer } from '../ports/sealer';
import { customerFromItem } from './dynamodb-codecs';
import { decodeCursor, encodeCursor } from './dynamodb-cursor';

export const emailIndexPurpose = 'customer-email';

export class DynamoDbCustomerRepository implements CustomerRepository {
  constructor(
    private readonly options: {
      readonly tableName: string;
      readonly client: DynamoDBDocumentClient;
      readonly sealer: Sealer;
      readonly blindIndexer: BlindIndexer;
    },
  ) {}

  async get(tenantId: string, customerId: string): Promise<Customer | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: customerKey(tenantId, customerId),
        ConsistentRead: true,
      }),
    );
    return item === undefined ? undefined : customerFromItem(this.options.sealer, tenantId, item);
  }

  async list(tenantId: string, limit: number, cursor?: string): Promise<Page<Customer>> {
    const page = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :partition',
        ExpressionAttributeValues: { ':partition': customerListKey(tenantId) },
        ScanIndexForward: false,
        Limit: limit,
        ...(cursor === undefined
          ? {}
          : {
              ExclusiveStartKey: decodeCursor(cursor, {
                pk: { prefix: `${tenantId}#CUSTOMER#` },
                sk: { equals: 'CUSTOMER' },
                gsi1pk: { equals: customerListKey(tenantId) },
                gsi1sk: { prefix: '' },
              }),
            }),
      }),
    );
    const nextCursor = encodeCursor(page.LastEvaluatedKey);
    return {
      items: await Promise.all(
        (page.Items ?? []).map((item) => customerFromItem(this.options.sealer, tenantId, item)),
      ),
      ...(nextCursor === undefined ? {} : { nextCursor }),
    };
  }

  async findByEmail(tenantId: string, email: string): Promise<readonly Customer[]> {
    const digest = await this.options.blindIndexer.digest(tenantId, emailIndexPurpose, normalizeEmail(email));
    const { Items: items = [] } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :partition',
        ExpressionAttributeValues: { ':partition': customerEmailKey(tenantId, digest) },
      }),
    );
    // The index is eventually consistent; re-read each hit so a just-changed email cannot match stale data.
    const customers = await Promise.all(items.map((item) => this.get(tenantId, String(item.id))));
    return customers.filter(
      (customer): customer is Customer =>
        customer !== undefined && normalizeEmail(customer.details.email) === normalizeEmail(email),
    );
  }
}
