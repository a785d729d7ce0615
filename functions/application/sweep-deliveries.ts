// application: the delivery sweeper — run on a schedule, it takes every due reminder and brings its request a step
// closer to `sent` or `failed`: a due retry or a stalled request is handed to a deliverer again, a claim whose
// deliverer died mid-send is settled as failed with an unknown outcome. So every queued request settles within a
// bound even when every process dies (the lease, plus the retry window, plus one sweep interval).
import {
  defaultQueuedGraceSeconds,
  defaultRetryPolicy,
  epochSeconds,
  type RetryPolicy,
  sweepDecision,
} from '../domain/delivery';
import type {
  DeliveryExpectation,
  DeliveryReminder,
  DeliveryReminders,
  DeliveryTracker,
} from '../ports/delivery-tracker';

/** Some reminders could not be handled; the others were, and the next sweep tries the rest again. */
export class SweepIncompleteError extends Error {
  override readonly name = 'SweepIncompleteError';
}

export interface DeliverySweepDependencies {
  readonly tracker: DeliveryTracker;
  readonly reminders: DeliveryReminders;
  /** @default the clock */
  readonly now?: () => Date;
  /** @default defaultRetryPolicy */
  readonly retry?: RetryPolicy;
  /** How long a queued request may wait for a deliverer before it is taken to the stream again. @default 120 */
  readonly queuedGraceSeconds?: number;
  /** Reminders handled per run; the rest wait for the next run. @default 200 */
  readonly batchLimit?: number;
}

export interface SweepReport {
  readonly due: number;
  readonly requeued: number;
  readonly failed: number;
  /** Of `failed`: settled with an unknown outcome (the deliverer died while handing the email over). */
  readonly unknown: number;
  readonly forgotten: number;
  readonly postponed: number;
}

export function makeDeliverySweep(dependencies: DeliverySweepDependencies) {
  const now = dependencies.now ?? (() => new Date());
  const retry = dependencies.retry ?? defaultRetryPolicy;
  const grace = dependencies.queuedGraceSeconds ?? defaultQueuedGraceSeconds;
  const limit = dependencies.batchLimit ?? 200;
  const { tracker, reminders } = dependencies;

  const expectation = (from: 'queued' | 'sending', attempt: number): DeliveryExpectation =>
    from === 'queued' ? { queued: true, attempt } : { claimed: attempt };

  /** One reminder: judge the delivery as stored, act fenced on what was judged, then move or drop the reminder. */
  const handle = async (reminder: DeliveryReminder): Promise<keyof Omit<SweepReport, 'due'>> => {
    const { tenantId, invoiceId, requestToken } = reminder;
    const nowSeconds = epochSeconds(now());
    const delivery = await tracker.read(tenantId, invoiceId);
    const action = sweepDecision(delivery, requestToken, nowSeconds, retry, grace);
    switch (action.kind) {
      case 'forget':
        await reminders.forget(tenantId, invoiceId, requestToken);
        return 'forgotten';
      case 'remind':
        await reminders.remind({ ...reminder, dueAt: action.atSeconds });
        return 'postponed';
      case 'requeue':
        // The reminder moves first: if the deliverer never takes the request, the sweeper looks again.
        await reminders.remind({ ...reminder, dueAt: nowSeconds + grace });
        // A lost race (a deliverer or the API got there first) leaves the reminder for the next look.
        await tracker.requeue(tenantId, invoiceId, requestToken, expectation(action.from, action.attempt));
        return 'requeued';
      case 'fail':
        await tracker.markFailed(
          tenantId,
          invoiceId,
          requestToken,
          expectation(action.from, action.attempt),
          {
            reason: action.reason,
            ...(action.outcome === undefined ? {} : { outcome: action.outcome }),
          },
        );
        await reminders.forget(tenantId, invoiceId, requestToken);
        return action.outcome === 'unknown' ? 'unknown' : 'failed';
    }
  };

  return async (): Promise<SweepReport> => {
    const due = await reminders.due(epochSeconds(now()), limit);
    const report = { due: due.length, requeued: 0, failed: 0, unknown: 0, forgotten: 0, postponed: 0 };
    const errors: unknown[] = [];
    for (const reminder of due) {
      try {
        const counted = await handle(reminder);
        report[counted] += 1;
        if (counted === 'unknown') report.failed += 1;
      } catch (error) {
        // One request the table will not move (throttled, an item it refuses) must not hold up the others.
        errors.push(error);
      }
    }
    if (errors.length > 0) {
      throw new SweepIncompleteError(`${errors.length} of ${due.length} due reminders could not be handled`, {
        cause: errors[0],
      });
    }
    return report;
  };
}
