// adapter: DynamoDB → CustomerRepository (reads; writes go through DynamoDbLedger).
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Customer } from '../domain/customer';
import { emailIndexPurpose, normalizeEmail } from '../domain/customer';
import { customerEmailKey, customerKey, customerListKey } from '../platform/key-layout';
import type { BlindIndexer } from '../ports/blind-indexer';
import type { CustomerRepository } from '../ports/customer-repository';
import type { Page } from '../ports/page';
import type { Sealer } from '../ports/sealer';
import { customerCodec } from './dynamodb-codecs';
import { PageCursors } from './dynamodb-cursor';

export class DynamoDbCustomerRepository implements CustomerRepository {
  private readonly cursors: PageCursors;

  constructor(
    private readonly options: {
      readonly tableName: string;
      readonly client: DynamoDBDocumentClient;
      readonly sealer: Sealer;
      readonly blindIndexer: BlindIndexer;
    },
  ) {
    this.cursors = new PageCursors(options.sealer);
  }

  async get(tenantId: string, customerId: string): Promise<Customer | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: customerKey(tenantId, customerId),
        ConsistentRead: true,
      }),
    );
    return item === undefined ? undefined : customerCodec.fromItem(this.options.sealer, tenantId, item);
  }

  async list(tenantId: string, limit: number, cursor?: string): Promise<Page<Customer>> {
    const startKey = await this.cursors.decode(tenantId, 'customers', cursor, {
      pk: { prefix: customerKey(tenantId, '').pk },
      sk: { equals: customerKey(tenantId, '').sk },
      gsi1pk: { equals: customerListKey(tenantId) },
      gsi1sk: { prefix: '' },
    });
    const page = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :partition',
        ExpressionAttributeValues: { ':partition': customerListKey(tenantId) },
        ScanIndexForward: false,
        Limit: limit,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    const nextCursor = await this.cursors.encode(tenantId, 'customers', page.LastEvaluatedKey);
    return {
      items: await Promise.all(
        (page.Items ?? []).map((item) => customerCodec.fromItem(this.options.sealer, tenantId, item)),
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
        // Emails are not unique; a page of matches is plenty for an exact look-up.
        Limit: 100,
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
