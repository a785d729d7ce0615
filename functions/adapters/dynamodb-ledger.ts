// adapter: DynamoDB → Ledger. One TransactWriteItems per business change: the entities, the number taken,
// the audit entry (chained later by the chain writer, off the stream) and the idempotency result — all or nothing.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../domain/audit-chain';
import { tenantLimitReached } from '../domain/delivery';
import type { SequenceId } from '../domain/numbering';
import {
  bulkIssueAbortKey,
  bulkIssueJobKey,
  entityTypes,
  invoiceKey,
  sequenceKey,
} from '../platform/key-layout';
import {
  type BulkIssueJob,
  type BulkIssuePlan,
  ConcurrentChangeError,
  type IdempotentResult,
  type Ledger,
  type LedgerChange,
} from '../ports/ledger';
import type { Sealer } from '../ports/sealer';
import { invoiceCodec } from './dynamodb-codecs';
import { deliveryReminderItem } from './dynamodb-delivery-reminders';
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

/**
 * How long a bulk issue may hold its drafts before committing; a hold older than this may be broken by any
 * writer (unless its job committed). The commit point is refused this long before the hold ends, so a hold is
 * never broken while its job could still commit, even with clocks a few seconds apart.
 */
const holdMilliseconds = 120_000;
const holdSafetyMilliseconds = 30_000;
/** Issued invoices per transaction: each is the invoice and its audit entry (and, when sent, its reminder). */
const invoicesPerTransaction = 48;
const sendingInvoicesPerTransaction = 33;

function chunksOf<Item>(items: readonly Item[], size: number): Item[][] {
  const chunks: Item[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
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

  /**
   * A bulk issue, all or nothing, in four steps — DynamoDB takes at most 100 items per transaction, and 100
   * invoices with the counter are 101:
   * 1. hold: one transaction marks every draft (at the version and delivery read) `heldBy` this job; no other
   *    writer changes a held draft (their conditions require no hold);
   * 2. commit point: one transaction moves the counter by the count, records the job (ids, first number) and the
   *    run's audit entry — from here the numbers are the drafts', and a hold of a committed job is never broken;
   * 3. complete: the issued invoices with their audit entries, a few transactions, each conditioned on the hold;
   *    the last marks the job done and stores the idempotent response;
   * 4. a lost race in 1 or 2 releases the holds and re-plans; a failure in 3 re-plans too, and the re-plan finds
   *    the committed job and finishes it with the numbers it committed (so does any retry of the same run).
   * A hold whose bulk issue never committed (it crashed) expires; a writer that meets it breaks it, writing a
   * tombstone that keeps that attempt from ever committing.
   */
  async commitBulkIssue(
    tenantId: string,
    plan: BulkIssuePlan,
    idempotency?: IdempotentResult,
  ): Promise<void> {
    const TableName = this.options.tableName;
    const at = plan.audit.at;
    // Sealed first, all at once: the time between holding the drafts and finishing is only DynamoDB's.
    const sealed = await Promise.all(
      plan.invoices.map(({ issued }) => invoiceCodec.toItem(this.options.sealer, issued, undefined)),
    );
    if (!plan.resume) {
      const heldUntil = this.now() + holdMilliseconds;
      // One transaction holds every draft (a bulk issue has at most 100): all or none, so a lost race leaves
      // nothing to release, and it is one request where 100 conditional updates were 100 (DynamoDB Local took
      // ~340 ms for those, ~55 ms for the transaction; on AWS it costs 2 WRU a draft instead of 1).
      for (const drafts of chunksOf(plan.invoices, 100)) {
        try {
          await this.options.client.send(
            new TransactWriteCommand({
              TransactItems: drafts.map(({ draft }) => ({
                Update: {
                  TableName,
                  Key: invoiceKey(tenantId, draft.id),
                  UpdateExpression: 'SET heldBy = :job, heldUntil = :until, changedAt = :changedAt',
                  ConditionExpression:
                    'version = :version AND delivery = :delivery AND #status = :draft AND (attribute_not_exists(heldBy) OR heldBy = :job)',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':job': plan.jobId,
                    ':until': heldUntil,
                    ':version': draft.version,
                    ':delivery': draft.delivery,
                    ':draft': 'draft',
                    ':changedAt': at,
                  },
                },
              })),
            }),
          );
        } catch (error) {
          await this.releaseHolds(tenantId, plan);
          if (!(error instanceof TransactionCanceledException)) throw error;
          // Only the drafts whose own condition failed may carry an expired hold to break.
          const reasons = error.CancellationReasons ?? [];
          await this.breakExpiredHolds(
            tenantId,
            drafts.flatMap(({ draft }, index) =>
              reasons[index]?.Code === 'ConditionalCheckFailed' ? [draft.id] : [],
            ),
          );
          throw new ConcurrentChangeError('a draft changed before it could be held', { cause: error });
        }
      }
      try {
        if (this.now() > heldUntil - holdSafetyMilliseconds) {
          throw new ConcurrentChangeError('the drafts were held too long to commit safely');
        }
        const last = plan.firstValue + plan.invoiceIds.length - 1;
        await this.transact(
          [
            {
              ConditionCheck: {
                TableName,
                Key: bulkIssueAbortKey(tenantId, plan.jobId, heldUntil),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName,
                Item: { ...sequenceKey(tenantId, plan.sequence), entity: entityTypes.sequence, value: last },
                ...(plan.firstValue === 1
                  ? { ConditionExpression: 'attribute_not_exists(pk)' }
                  : {
                      ConditionExpression: '#value = :previous',
                      ExpressionAttributeNames: { '#value': 'value' },
                      ExpressionAttributeValues: { ':previous': plan.firstValue - 1 },
                    }),
              },
            },
            {
              Put: {
                TableName,
                Item: {
                  ...bulkIssueJobKey(tenantId, plan.jobId),
                  entity: entityTypes.bulkIssueJob,
                  invoiceIds: [...plan.invoiceIds],
                  sequence: plan.sequence,
                  firstValue: plan.firstValue,
                  send: plan.send,
                  committedAt: at,
                  done: false,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            auditEntryItem(this.options, tenantId, plan.audit),
            ...(plan.sendCount === undefined
              ? []
              : [await changeItem(this.options, tenantId, plan.sendCount)]),
          ],
          at,
        );
      } catch (error) {
        await this.releaseHolds(tenantId, plan);
        const reasons =
          error instanceof ConcurrentChangeError && error.cause instanceof TransactionCanceledException
            ? (error.cause.CancellationReasons ?? [])
            : [];
        // The send count is the commit point's last item (after the abort check, counter, job and audit entry).
        if (plan.sendCount !== undefined && reasons.at(-1)?.Code === 'ConditionalCheckFailed') {
          throw tenantLimitReached(plan.sendCount.limit, new Date(at), plan.sendCount.windowEndsAt);
        }
        throw error;
      }
    }
    // Complete: from here on, every failure leaves a committed job that the re-plan finishes. The invoices first,
    // their transactions side by side; the job is marked done (and the response stored) only once all landed.
    await Promise.all(
      chunksOf(
        plan.invoices.map((_, index) => index),
        plan.send ? sendingInvoicesPerTransaction : invoicesPerTransaction,
      ).map((indexes) =>
        this.transact(
          indexes.flatMap((index) => {
            const audit = plan.invoiceAudits[index];
            const reminder = plan.invoices[index]?.reminder;
            return [
              {
                Put: {
                  TableName,
                  Item: sealed[index] as Record<string, unknown>,
                  ConditionExpression: 'heldBy = :job',
                  ExpressionAttributeValues: { ':job': plan.jobId },
                },
              },
              ...(audit === undefined ? [] : [auditEntryItem(this.options, tenantId, audit)]),
              ...(reminder === undefined
                ? []
                : [{ Put: { TableName, Item: deliveryReminderItem(reminder) } }]),
            ];
          }),
          at,
        ),
      ),
    );
    await this.transact(
      [
        {
          Update: {
            TableName,
            Key: bulkIssueJobKey(tenantId, plan.jobId),
            UpdateExpression: 'SET done = :done, changedAt = :changedAt',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':done': true, ':changedAt': at },
          },
        },
        ...(idempotency === undefined
          ? []
          : [await idempotencyItem(this.options, tenantId, idempotency, at)]),
      ],
      at,
    );
  }

  private async releaseHolds(tenantId: string, plan: BulkIssuePlan): Promise<void> {
    // One by one, each only if still ours; best effort: a hold left behind expires and is broken by the next
    // writer that meets it.
    await Promise.all(
      plan.invoices.map(({ draft }) =>
        this.options.client
          .send(
            new UpdateCommand({
              TableName: this.options.tableName,
              Key: invoiceKey(tenantId, draft.id),
              UpdateExpression: 'REMOVE heldBy, heldUntil',
              ConditionExpression: 'heldBy = :job',
              ExpressionAttributeValues: { ':job': plan.jobId },
            }),
          )
          .catch(() => undefined),
      ),
    );
  }

  /**
   * Breaks the expired holds on these invoices whose job never committed: the tombstone of that attempt, the
   * check that its job record does not exist, and the hold's removal, in one transaction — so the attempt can
   * never commit afterwards, and a committed job's hold is never broken.
   */
  private async breakExpiredHolds(tenantId: string, invoiceIds: readonly string[]): Promise<void> {
    const now = this.now();
    await Promise.all(
      invoiceIds.map(async (invoiceId) => {
        const { Item: item } = await this.options.client.send(
          new GetCommand({
            TableName: this.options.tableName,
            Key: invoiceKey(tenantId, invoiceId),
            ConsistentRead: true,
            ProjectionExpression: 'heldBy, heldUntil',
          }),
        );
        const heldBy = item?.heldBy;
        const heldUntil = Number(item?.heldUntil);
        if (typeof heldBy !== 'string' || !(heldUntil < now)) return;
        await this.options.client
          .send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: this.options.tableName,
                    Item: {
                      ...bulkIssueAbortKey(tenantId, heldBy, heldUntil),
                      entity: entityTypes.bulkIssueAbort,
                      invoiceId,
                      changedAt: new Date(now).toISOString(),
                    },
                  },
                },
                {
                  ConditionCheck: {
                    TableName: this.options.tableName,
                    Key: bulkIssueJobKey(tenantId, heldBy),
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                {
                  Update: {
                    TableName: this.options.tableName,
                    Key: invoiceKey(tenantId, invoiceId),
                    UpdateExpression: 'REMOVE heldBy, heldUntil',
                    ConditionExpression: 'heldBy = :job AND heldUntil = :until',
                    ExpressionAttributeValues: { ':job': heldBy, ':until': heldUntil },
                  },
                },
              ],
            }),
          )
          // Lost to the job's commit or to another breaker: the next attempt sees which.
          .catch(() => undefined);
      }),
    );
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
        await this.breakExpiredHolds(tenantId, held);
      throw error;
    }
  }
}
