// adapter (memory): MemoryTable → DeliveryTracker and DeliveryReminders, with the DynamoDB adapters' conditions:
// only the request token and the claim's attempt move a delivery along, never for a void invoice, and a claim
// holds until its lease ends. Open to "fail the next N calls" faults per operation.
import { type Delivery, type Invoice, voidedBeforeSendingReason } from '../../domain/invoice';
import type {
  ClaimResult,
  DeliveryExpectation,
  DeliveryReminder,
  DeliveryReminders,
  DeliveryTracker,
} from '../../ports/delivery-tracker';
import { judgeUnclaimable } from '../dynamodb-delivery-tracker';
import { MemoryTable } from './memory-table';

function withoutBookkeeping(delivery: Delivery): Delivery {
  const { leaseUntil: _lease, retryable: _retryable, phase: _phase, retryAt: _retryAt, ...rest } = delivery;
  return rest;
}

function fenceHolds(delivery: Delivery, expected: DeliveryExpectation): boolean {
  if ('claimed' in expected) return delivery.status === 'sending' && delivery.attempts === expected.claimed;
  return delivery.status === 'queued' && (delivery.attempts ?? 0) === expected.attempt;
}

export class MemoryDeliveryTracker implements DeliveryTracker {
  constructor(private readonly table: MemoryTable) {}

  private nowSeconds(): number {
    return Math.floor(this.table.clock() / 1000);
  }

  async claim(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    leaseSeconds: number,
  ): Promise<ClaimResult> {
    await this.table.faults.enter('tracker.claim');
    const now = this.nowSeconds();
    const invoice = this.table.getInvoice(tenantId, invoiceId);
    const delivery = invoice?.delivery;
    const claimable =
      invoice !== undefined &&
      invoice.status !== 'void' &&
      delivery?.requestToken === requestToken &&
      (delivery.status === 'queued' ||
        (delivery.status === 'sending' && delivery.retryable === true && (delivery.retryAt ?? 0) <= now) ||
        (delivery.status === 'sending' &&
          delivery.retryable === false &&
          (delivery.leaseUntil ?? 0) < now &&
          delivery.phase === 'preparing'));
    if (claimable) {
      const attempt = (delivery.attempts ?? 0) + 1;
      this.table.updateInvoice(tenantId, invoiceId, (current) => {
        const { retryAt: _retryAt, ...rest } = current.delivery;
        return {
          ...current,
          delivery: {
            ...rest,
            status: 'sending',
            leaseUntil: now + leaseSeconds,
            retryable: false,
            phase: 'preparing',
            attempts: attempt,
          },
        };
      });
      return { outcome: 'claimed', attempt };
    }
    return judgeUnclaimable(invoice?.status === 'void', delivery, requestToken, now);
  }

  private async update(
    operation: string,
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    holds: (invoice: Invoice) => boolean,
    change: (delivery: Delivery) => Delivery,
  ): Promise<boolean> {
    await this.table.faults.enter(operation);
    const invoice = this.table.getInvoice(tenantId, invoiceId);
    // The request was replaced, taken over or settled meanwhile: ours has nothing left to record.
    if (invoice === undefined || invoice.delivery.requestToken !== requestToken || !holds(invoice))
      return false;
    this.table.updateInvoice(tenantId, invoiceId, (current) => ({
      ...current,
      delivery: change(current.delivery),
    }));
    return true;
  }

  beginMailing(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    attempt: number,
    leaseSeconds: number,
  ): Promise<boolean> {
    const now = this.nowSeconds();
    return this.update(
      'tracker.beginMailing',
      tenantId,
      invoiceId,
      requestToken,
      (invoice) =>
        invoice.status !== 'void' &&
        fenceHolds(invoice.delivery, { claimed: attempt }) &&
        invoice.delivery.phase === 'preparing' &&
        (invoice.delivery.leaseUntil ?? 0) >= now,
      (delivery) => ({ ...delivery, phase: 'mailing', leaseUntil: now + leaseSeconds }),
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
    const deferred = await this.update(
      'tracker.scheduleRetry',
      tenantId,
      invoiceId,
      requestToken,
      (invoice) => invoice.status !== 'void' && fenceHolds(invoice.delivery, { claimed: attempt }),
      (delivery) => {
        const { phase: _phase, ...rest } = delivery;
        return { ...rest, retryable: true, retryAt, leaseUntil: 0, reason };
      },
    );
    if (deferred) return;
    // Voided while this attempt ran (a void leaves a request in flight alone): nothing went out, nothing will.
    const invoice = this.table.getInvoice(tenantId, invoiceId);
    if (
      invoice?.status === 'void' &&
      invoice.delivery.requestToken === requestToken &&
      fenceHolds(invoice.delivery, { claimed: attempt })
    ) {
      this.table.updateInvoice(tenantId, invoiceId, (current) => ({
        ...current,
        delivery: {
          ...withoutBookkeeping(current.delivery),
          status: 'failed',
          reason: voidedBeforeSendingReason,
        },
      }));
    }
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
      'tracker.markSent',
      tenantId,
      invoiceId,
      requestToken,
      ({ delivery }) =>
        delivery.attempts === attempt &&
        (delivery.status === 'sending' || (delivery.status === 'failed' && delivery.outcome === 'unknown')),
      (delivery) => {
        const { reason: _reason, outcome: _outcome, ...rest } = withoutBookkeeping(delivery);
        return { ...rest, status: 'sent', messageId, sentAt };
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
    await this.update(
      'tracker.markFailed',
      tenantId,
      invoiceId,
      requestToken,
      (invoice) => fenceHolds(invoice.delivery, expected),
      (delivery) => ({
        ...withoutBookkeeping(delivery),
        status: 'failed',
        reason: failure.reason,
        ...(failure.outcome === undefined ? {} : { outcome: failure.outcome }),
      }),
    );
  }

  requeue(
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    from: DeliveryExpectation,
  ): Promise<boolean> {
    return this.update(
      'tracker.requeue',
      tenantId,
      invoiceId,
      requestToken,
      (invoice) => invoice.status !== 'void' && fenceHolds(invoice.delivery, from),
      (delivery) => ({
        ...withoutBookkeeping(delivery),
        status: 'queued',
        wakeups: (delivery.wakeups ?? 0) + 1,
      }),
    );
  }

  async read(tenantId: string, invoiceId: string): Promise<Delivery | undefined> {
    await this.table.faults.enter('tracker.read');
    return this.table.getInvoice(tenantId, invoiceId)?.delivery;
  }
}

export class MemoryDeliveryReminders implements DeliveryReminders {
  constructor(private readonly table: MemoryTable) {}

  async remind(reminder: DeliveryReminder): Promise<void> {
    await this.table.faults.enter('reminders.remind');
    const key = MemoryTable.key(reminder.tenantId, reminder.invoiceId);
    const current = this.table.reminders.get(key);
    if (current !== undefined && current.requestToken !== reminder.requestToken) return;
    this.table.reminders.set(key, { ...reminder });
  }

  async forget(tenantId: string, invoiceId: string, requestToken: string): Promise<void> {
    await this.table.faults.enter('reminders.forget');
    const key = MemoryTable.key(tenantId, invoiceId);
    if (this.table.reminders.get(key)?.requestToken === requestToken) this.table.reminders.delete(key);
  }

  async due(nowSeconds: number, limit: number): Promise<readonly DeliveryReminder[]> {
    await this.table.faults.enter('reminders.due');
    return [...this.table.reminders.values()]
      .filter((reminder) => reminder.dueAt <= nowSeconds)
      .sort((first, second) => first.dueAt - second.dueAt)
      .slice(0, limit)
      .map((reminder) => ({ ...reminder }));
  }
}
