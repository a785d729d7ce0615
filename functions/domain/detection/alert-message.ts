// domain: the alert operations read — DESIGN.md's message schema, with a one-line summary that says what was
// observed against which baseline. Ids, counts and rule names only: never personal data, secrets or tokens.
import type { AlertMessage, Notification } from './evaluate';
import { type Rule, runbookOf } from './rules';
import type { Subject } from './subjects';

const iso = (epochMs: number) => new Date(epochMs).toISOString();
const round = (value: number) => Math.round(value * 100) / 100;

function against(rule: Rule, notification: Notification): string {
  const { alert } = notification;
  const threshold = rule.threshold;
  switch (threshold.kind) {
    case 'immediate':
      return 'any one is an incident';
    case 'fixed':
      return `limit ${threshold.count} in ${threshold.windowMinutes} min`;
    case 'baseline':
      return `usually ${round(alert.baseline)} a minute`;
    case 'sequence':
      return `within ${threshold.withinMinutes / 60} h of a change of the payout details at ${iso(alert.windowFrom)}`;
    case 'outlier':
      return `usual total ${round(alert.baseline)}`;
  }
}

export function toAlertMessage(
  rule: Rule,
  subject: Subject,
  notification: Notification,
  now: number,
): AlertMessage {
  const { alert, status } = notification;
  const observed = `${alert.observed} ${rule.counts}`;
  const summary =
    status === 'resolved'
      ? `Resolved: ${rule.id} for ${subject} has been quiet since ${iso(alert.lastSeenAt)} (peak ${observed})`
      : `${status === 'ongoing' ? 'Ongoing: ' : ''}${observed} for ${subject} (${against(rule, notification)})`;
  return {
    alertId: alert.alertId,
    rule: rule.id,
    severity: rule.severity,
    status,
    subject,
    ...(notification.tenantId === undefined ? {} : { tenantId: notification.tenantId }),
    summary,
    detectedAt: iso(now),
    window: { from: iso(alert.windowFrom), to: iso(status === 'resolved' ? alert.lastSeenAt : now) },
    observed: alert.observed,
    baseline: round(alert.baseline),
    evidence: notification.evidence,
    runbook: runbookOf(rule.id),
  };
}
