// adapter: DynamoDB → Ledger. One TransactWriteItems per business change: the entities, the number taken,
// the audit event with the new chain head, and the idempotency result — all or nothing.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type AuditEntry, appendToChain, type ChainHead, emptyChain } from '../domain/audit-chain';
import { tenantLimitReached } from '../domain/delivery';
import type { SequenceId } from '../domain/numbering';
import {
  auditEventKey,
  auditHeadKey,
  entityTypes,
  idempotencyKey,
  invoiceKey,
  sendCounterKey,
  sequenceKey,
} from '../platform/key-layout';
import {
  ConcurrentChangeError,
  type IdempotentResult,
  type Ledger,
  type LedgerChange,
} from '../ports/ledger';
import type { Sealer } from '../ports/sealer';
import {
  creditNoteCodec,
  customerCodec,
  invoiceCodec,
  paymentCodec,
  sellerProfileCodec,
} from './dynamodb-codecs';
import { deliveryReminderItem } from './dynamodb-delivery-reminders';
import { sealIdempotentResponse } from './dynamodb-idempotency-store';

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

export interface DynamoDbLedgerOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly sealer: Sealer;
  /** Computes the blind index of a customer's email (needed to store a customer). */
  readonly emailDigest: (tenantId: string, email: string) => Promise<string>;
}

export class DynamoDbLedger implements Ledger {
  constructor(private readonly options: DynamoDbLedgerOptions) {}

  async currentNumber(tenantId: string, sequence: SequenceId): Promise<number> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: sequenceKey(tenantId, sequence),
        ConsistentRead: true,
      }),
    );
    return typeof item?.value === 'number' ? item.value : 0;
  }

  private async chainHead(tenantId: string): Promise<ChainHead> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: auditHeadKey(tenantId),
        ConsistentRead: true,
      }),
    );
    if (item === undefined) return emptyChain;
    return { sequence: Number(item.sequence), hash: String(item.hash) };
  }

  private async toTransactItem(tenantId: string, change: LedgerChange): Promise<TransactItem> {
    const TableName = this.options.tableName;
    const { sealer } = this.options;
    switch (change.type) {
      case 'putInvoice':
        return {
          Put: {
            TableName,
            Item: await invoiceCodec.toItem(sealer, change.invoice, undefined),
            ...(change.expectedVersion === null
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  // The deliver function moves `delivery` without bumping the version; comparing it too means
                  // a concurrent delivery update is never overwritten with what we read before it.
                  ConditionExpression: 'version = :expected AND delivery = :delivery',
                  ExpressionAttributeValues: {
                    ':expected': change.expectedVersion,
                    ':delivery': change.expectedDelivery ?? change.invoice.delivery,
                  },
                }),
          },
        };
      case 'deleteInvoice':
        return {
          Delete: {
            TableName,
            Key: invoiceKey(tenantId, change.invoice.id),
            ConditionExpression: 'version = :expected AND #status = :draft',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':expected': change.invoice.version, ':draft': 'draft' },
          },
        };
      case 'putCustomer': {
        const digest = await this.options.emailDigest(tenantId, change.customer.details.email);
        return {
          Put: {
            TableName,
            Item: await customerCodec.toItem(sealer, change.customer, digest),
            ...(change.expectedVersion === null
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :expected',
                  ExpressionAttributeValues: { ':expected': change.expectedVersion },
                }),
          },
        };
      }
      case 'putPayment':
        return {
          Put: {
            TableName,
            Item: await paymentCodec.toItem(sealer, change.payment, tenantId),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        };
      case 'putCreditNote':
        return {
          Put: {
            TableName,
            Item: await creditNoteCodec.toItem(sealer, change.creditNote, undefined),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        };
      case 'putSellerProfile':
        return {
          Put: {
            TableName,
            Item: await sellerProfileCodec.toItem(
              sealer,
              { profile: change.profile, version: change.version, updatedAt: change.updatedAt },
              change.tenantId,
            ),
            ...(change.expectedVersion === null
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :expected',
                  ExpressionAttributeValues: { ':expected': change.expectedVersion },
                }),
          },
        };
      case 'takeNumber':
        // The counter moves by exactly one, from the value we read: a number is never skipped or reused.
        return {
          Put: {
            TableName,
            Item: {
              ...sequenceKey(tenantId, change.sequence),
              entity: entityTypes.sequence,
              value: change.value,
            },
            ...(change.value === 1
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: '#value = :previous',
                  ExpressionAttributeNames: { '#value': 'value' },
                  ExpressionAttributeValues: { ':previous': change.value - 1 },
                }),
          },
        };
      case 'remindDelivery':
        // Unconditional: the newest request's reminder replaces whatever an older one left.
        return { Put: { TableName, Item: deliveryReminderItem(change.reminder) } };
      case 'countSends':
        // An atomic counter: concurrent requests can never pass the cap between them.
        return {
          Update: {
            TableName,
            Key: sendCounterKey(tenantId, change.hour),
            UpdateExpression: 'ADD #count :count SET entity = :entity, expiresAt = :expiresAt',
            ConditionExpression: 'attribute_not_exists(#count) OR #count <= :most',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: {
              ':count': change.count,
              ':most': change.limit - change.count,
              ':entity': entityTypes.sendCounter,
              ':expiresAt': change.windowEndsAt + 24 * 3600,
            },
          },
        };
    }
  }

  async commit(
    tenantId: string,
    changes: readonly LedgerChange[],
    audit: AuditEntry,
    idempotency?: IdempotentResult,
  ): Promise<void> {
    const TableName = this.options.tableName;
    // Seal first, read the chain head last: the head is the hottest item of a tenant, so the shorter the
    // time between reading it and writing it, the fewer commits lose the race and retry.
    const items: TransactItem[] = await Promise.all(
      changes.map((change) => this.toTransactItem(tenantId, change)),
    );
    const head = await this.chainHead(tenantId);
    const event = appendToChain(tenantId, head, audit);
    items.push(
      {
        Put: {
          TableName,
          Item: {
            ...auditHeadKey(tenantId),
            entity: entityTypes.auditHead,
            sequence: event.sequence,
            hash: event.hash,
          },
          ...(head.sequence === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#sequence = :previous',
                ExpressionAttributeNames: { '#sequence': 'sequence' },
                ExpressionAttributeValues: { ':previous': head.sequence },
              }),
        },
      },
      {
        Put: {
          TableName,
          Item: { ...auditEventKey(tenantId, event.sequence), entity: entityTypes.auditEvent, ...event },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    );
    if (idempotency !== undefined) {
      const sealedResponse = await sealIdempotentResponse(this.options.sealer, tenantId, idempotency);
      items.push({
        Update: {
          TableName,
          Key: idempotencyKey(tenantId, idempotency.key),
          UpdateExpression: 'SET #state = :completed, #response = :response, changedAt = :changedAt',
          ConditionExpression: '#state = :inProgress AND claimToken = :token',
          ExpressionAttributeNames: { '#state': 'state', '#response': 'response' },
          ExpressionAttributeValues: {
            ':completed': 'completed',
            ':inProgress': 'in-progress',
            ':token': idempotency.claimToken,
            ':response': sealedResponse,
            ':changedAt': audit.at,
          },
        },
      });
    }
    try {
      // Every item this commit puts carries the commit's time: a restore can stop exactly between two changes.
      const stamped = items.map((item) =>
        item.Put === undefined
          ? item
          : { ...item, Put: { ...item.Put, Item: { ...item.Put.Item, changedAt: audit.at } } },
      );
      await this.options.client.send(new TransactWriteCommand({ TransactItems: stamped }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const capped = changes.findIndex(
          (change, index) =>
            change.type === 'countSends' &&
            error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed',
        );
        const cap = changes[capped];
        if (cap?.type === 'countSends') {
          throw tenantLimitReached(cap.limit, new Date(audit.at), cap.windowEndsAt);
        }
        throw new ConcurrentChangeError('a concurrent change got there first', { cause: error });
      }
      throw error;
    }
  }
}
