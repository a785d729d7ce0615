// application: what queuing an email adds to a commit — it counts against the tenant's hourly cap (atomically, in
// the same transaction), and leaves the sweeper a reminder to look if no deliverer takes the request in time.
import {
  defaultQueuedGraceSeconds,
  epochSeconds,
  type SendLimits,
  tenantSendWindow,
} from '../domain/delivery';
import type { Invoice } from '../domain/invoice';
import type { DeliveryReminder } from '../ports/delivery-tracker';
import type { LedgerChange } from '../ports/ledger';

/** `count` emails requested now, against the tenant's cap for this clock hour. */
export function countSends(
  limits: SendLimits,
  count: number,
  now: Date,
): Extract<LedgerChange, { type: 'countSends' }> {
  const window = tenantSendWindow(now);
  return {
    type: 'countSends',
    hour: window.id,
    count,
    limit: limits.perTenantPerHour,
    windowEndsAt: window.endsAtSeconds,
  };
}

/** The sweeper's reminder for the invoice's current send request. */
export function reminderOf(invoice: Invoice, now: Date): DeliveryReminder {
  return {
    tenantId: invoice.tenantId,
    invoiceId: invoice.id,
    requestToken: invoice.delivery.requestToken ?? '',
    dueAt: epochSeconds(now) + defaultQueuedGraceSeconds,
  };
}
