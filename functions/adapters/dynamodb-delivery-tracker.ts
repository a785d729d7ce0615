// adapter: DynamoDB → DeliveryTracker. Updates only the invoice's `delivery` attribute, always conditioned on the
// request token and (once claimed) on the claim's attempt number, so a stale or duplicate stream record, or a
// deliverer whose lease ran out, can never move a request along.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Delivery, voidedBeforeSendingReason } from '../domain/invoice';
import { invoiceKey } from '../platform/key-layout';
import type { ClaimResult, DeliveryExpectation, DeliveryTracker } from '../ports/delivery-tracker';

const names = { '#delivery': 'delivery', '#status': 'status' };
/** Everything a settled or re-queued request no longer needs. */
const bookkeeping = '#delivery.leaseUntil, #delivery.retryable, #delivery.phase, #delivery.retryAt';

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

  /**
   * Every write of the invoice carries its time, as the ledger's do: a restore `--as-of` a moment between two
   * delivery updates stops between them, and the backup lag is measured from it.
   */
  private stamped(expression: string): { expression: string; values: Record<string, string> } {
    if (!expression.startsWith('SET ')) throw new Error('delivery updates start with SET');
    return {
      expression: `SET changedAt = :changedAt, ${expression.slice('SET '.length)}`,
      values: { ':changedAt': new Date(this.options.now?.() ?? Date.now()).toISOString() },
    };
  }

  async claim(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    leaseSeconds: number,
  ): Promise<ClaimResult> {
    const now = this.nowSeconds();
    const claimStamp = this.stamped(
      'SET #delivery.#status = :sending, #delivery.leaseUntil = :lease, #delivery.retryable = :false, ' +
        '#delivery.phase = :preparing, ' +
        '#delivery.attempts = if_not_exists(#delivery.attempts, :zero) + :one REMOVE #delivery.retryAt',
    );
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: invoiceKey(tenantId, invoiceId),
          UpdateExpression: claimStamp.expression,
          // Queued; a retry that is due; or a claim whose deliverer stopped before handing anything over. Never for
          // a void invoice: voiding cancels what is queued, and this closes the race with it.
          ConditionExpression:
            '#delivery.requestToken = :token AND #status <> :void AND (#delivery.#status = :queued OR ' +
            '(#delivery.#status = :sending AND #delivery.retryable = :true AND ' +
            '(attribute_not_exists(#delivery.retryAt) OR #delivery.retryAt <= :now)) OR ' +
            '(#delivery.#status = :sending AND #delivery.retryable = :false AND #delivery.leaseUntil < :now AND ' +
            '#delivery.phase = :preparing))',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ':queued': 'queued',
            ':void': 'void',
            ':preparing': 'preparing',
            ':lease': now + leaseSeconds,
            ':now': now,
            ':token': requestToken,
            ':true': true,
            ':false': false,
            ':zero': 0,
            ':one': 1,
            ...claimStamp.values,
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
        ProjectionExpression: '#status, #delivery',
        ExpressionAttributeNames: names,
        ConsistentRead: true,
      }),
    );
    const delivery = item?.delivery as Delivery | undefined;
    return judgeUnclaimable(item?.status === 'void', delivery, requestToken, now);
  }

  /** One conditional update of `delivery`; false when the condition did not hold (someone else moved it). */
  private async update(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    expression: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    const stamp = this.stamped(expression);
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: invoiceKey(tenantId, invoiceId),
          UpdateExpression: stamp.expression,
          ConditionExpression: `#delivery.requestToken = :token AND ${condition}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ...stamp.values, ':token': requestToken },
        }),
      );
      return true;
    } catch (error) {
      // The request was replaced, taken over or settled meanwhile; ours has nothing left to record.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }

  private static fence(expected: DeliveryExpectation) {
    return 'claimed' in expected
      ? {
          condition: '#delivery.#status = :sending AND #delivery.attempts = :attempt',
          values: { ':sending': 'sending', ':attempt': expected.claimed },
        }
      : {
          condition:
            '#delivery.#status = :queued AND (#delivery.attempts = :attempt OR ' +
            '(attribute_not_exists(#delivery.attempts) AND :attempt = :zero))',
          values: { ':queued': 'queued', ':attempt': expected.attempt, ':zero': 0 },
        };
  }

  beginMailing(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    attempt: number,
    leaseSeconds: number,
  ): Promise<boolean> {
    return this.update(
      tenantId,
      invoiceId,
      requestToken,
      'SET #delivery.phase = :mailing, #delivery.leaseUntil = :lease',
      '#status <> :void AND #delivery.#status = :sending AND #delivery.attempts = :attempt AND ' +
        '#delivery.phase = :preparing AND #delivery.leaseUntil >= :now',
      {
        ':mailing': 'mailing',
        ':preparing': 'preparing',
        ':sending': 'sending',
        ':void': 'void',
        ':attempt': attempt,
        ':now': this.nowSeconds(),
        ':lease': this.nowSeconds() + leaseSeconds,
      },
    );
  }

  async scheduleRetry(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    attempt: number,
    retryAt: number,
    reason: string,
  ): Promise<void> {
    const fence = DynamoDbDeliveryTracker.fence({ claimed: attempt });
    const deferred = await this.update(
      tenantId,
      invoiceId,
      requestToken,
      'SET #delivery.retryable = :true, #delivery.retryAt = :retryAt, #delivery.leaseUntil = :zero, ' +
        '#delivery.reason = :reason REMOVE #delivery.phase',
      `#status <> :void AND ${fence.condition}`,
      { ...fence.values, ':true': true, ':retryAt': retryAt, ':zero': 0, ':reason': reason, ':void': 'void' },
    );
    if (deferred) return;
    // Voided while this attempt ran (a void leaves a request in flight alone, and nothing requeues a void
    // invoice): nothing went out, and nothing will — settle it, or it would wait for a retry for ever.
    await this.update(
      tenantId,
      invoiceId,
      requestToken,
      `SET #delivery.#status = :failedStatus, #delivery.reason = :reason REMOVE ${bookkeeping}`,
      `#status = :void AND ${fence.condition}`,
      { ...fence.values, ':failedStatus': 'failed', ':reason': voidedBeforeSendingReason, ':void': 'void' },
    );
  }

  async markSent(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    attempt: number,
    messageId: string,
    sentAt: string,
  ): Promise<void> {
    await this.update(
      tenantId,
      invoiceId,
      requestToken,
      'SET #delivery.#status = :sent, #delivery.messageId = :messageId, #delivery.sentAt = :sentAt ' +
        `REMOVE #delivery.reason, #delivery.outcome, ${bookkeeping}`,
      '#delivery.attempts = :attempt AND (#delivery.#status = :sending OR ' +
        '(#delivery.#status = :failed AND #delivery.outcome = :unknown))',
      {
        ':sent': 'sent',
        ':sending': 'sending',
        ':failed': 'failed',
        ':unknown': 'unknown',
        ':attempt': attempt,
        ':messageId': messageId,
        ':sentAt': sentAt,
      },
    );
  }

  async markFailed(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    expected: DeliveryExpectation,
    failure: { readonly reason: string; readonly outcome?: 'unknown' },
  ): Promise<void> {
    const fence = DynamoDbDeliveryTracker.fence(expected);
    const outcome = failure.outcome === undefined ? '' : ', #delivery.outcome = :outcome';
    await this.update(
      tenantId,
      invoiceId,
      requestToken,
      `SET #delivery.#status = :failedStatus, #delivery.reason = :reason${outcome} REMOVE ${bookkeeping}`,
      fence.condition,
      {
        ...fence.values,
        ':failedStatus': 'failed',
        ':reason': failure.reason,
        ...(failure.outcome === undefined ? {} : { ':outcome': failure.outcome }),
      },
    );
  }

  requeue(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    from: DeliveryExpectation,
  ): Promise<boolean> {
    const fence = DynamoDbDeliveryTracker.fence(from);
    return this.update(
      tenantId,
      invoiceId,
      requestToken,
      // A new value, so the stream carries a new record even for a request that was queued already.
      'SET #delivery.#status = :queuedAgain, #delivery.wakeups = if_not_exists(#delivery.wakeups, :none) + :one ' +
        `REMOVE ${bookkeeping}`,
      `#status <> :void AND ${fence.condition}`,
      { ...fence.values, ':queuedAgain': 'queued', ':none': 0, ':one': 1, ':void': 'void' },
    );
  }

  async read(tenantId: string, invoiceId: string): Promise<Delivery | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: invoiceKey(tenantId, invoiceId),
        ProjectionExpression: '#delivery',
        ExpressionAttributeNames: { '#delivery': 'delivery' },
        ConsistentRead: true,
      }),
    );
    return item?.delivery as Delivery | undefined;
  }
}

/** Why a claim did not take, from the state as stored (shared with the in-memory tracker). */
export function judgeUnclaimable(
  invoiceVoid: boolean,
  delivery: Delivery | undefined,
  requestToken: string,
  nowSeconds: number,
): ClaimResult {
  if (delivery?.requestToken !== requestToken) return { outcome: 'done' };
  const attempt = delivery.attempts ?? 0;
  // Voiding turns a queued request into a failed one itself; a queued one we could not claim lost a race.
  if (delivery.status === 'queued') return invoiceVoid ? { outcome: 'done' } : { outcome: 'busy' };
  if (delivery.status !== 'sending') return { outcome: 'done' };
  if (delivery.retryable === true)
    return invoiceVoid ? { outcome: 'voided', attempt } : { outcome: 'waiting' };
  if ((delivery.leaseUntil ?? 0) >= nowSeconds) return { outcome: 'busy' };
  // A claim from before the hand-over was recorded (no phase) is judged as mid-send: the safe side.
  if (delivery.phase !== 'preparing') return { outcome: 'interrupted', attempt };
  return invoiceVoid ? { outcome: 'voided', attempt } : { outcome: 'busy' };
}
