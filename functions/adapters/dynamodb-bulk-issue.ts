// adapter: DynamoDB → the bulk issue of DynamoDbLedger (dynamodb-ledger.ts): up to 100 drafts issued all or
// nothing, gap-free, idempotent and resumable, in as few transactions as DynamoDB's 100 items allow — a hold of the
// drafts the commit point cannot carry, the commit point, the completion — and the breaking of holds a crashed run
// left behind, which the ledger's single commits need too.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../domain/audit-chain';
import { tenantLimitReached } from '../domain/delivery';
import type { Invoice } from '../domain/invoice';
import {
  bulkIssueAbortKey,
  bulkIssueJobKey,
  entityTypes,
  invoiceKey,
  sequenceKey,
} from '../platform/key-layout';
import { type BulkIssuePlan, ConcurrentChangeError, type IdempotentResult } from '../ports/ledger';
import { invoiceCodec } from './dynamodb-codecs';
import { deliveryReminderItem } from './dynamodb-delivery-reminders';
import type { DynamoDbLedgerOptions } from './dynamodb-ledger';
import { auditEntriesItem, changeItem, idempotencyItem, type TransactItem } from './dynamodb-ledger-items';

/**
 * How long a bulk issue may hold its drafts before committing; a hold older than this may be broken by any
 * writer (unless its job committed). The commit point is refused this long before the hold ends, so a hold is
 * never broken while its job could still commit, even with clocks a few seconds apart.
 */
const holdMilliseconds = 120_000;
const holdSafetyMilliseconds = 30_000;
const maxTransactionItems = 100;
/** The draft is still the one read: the same version and delivery, and a draft. */
const draftAsRead = 'version = :version AND delivery = :delivery AND #status = :draft';

/** How a bulk issue splits: the first `carried` invoices ride in the commit point, the rest are held first. */
interface BulkLayout {
  readonly carried: number;
  /** All of them fit the commit point, which then records the job done and stores the idempotent response. */
  readonly doneAtCommitPoint: boolean;
}

function bulkLayout(plan: BulkIssuePlan, storesResponse: boolean): BulkLayout {
  if (plan.resume) return { carried: 0, doneAtCommitPoint: false };
  // Each invoice, and its reminder when the run sends; their audit entries share one item.
  const perInvoice = plan.send ? 2 : 1;
  // The counter, the job and the audit entries, with the send count when the run sends.
  const fixed = 3 + (plan.sendCount === undefined ? 0 : 1);
  const all = plan.invoices.length;
  if (fixed + (storesResponse ? 1 : 0) + all * perInvoice <= maxTransactionItems) {
    return { carried: all, doneAtCommitPoint: true };
  }
  // Plus the check that no hold of this attempt was broken.
  return { carried: Math.floor((maxTransactionItems - fixed - 1) / perInvoice), doneAtCommitPoint: false };
}

/** Chunks of at most `size`, as few as that allows and as even as possible (they run side by side). */
function balancedChunksOf<Item>(items: readonly Item[], size: number): Item[][] {
  const count = Math.ceil(items.length / size);
  const even = Math.ceil(items.length / Math.max(count, 1));
  const chunks: Item[][] = [];
  for (let start = 0; start < items.length; start += even) chunks.push(items.slice(start, start + even));
  return chunks;
}

export class DynamoDbBulkIssue {
  constructor(
    private readonly options: DynamoDbLedgerOptions,
    /** The ledger's transaction: every put stamped with the commit's time, a lost race a ConcurrentChangeError. */
    private readonly transact: (items: TransactItem[], at: string) => Promise<void>,
    private readonly now: () => number,
  ) {}

  /**
   * A bulk issue, all or nothing. DynamoDB takes at most 100 items per transaction, and 100 invoices with their
   * audit entries and the counter are over 200, so a run that does not fit one transaction goes in steps:
   * 1. hold: one transaction marks every draft the commit point cannot carry (at the version and delivery read)
   *    `heldBy` this job; no other writer changes a held draft (their conditions require no hold);
   * 2. commit point: one transaction moves the counter by the count, records the job (ids, first number) and the
   *    send count, and issues as many drafts as fit, each conditioned on the draft as read, with one item for the
   *    audit entries (the run's and each invoice's) — from here the numbers are the drafts', and a hold of a
   *    committed job is never broken;
   * 3. complete: the held drafts issued, with one item for their audit entries per transaction, each conditioned on
   *    the hold; the job is marked done and the idempotent response stored with them when they fit one
   *    transaction, else by one more once all of their transactions (side by side) have landed;
   * 4. a lost race in 1 or 2 releases the holds and re-plans; a failure in 3 re-plans too, and the re-plan finds
   *    the committed job and finishes it with the numbers it committed (so does any retry of the same run).
   * A run that fits one transaction is the commit point alone: nothing held, the job recorded done.
   * A hold whose bulk issue never committed (it crashed) expires; a writer that meets it breaks it, writing a
   * tombstone that keeps that attempt from ever committing.
   */
  async commitBulkIssue(
    tenantId: string,
    plan: BulkIssuePlan,
    idempotency?: IdempotentResult,
  ): Promise<void> {
    const at = plan.audit.at;
    // Sealing is this process's work and the hold DynamoDB's: the invoices are sealed while the hold is in flight.
    const sealing = Promise.all(
      plan.invoices.map(({ issued }) => invoiceCodec.toItem(this.options.sealer, issued, undefined)),
    );
    const storing =
      idempotency === undefined
        ? Promise.resolve(undefined)
        : idempotencyItem(this.options, tenantId, idempotency, at);
    // Awaited on every path that goes on; a hold lost first must not leave their failures unhandled.
    sealing.catch(() => undefined);
    storing.catch(() => undefined);
    const layout = bulkLayout(plan, idempotency !== undefined);
    if (!plan.resume) {
      await this.commitPoint(tenantId, plan, layout, sealing, storing);
    }
    // Complete: from here on, every failure leaves a committed job that the re-plan finishes.
    if (layout.doneAtCommitPoint) return;
    const sealed = await sealing;
    const stored = await storing;
    const held = plan.invoices.map((_, index) => index).slice(layout.carried);
    const done: TransactItem[] = [
      {
        Update: {
          TableName: this.options.tableName,
          Key: bulkIssueJobKey(tenantId, plan.jobId),
          UpdateExpression: 'SET done = :done, changedAt = :changedAt',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':done': true, ':changedAt': at },
        },
      },
      ...(stored === undefined ? [] : [stored]),
    ];
    const perInvoice = plan.send ? 2 : 1;
    if (1 + held.length * perInvoice + done.length <= maxTransactionItems) {
      await this.transact([...this.issuedItems(tenantId, plan, sealed, held, 'held'), ...done], at);
      return;
    }
    // Too many for one: their transactions side by side, and the job done once all of them landed. Each settles
    // before a failure is reported, so no write of this attempt is still in flight when a retry starts.
    const outcomes = await Promise.allSettled(
      balancedChunksOf(held, Math.floor((maxTransactionItems - 1) / perInvoice)).map((indexes) =>
        this.transact(this.issuedItems(tenantId, plan, sealed, indexes, 'held'), at),
      ),
    );
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    await this.transact(done, at);
  }

  /**
   * Steps 1 and 2: holds the drafts the commit point cannot carry, then commits — the counter, the job, the run's
   * entry and the send count with the first `layout.carried` drafts issued. A lost race releases the holds.
   */
  private async commitPoint(
    tenantId: string,
    plan: BulkIssuePlan,
    layout: BulkLayout,
    sealing: Promise<Record<string, unknown>[]>,
    storing: Promise<TransactItem | undefined>,
  ): Promise<void> {
    const TableName = this.options.tableName;
    const at = plan.audit.at;
    const heldUntil = this.now() + holdMilliseconds;
    const toHold = plan.invoices.slice(layout.carried).map(({ draft }) => draft);
    if (toHold.length > 0) {
      // One transaction holds them all (at most 100 - carried): all or none, so a lost race leaves nothing to
      // release, and it is one request where that many conditional updates were as many.
      try {
        await this.options.client.send(
          new TransactWriteCommand({
            TransactItems: toHold.map((draft) => ({
              Update: {
                TableName,
                Key: invoiceKey(tenantId, draft.id),
                UpdateExpression: 'SET heldBy = :job, heldUntil = :until, changedAt = :changedAt',
                ConditionExpression: `${draftAsRead} AND (attribute_not_exists(heldBy) OR heldBy = :job)`,
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
        await this.releaseHolds(tenantId, plan.jobId, toHold);
        if (!(error instanceof TransactionCanceledException)) throw error;
        // Only the drafts whose own condition failed may carry an expired hold to break.
        const reasons = error.CancellationReasons ?? [];
        await this.breakExpiredHolds(
          tenantId,
          toHold.flatMap((draft, index) =>
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
      const sealed = await sealing;
      const stored = layout.doneAtCommitPoint ? await storing : undefined;
      const items: TransactItem[] = [
        // Any hold of this attempt broken meanwhile (it expired) keeps the attempt from committing.
        ...(toHold.length === 0
          ? []
          : [
              {
                ConditionCheck: {
                  TableName,
                  Key: bulkIssueAbortKey(tenantId, plan.jobId, heldUntil),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ]),
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
              done: layout.doneAtCommitPoint,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...(stored === undefined ? [] : [stored]),
      ];
      const sendCountAt = plan.sendCount === undefined ? -1 : items.length;
      if (plan.sendCount !== undefined) items.push(await changeItem(this.options, tenantId, plan.sendCount));
      const carried = plan.invoices.map((_, index) => index).slice(0, layout.carried);
      const firstDraftAt = items.length;
      // The run's entry first, then each carried invoice's (with the invoices, after them).
      items.push(...this.issuedItems(tenantId, plan, sealed, carried, 'draft', plan.audit));
      try {
        await this.transact(items, at);
      } catch (error) {
        const reasons =
          error instanceof ConcurrentChangeError && error.cause instanceof TransactionCanceledException
            ? (error.cause.CancellationReasons ?? [])
            : [];
        if (sendCountAt >= 0 && reasons[sendCountAt]?.Code === 'ConditionalCheckFailed' && plan.sendCount) {
          throw tenantLimitReached(plan.sendCount.limit, new Date(at), plan.sendCount.windowEndsAt);
        }
        // A carried draft that failed its condition may carry an expired hold of a crashed run to break.
        const perInvoice = plan.send ? 2 : 1;
        await this.breakExpiredHolds(
          tenantId,
          carried.flatMap((index) =>
            reasons[firstDraftAt + index * perInvoice]?.Code === 'ConditionalCheckFailed'
              ? [plan.invoices[index]?.draft.id ?? '']
              : [],
          ),
        );
        throw error;
      }
    } catch (error) {
      await this.releaseHolds(tenantId, plan.jobId, toHold);
      throw error;
    }
  }

  /**
   * What issuing the plan's invoices at `indexes` writes: each sealed invoice — conditioned on this job's hold, or
   * on the draft as read when the commit point carries it — and, when sent, the sweeper's reminder right after it;
   * then one item with their audit entries (after `runEntry`, when given).
   */
  private issuedItems(
    tenantId: string,
    plan: BulkIssuePlan,
    sealed: readonly Record<string, unknown>[],
    indexes: readonly number[],
    condition: 'held' | 'draft',
    runEntry?: AuditEntry,
  ): TransactItem[] {
    const TableName = this.options.tableName;
    const items: TransactItem[] = [];
    const entries: AuditEntry[] = runEntry === undefined ? [] : [runEntry];
    for (const index of indexes) {
      const entry = plan.invoices[index];
      if (entry === undefined) continue;
      const { draft, reminder } = entry;
      items.push({
        Put: {
          TableName,
          Item: sealed[index] as Record<string, unknown>,
          ...(condition === 'held'
            ? { ConditionExpression: 'heldBy = :job', ExpressionAttributeValues: { ':job': plan.jobId } }
            : {
                ConditionExpression: `${draftAsRead} AND (attribute_not_exists(heldBy) OR heldBy = :job)`,
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':job': plan.jobId,
                  ':version': draft.version,
                  ':delivery': draft.delivery,
                  ':draft': 'draft',
                },
              }),
        },
      });
      if (reminder !== undefined) items.push({ Put: { TableName, Item: deliveryReminderItem(reminder) } });
      const audit = plan.invoiceAudits[index];
      if (audit !== undefined) entries.push(audit);
    }
    if (entries.length > 0) items.push(auditEntriesItem(this.options, tenantId, entries));
    return items;
  }

  private async releaseHolds(tenantId: string, jobId: string, drafts: readonly Invoice[]): Promise<void> {
    // One by one, each only if still ours and only while no attempt has committed the job: two attempts of one
    // run share the job id (it is the run's invoice list), and the one that lost the commit point must not free
    // the drafts the winner's completion relies on. Best effort: a hold left behind expires and is broken by the
    // next writer that meets it (never one of a committed job).
    const TableName = this.options.tableName;
    await Promise.all(
      drafts.map((draft) =>
        this.options.client
          .send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  ConditionCheck: {
                    TableName,
                    Key: bulkIssueJobKey(tenantId, jobId),
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                {
                  Update: {
                    TableName,
                    Key: invoiceKey(tenantId, draft.id),
                    UpdateExpression: 'REMOVE heldBy, heldUntil',
                    ConditionExpression: 'heldBy = :job',
                    ExpressionAttributeValues: { ':job': jobId },
                  },
                },
              ],
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
  async breakExpiredHolds(tenantId: string, invoiceIds: readonly string[]): Promise<void> {
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
}
