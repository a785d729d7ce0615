// adapter: DynamoDB → Ledger. One TransactWriteItems per business change: the entities, the number taken,
// the audit entry (chained later by the chain writer, off the stream) and the idempotency result — all or nothing.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../domain/audit-chain';
import { tenantLimitReached } from '../domain/delivery';
import type { SequenceId } from '../domain/numbering';
import { bulkIssueJobKey, sequenceKey } from '../platform/key-layout';
import {
  type BulkIssueJob,
  type BulkIssuePlan,
  ConcurrentChangeError,
  type IdempotentResult,
  type Ledger,
  type LedgerChange,
} from '../ports/ledger';
import type { Sealer } from '../ports/sealer';
import { DynamoDbBulkIssue } from './dynamodb-bulk-issue';
import { auditEntryItem, changeItem, idempotencyItem, type TransactItem } from './dynamodb-ledger-items';

export interface DynamoDbLedgerOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly sealer: Sealer;
  /** Computes the blind index of a customer's email (needed to store a customer). */
  readonly emailDigest: (tenantId: string, email: string) => Promise<string>;
  /** @default the clock (epoch milliseconds) */
  readonly clock?: () => number;
}

export class DynamoDbLedger implements Ledger {
  private readonly bulk: DynamoDbBulkIssue;

  constructor(private readonly options: DynamoDbLedgerOptions) {
    this.bulk = new DynamoDbBulkIssue(
      options,
      (items, at) => this.transact(items, at),
      () => this.now(),
    );
  }

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

  async bulkIssueJob(tenantId: string, jobId: string): Promise<BulkIssueJob | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: bulkIssueJobKey(tenantId, jobId),
        ConsistentRead: true,
      }),
    );
    if (item === undefined) return undefined;
    return {
      jobId,
      invoiceIds: (item.invoiceIds as string[]) ?? [],
      sequence: item.sequence as BulkIssueJob['sequence'],
      firstValue: Number(item.firstValue),
      send: item.send === true,
      committedAt: String(item.committedAt),
      done: item.done === true,
    };
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private async transact(items: TransactItem[], at: string): Promise<void> {
    // Every item a commit puts carries the commit's time: a restore can stop exactly between two changes.
    const stamped = items.map((item) =>
      item.Put === undefined
        ? item
        : { ...item, Put: { ...item.Put, Item: { ...item.Put.Item, changedAt: at } } },
    );
    try {
      await this.options.client.send(new TransactWriteCommand({ TransactItems: stamped }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new ConcurrentChangeError('a concurrent change got there first', { cause: error });
      }
      throw error;
    }
  }

  /** A bulk issue, all or nothing: the protocol is DynamoDbBulkIssue's (dynamodb-bulk-issue.ts). */
  async commitBulkIssue(
    tenantId: string,
    plan: BulkIssuePlan,
    idempotency?: IdempotentResult,
  ): Promise<void> {
    await this.bulk.commitBulkIssue(tenantId, plan, idempotency);
  }

  async commit(
    tenantId: string,
    changes: readonly LedgerChange[],
    audit: AuditEntry,
    idempotency?: IdempotentResult,
  ): Promise<void> {
    const items: TransactItem[] = await Promise.all(
      changes.map((change) => changeItem(this.options, tenantId, change)),
    );
    // The entry is an item of its own under a fresh id: it shares nothing with any other write, so it never makes
    // a commit lose a race. The chain writer gives it its place in the chain off the stream.
    items.push(auditEntryItem(this.options, tenantId, audit));
    if (idempotency !== undefined)
      items.push(await idempotencyItem(this.options, tenantId, idempotency, audit.at));
    try {
      await this.transact(items, audit.at);
    } catch (error) {
      // A draft a bulk issue held and left behind (it crashed before committing) is freed once its hold expired.
      // Only invoices whose own condition failed are looked at: a lost race on a counter costs no extra read.
      const reasons =
        error instanceof ConcurrentChangeError && error.cause instanceof TransactionCanceledException
          ? (error.cause.CancellationReasons ?? [])
          : [];
      // The tenant's hourly send cap refused the commit: that is the answer, not a race to retry.
      const cap = changes.find(
        (change, index) => change.type === 'countSends' && reasons[index]?.Code === 'ConditionalCheckFailed',
      );
      if (cap?.type === 'countSends')
        throw tenantLimitReached(cap.limit, new Date(audit.at), cap.windowEndsAt);
      const held = changes.flatMap((change, index) =>
        ((change.type === 'putInvoice' && change.expectedVersion !== null) ||
          change.type === 'deleteInvoice') &&
        reasons[index]?.Code === 'ConditionalCheckFailed'
          ? [change.invoice.id]
          : [],
      );
      if (error instanceof ConcurrentChangeError && held.length > 0)
        await this.bulk.breakExpiredHolds(tenantId, held);
      throw error;
    }
  }
}
