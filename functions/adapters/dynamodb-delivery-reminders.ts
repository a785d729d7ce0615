// adapter: DynamoDB → DeliveryReminders. One item per pending send request under DELIVERY#DUE#<shard>, keyed by
// tenant and invoice: ids, the request token and a due time — no personal data. Deleted once the request settles;
// a TTL clears any that a crash left behind.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  deliveryReminderKey,
  deliveryReminderPartition,
  deliveryReminderShardCount,
  entityTypes,
} from '../platform/key-layout';
import type { DeliveryReminder, DeliveryReminders } from '../ports/delivery-tracker';

/** Far beyond any retry window: only a reminder nobody could act on lives this long. */
const reminderTimeToLiveSeconds = 7 * 24 * 3600;

/** The item the API writes in its commit when it queues a request, and the deliverer and sweeper move. */
export function deliveryReminderItem(reminder: DeliveryReminder) {
  return {
    ...deliveryReminderKey(reminder.tenantId, reminder.invoiceId),
    entity: entityTypes.deliveryReminder,
    tenantId: reminder.tenantId,
    invoiceId: reminder.invoiceId,
    requestToken: reminder.requestToken,
    dueAt: reminder.dueAt,
    expiresAt: reminder.dueAt + reminderTimeToLiveSeconds,
  };
}

export class DynamoDbDeliveryReminders implements DeliveryReminders {
  constructor(
    private readonly options: { readonly tableName: string; readonly client: DynamoDBDocumentClient },
  ) {}

  async remind(reminder: DeliveryReminder): Promise<void> {
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: deliveryReminderItem(reminder),
          // A newer request's reminder (the API writes it when it queues one) is never moved back by an older one.
          ConditionExpression: 'attribute_not_exists(pk) OR requestToken = :token',
          ExpressionAttributeValues: { ':token': reminder.requestToken },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async forget(tenantId: string, invoiceId: string, requestToken: string): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteCommand({
          TableName: this.options.tableName,
          Key: deliveryReminderKey(tenantId, invoiceId),
          ConditionExpression: 'requestToken = :token',
          ExpressionAttributeValues: { ':token': requestToken },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async due(nowSeconds: number, limit: number): Promise<readonly DeliveryReminder[]> {
    const found: DeliveryReminder[] = [];
    for (let shard = 0; shard < deliveryReminderShardCount; shard += 1) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: 'pk = :partition',
            FilterExpression: 'dueAt <= :now',
            ExpressionAttributeValues: { ':partition': deliveryReminderPartition(shard), ':now': nowSeconds },
            ConsistentRead: true,
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        );
        for (const item of page.Items ?? []) {
          found.push({
            tenantId: String(item.tenantId),
            invoiceId: String(item.invoiceId),
            requestToken: String(item.requestToken),
            dueAt: Number(item.dueAt),
          });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined && found.length < limit * 4);
    }
    return found.sort((first, second) => first.dueAt - second.dueAt).slice(0, limit);
  }
}
