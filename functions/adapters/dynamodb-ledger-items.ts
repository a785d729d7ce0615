// adapter: the DynamoDB transaction items of the ledger's changes — what each LedgerChange writes and under which
// condition, the audit entry every commit adds, and the completed idempotency record.
import type { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, PendingAuditEntry } from '../domain/audit-chain';
import {
  auditEntryKey,
  entityTypes,
  idempotencyKey,
  invoiceKey,
  randomId,
  sendCounterKey,
  sequenceKey,
} from '../platform/key-layout';
import type { IdempotentResult, LedgerChange } from '../ports/ledger';
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

/** A put of a new item (no version yet), or of the version read, and no other. */
const versionCondition = (expectedVersion: number | null) =>
  expectedVersion === null
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : {
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': expectedVersion },
      };

export type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

export interface LedgerItemOptions {
  readonly tableName: string;
  readonly sealer: Sealer;
  /** Computes the blind index of a customer's email (needed to store a customer). */
  readonly emailDigest: (tenantId: string, email: string) => Promise<string>;
}

export function auditEntryItem(
  options: LedgerItemOptions,
  tenantId: string,
  audit: AuditEntry,
): TransactItem {
  const entryId = randomId('auditEntry');
  const entry: PendingAuditEntry = { ...audit, tenantId, entryId };
  return {
    Put: {
      TableName: options.tableName,
      Item: { ...auditEntryKey(tenantId, entryId), entity: entityTypes.auditEntry, ...entry },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * One item for the entries of one transaction, in order — a bulk issue's hundred would otherwise be a hundred
 * items of its hundred invoices. The chain writer chains each as if written alone; the item is keyed by the last
 * entry, the one chained last, so it goes once all of them are chained.
 */
export function auditEntriesItem(
  options: LedgerItemOptions,
  tenantId: string,
  audits: readonly AuditEntry[],
): TransactItem {
  const [only] = audits;
  if (audits.length === 1 && only !== undefined) return auditEntryItem(options, tenantId, only);
  const entries: PendingAuditEntry[] = audits.map((audit) => ({
    ...audit,
    tenantId,
    entryId: randomId('auditEntry'),
  }));
  const last = entries.at(-1);
  if (last === undefined) throw new Error('an audit entries item needs at least one entry');
  return {
    Put: {
      TableName: options.tableName,
      Item: {
        ...auditEntryKey(tenantId, last.entryId),
        entity: entityTypes.auditEntry,
        tenantId,
        entryId: last.entryId,
        entryCount: entries.length,
        entries,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export async function changeItem(
  options: LedgerItemOptions,
  tenantId: string,
  change: LedgerChange,
): Promise<TransactItem> {
  const TableName = options.tableName;
  const { sealer } = options;
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
                // A draft held by a bulk issue is being issued: no other change until the hold is gone.
                ConditionExpression:
                  'version = :expected AND delivery = :delivery AND attribute_not_exists(heldBy)',
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
          ConditionExpression: 'version = :expected AND #status = :draft AND attribute_not_exists(heldBy)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':expected': change.invoice.version, ':draft': 'draft' },
        },
      };
    case 'putCustomer': {
      const digest = await options.emailDigest(tenantId, change.customer.details.email);
      return {
        Put: {
          TableName,
          Item: await customerCodec.toItem(sealer, change.customer, digest),
          ...versionCondition(change.expectedVersion),
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
          ...versionCondition(change.expectedVersion),
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

export async function idempotencyItem(
  options: LedgerItemOptions,
  tenantId: string,
  idempotency: IdempotentResult,
  at: string,
): Promise<TransactItem> {
  const sealedResponse = await sealIdempotentResponse(options.sealer, tenantId, idempotency);
  return {
    Update: {
      TableName: options.tableName,
      Key: idempotencyKey(tenantId, idempotency.key),
      UpdateExpression: 'SET #state = :completed, #response = :response, changedAt = :changedAt',
      ConditionExpression: '#state = :inProgress AND claimToken = :token',
      ExpressionAttributeNames: { '#state': 'state', '#response': 'response' },
      ExpressionAttributeValues: {
        ':completed': 'completed',
        ':inProgress': 'in-progress',
        ':token': idempotency.claimToken,
        ':response': sealedResponse,
        ':changedAt': at,
      },
    },
  };
}
