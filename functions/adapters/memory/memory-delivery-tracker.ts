// adapter (memory): MemoryTable → DeliveryTracker, with the DynamoDB tracker's conditions: only the request
// token moves a delivery along, never for a void invoice, and a claim holds until its lease ends.
import type { Delivery } from '../../domain/invoice';
import type { ClaimResult, DeliveryTracker } from '../../ports/delivery-tracker';
import type { MemoryTable } from './memory-table';

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
      (delivery.status === 'queued' || (delivery.status === 'sending' && delivery.retryable === true));
    if (claimable) {
      const attempt = (delivery.attempts ?? 0) + 1;
      this.table.updateInvoice(tenantId, invoiceId, (current) => ({
        ...current,
        delivery: {
          ...current.delivery,
          status: 'sending',
          leaseUntil: now + leaseSeconds,
          retryable: false,
          attempts: attempt,
        },
      }));
      return { outcome: 'claimed', attempt };
    }
    if (delivery?.requestToken !== requestToken || delivery.status !== 'sending') return { outcome: 'done' };
    return (delivery.leaseUntil ?? 0) < now ? { outcome: 'interrupted' } : { outcome: 'busy' };
  }

  private async update(
    operation: string,
    tenantId: string,
    invoiceId: string,
    requestToken: string,
    change: (delivery: Delivery) => Delivery,
  ): Promise<void> {
    await this.table.faults.enter(operation);
    this.table.updateInvoice(tenantId, invoiceId, (invoice) =>
      // The request was replaced or settled meanwhile: ours has nothing left to record.
      invoice.delivery.requestToken === requestToken && invoice.delivery.status === 'sending'
        ? { ...invoice, delivery: change(invoice.delivery) }
        : invoice,
    );
  }

  release(tenantId: string, invoiceId: string, requestToken: string, reason: string): Promise<void> {
    return this.update('tracker.release', tenantId, invoiceId, requestToken, (delivery) => ({
      ...delivery,
      retryable: true,
      leaseUntil: 0,
      reason,
    }));
  }

  markSent(tenantId: string, invoiceId: string, requestToken: string, messageId: string, sentAt: string) {
    return this.update('tracker.markSent', tenantId, invoiceId, requestToken, (delivery) => {
      const { reason: _reason, leaseUntil: _lease, retryable: _retryable, ...rest } = delivery;
      return { ...rest, status: 'sent', messageId, sentAt };
    });
  }

  markFailed(tenantId: string, invoiceId: string, requestToken: string, reason: string) {
    return this.update('tracker.markFailed', tenantId, invoiceId, requestToken, (delivery) => {
      const { leaseUntil: _lease, retryable: _retryable, ...rest } = delivery;
      return { ...rest, status: 'failed', reason };
    });
  }
}
