// adapter: DynamoDB → DeliveryTracker. Updates only the invoice's `delivery` attribute, always conditioned on
// the request token, so a stale or duplicate stream record can never move a newer request along.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { invoiceKey } from '../platform/key-layout';
import type { ClaimResult, DeliveryTracker } from '../ports/delivery-tracker';

const names = { '#delivery': 'delivery', '#status': 'status' };

export class DynamoDbDeliveryTracker implements DeliveryTracker {
  constructor(
    private readonly options: {
      readonly tableName: string;
      readonly client: DynamoDBDocumentClient;
      readonly now?: () => number;
    },
  ) {}

  private nowSeconds(): number {
    return Math.floor((this.options.now?.() ?? Date.now()) / 1000);
  }

  async claim(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    leaseSeconds: number,
  ): Promise<ClaimResult> {
    const now = this.nowSeconds();
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: invoiceKey(tenantId, invoiceId),
          UpdateExpression:
            'SET #delivery.#status = :sending, #delivery.leaseUntil = :lease, #delivery.retryable = :false, ' +
            '#delivery.attempts = if_not_exists(#delivery.attempts, :zero) + :one',
          // Never for a void invoice: voiding cancels what is queued, and this closes the race with it.
          ConditionExpression:
            '#delivery.requestToken = :token AND #status <> :void AND (#delivery.#status = :queued OR ' +
            '(#delivery.#status = :sending AND #delivery.retryable = :true))',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ':queued': 'queued',
            ':void': 'void',
            ':lease': now + leaseSeconds,
            ':token': requestToken,
            ':true': true,
            ':false': false,
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { outcome: 'claimed', attempt: Number(result.Attributes?.delivery?.attempts ?? 1) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: invoiceKey(tenantId, invoiceId),
        ConsistentRead: true,
      }),
    );
    const delivery = item?.delivery as
      | { status?: string; requestToken?: string; leaseUntil?: number }
      | undefined;
    if (delivery?.requestToken !== requestToken || delivery.status !== 'sending') return { outcome: 'done' };
    return (delivery.leaseUntil ?? 0) < now ? { outcome: 'interrupted' } : { outcome: 'busy' };
  }

  private async update(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    expression: string,
    values: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: invoiceKey(tenantId, invoiceId),
          UpdateExpression: expression,
          ConditionExpression: '#delivery.requestToken = :token AND #delivery.#status = :sending',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':token': requestToken, ':sending': 'sending' },
        }),
      );
    } catch (error) {
      // The request was replaced or settled meanwhile; ours has nothing left to record.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  release(tenantId: string, invoiceId: string, requestToken: string, reason: string): Promise<void> {
    return this.update(
      tenantId,
      invoiceId,
      requestToken,
      'SET #delivery.retryable = :true, #delivery.leaseUntil = :zero, #delivery.reason = :reason',
      { ':true': true, ':zero': 0, ':reason': reason },
    );
  }

  markSent(tenantId: string, invoiceId: string, requestToken: string, messageId: string, sentAt: string) {
    return this.update(
      tenantId,
      invoiceId,
      requestToken,
      'SET #delivery.#status = :sent, #delivery.messageId = :messageId, #delivery.sentAt = :sentAt ' +
        'REMOVE #delivery.reason, #delivery.leaseUntil, #delivery.retryable',
      { ':sent': 'sent', ':messageId': messageId, ':sentAt': sentAt },
    );
  }

  markFailed(tenantId: string, invoiceId: string, requestToken: string, reason: string) {
    return this.update(
      tenantId,
      invoiceId,
      requestToken,
      'SET #delivery.#status = :failed, #delivery.reason = :reason REMOVE #delivery.leaseUntil, #delivery.retryable',
      { ':failed': 'failed', ':reason': reason },
    );
  }
}
