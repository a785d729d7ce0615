// adapter (memory): MemoryTable → Ledger, with the DynamoDB ledger's conditions — versions, delivery as read,
// the counter moving by exactly one, the idempotency claim — checked all together before anything changes, so a
// commit is all or nothing here too. The audit entry goes to the pending entries the chain writer takes.

import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { AuditEntry } from '../../domain/audit-chain';
import { tenantLimitReached } from '../../domain/delivery';
import { type SequenceId, sequenceName } from '../../domain/numbering';
import {
  type BulkIssueJob,
  type BulkIssuePlan,
  ConcurrentChangeError,
  type IdempotentResult,
  type Ledger,
  type LedgerChange,
} from '../../ports/ledger';
import { MemoryTable } from './memory-table';

export class MemoryLedger implements Ledger {
  constructor(
    private readonly table: MemoryTable,
    private readonly emailDigest: (tenantId: string, email: string) => Promise<string>,
  ) {}

  async currentNumber(tenantId: string, sequence: SequenceId): Promise<number> {
    await this.table.faults.enter('ledger.currentNumber');
    return this.table.sequences.get(MemoryTable.key(tenantId, sequenceName(sequence))) ?? 0;
  }

  /** Whether the change may be applied to the table as it is now (DynamoDB's condition expressions). */
  private holds(tenantId: string, change: LedgerChange): boolean {
    const { table } = this;
    switch (change.type) {
      case 'putInvoice': {
        const current = table.getInvoice(tenantId, change.invoice.id);
        if (change.expectedVersion === null) return current === undefined;
        return (
          current !== undefined &&
          current.version === change.expectedVersion &&
          isDeepStrictEqual(current.delivery, change.expectedDelivery ?? change.invoice.delivery)
        );
      }
      case 'deleteInvoice': {
        const current = table.getInvoice(tenantId, change.invoice.id);
        return current?.version === change.invoice.version && current.status === 'draft';
      }
      case 'putCustomer': {
        const current = table.customers.get(MemoryTable.key(tenantId, change.customer.id));
        if (change.expectedVersion === null) return current === undefined;
        return current?.customer.version === change.expectedVersion;
      }
      case 'putPayment':
        return !(table.payments.get(MemoryTable.key(tenantId, change.payment.invoiceId)) ?? []).some(
          (payment) => payment.id === change.payment.id,
        );
      case 'putCreditNote':
        return !table.creditNotes.has(MemoryTable.key(tenantId, change.creditNote.id));
      case 'putSellerProfile': {
        const current = table.sellers.get(change.tenantId);
        return change.expectedVersion === null
          ? current === undefined
          : current?.version === change.expectedVersion;
      }
      case 'takeNumber':
        return (
          (table.sequences.get(MemoryTable.key(tenantId, sequenceName(change.sequence))) ?? 0) ===
          change.value - 1
        );
      case 'remindDelivery':
        return true;
      case 'countSends':
        return (
          (table.sendCounters.get(MemoryTable.key(tenantId, change.hour)) ?? 0) + change.count <= change.limit
        );
    }
  }

  private apply(tenantId: string, change: LedgerChange, emailDigest: string | undefined): void {
    const { table } = this;
    switch (change.type) {
      case 'putInvoice':
        table.putInvoice(change.invoice);
        return;
      case 'deleteInvoice':
        table.invoices.delete(MemoryTable.key(tenantId, change.invoice.id));
        return;
      case 'putCustomer':
        table.customers.set(MemoryTable.key(tenantId, change.customer.id), {
          customer: structuredClone(change.customer),
          emailDigest: emailDigest ?? '',
        });
        return;
      case 'putPayment': {
        const key = MemoryTable.key(tenantId, change.payment.invoiceId);
        table.payments.set(key, [...(table.payments.get(key) ?? []), structuredClone(change.payment)]);
        return;
      }
      case 'putCreditNote':
        table.creditNotes.set(
          MemoryTable.key(tenantId, change.creditNote.id),
          structuredClone(change.creditNote),
        );
        return;
      case 'putSellerProfile':
        table.sellers.set(change.tenantId, {
          profile: structuredClone(change.profile),
          version: change.version,
          updatedAt: change.updatedAt,
        });
        return;
      case 'takeNumber':
        table.sequences.set(MemoryTable.key(tenantId, sequenceName(change.sequence)), change.value);
        return;
      case 'remindDelivery':
        table.reminders.set(MemoryTable.key(tenantId, change.reminder.invoiceId), { ...change.reminder });
        return;
      case 'countSends': {
        const key = MemoryTable.key(tenantId, change.hour);
        table.sendCounters.set(key, (table.sendCounters.get(key) ?? 0) + change.count);
        return;
      }
    }
  }

  async commit(
    tenantId: string,
    changes: readonly LedgerChange[],
    audit: AuditEntry,
    idempotency?: IdempotentResult,
  ): Promise<void> {
    await this.table.faults.enter('ledger.commit');
    // Blind indexes first: from the checks on, nothing awaits, so no other request can interleave.
    const digests = await Promise.all(
      changes.map((change) =>
        change.type === 'putCustomer' ? this.emailDigest(tenantId, change.customer.details.email) : undefined,
      ),
    );
    const claim =
      idempotency === undefined
        ? undefined
        : this.table.idempotency.get(MemoryTable.key(tenantId, idempotency.key));
    const claimHolds =
      idempotency === undefined ||
      (claim?.state === 'in-progress' && claim.claimToken === idempotency.claimToken);
    const failing = changes.filter((change) => !this.holds(tenantId, change));
    const cap = failing.find((change) => change.type === 'countSends');
    if (cap?.type === 'countSends') throw tenantLimitReached(cap.limit, new Date(audit.at), cap.windowEndsAt);
    if (!claimHolds || failing.length > 0) {
      throw new ConcurrentChangeError('a concurrent change got there first');
    }
    changes.forEach((change, index) => {
      this.apply(tenantId, change, digests[index]);
    });
    this.pushEntry(tenantId, audit);
    if (claim !== undefined && idempotency !== undefined) {
      claim.state = 'completed';
      claim.response = structuredClone(idempotency.response);
    }
  }

  private pushEntry(tenantId: string, audit: AuditEntry): void {
    this.table
      .pendingAuditOf(tenantId)
      .push({ ...structuredClone(audit), tenantId, entryId: `aud_${randomBytes(16).toString('hex')}` });
  }

  private claimHolds(tenantId: string, idempotency: IdempotentResult | undefined) {
    const claim =
      idempotency === undefined
        ? undefined
        : this.table.idempotency.get(MemoryTable.key(tenantId, idempotency.key));
    const holds =
      idempotency === undefined ||
      (claim?.state === 'in-progress' && claim.claimToken === idempotency.claimToken);
    return { claim, holds };
  }

  /** All at once here: the memory table has no item limit, so the protocol DynamoDB needs is not needed. */
  async commitBulkIssue(
    tenantId: string,
    plan: BulkIssuePlan,
    idempotency?: IdempotentResult,
  ): Promise<void> {
    await this.table.faults.enter('ledger.commit');
    const { table } = this;
    const sequenceKey = MemoryTable.key(tenantId, sequenceName(plan.sequence));
    const jobKey = MemoryTable.key(tenantId, plan.jobId);
    const existing = table.bulkIssueJobs.get(jobKey);
    const drafts = plan.invoices.every(({ draft }) => {
      const current = table.getInvoice(tenantId, draft.id);
      return (
        current !== undefined &&
        current.status === 'draft' &&
        current.version === draft.version &&
        isDeepStrictEqual(current.delivery, draft.delivery)
      );
    });
    const counter = plan.resume
      ? existing !== undefined && !existing.done
      : existing === undefined && (table.sequences.get(sequenceKey) ?? 0) === plan.firstValue - 1;
    const { claim, holds } = this.claimHolds(tenantId, idempotency);
    if (!drafts || !counter || !holds) throw new ConcurrentChangeError('a concurrent change got there first');
    const { sendCount } = plan;
    if (sendCount !== undefined && !this.holds(tenantId, sendCount)) {
      throw tenantLimitReached(sendCount.limit, new Date(plan.audit.at), sendCount.windowEndsAt);
    }
    if (!plan.resume) {
      table.sequences.set(sequenceKey, plan.firstValue + plan.invoiceIds.length - 1);
      this.pushEntry(tenantId, plan.audit);
    }
    if (sendCount !== undefined) this.apply(tenantId, sendCount, undefined);
    for (const [index, { issued, reminder }] of plan.invoices.entries()) {
      table.putInvoice(issued);
      if (reminder !== undefined) this.apply(tenantId, { type: 'remindDelivery', reminder }, undefined);
      const audit = plan.invoiceAudits[index];
      if (audit !== undefined) this.pushEntry(tenantId, audit);
    }
    const job: BulkIssueJob = {
      jobId: plan.jobId,
      invoiceIds: [...plan.invoiceIds],
      sequence: plan.sequence,
      firstValue: plan.firstValue,
      send: plan.send,
      committedAt: plan.audit.at,
      done: true,
    };
    table.bulkIssueJobs.set(jobKey, job);
    if (claim !== undefined && idempotency !== undefined) {
      claim.state = 'completed';
      claim.response = structuredClone(idempotency.response);
    }
  }

  async bulkIssueJob(tenantId: string, jobId: string): Promise<BulkIssueJob | undefined> {
    const job = this.table.bulkIssueJobs.get(MemoryTable.key(tenantId, jobId));
    return job === undefined ? undefined : structuredClone(job);
  }
}
