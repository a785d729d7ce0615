// application: the detector — groups what was observed by rule and subject, moves each state along (with
// optimistic retries, since log and stream batches arrive concurrently), and publishes the alerts the domain
// decides, at least once, under an hourly cap so an attack cannot bury operations.

import { toAlertMessage } from '../domain/detection/alert-message';
import type { AlertMessage, Notification, RuleState } from '../domain/detection/evaluate';
import { emptyRuleState, evaluate, resolveIfQuiet } from '../domain/detection/evaluate';
import type { Observation } from '../domain/detection/observations';
import { type Rule, rules, runbookOf } from '../domain/detection/rules';
import type { Subject } from '../domain/detection/subjects';
import type { AlertSink } from '../ports/alert-sink';
import type { DetectorStore } from '../ports/detector-store';
import { ConcurrentChangeError } from '../ports/ledger';

export interface DetectorDependencies {
  readonly store: DetectorStore;
  readonly alerts: AlertSink;
  readonly now?: () => Date;
  readonly newAlertId?: () => string;
  /** Alerts published per hour at most; past it, one `alert-cap-reached` alert says so. @default 60 */
  readonly hourlyCap?: number;
  readonly rules?: readonly Rule[];
}

const maxSaveAttempts = 8;

export function makeDetector(dependencies: DetectorDependencies) {
  const now = dependencies.now ?? (() => new Date());
  const newAlertId = dependencies.newAlertId ?? (() => crypto.randomUUID());
  const hourlyCap = dependencies.hourlyCap ?? 60;
  const active = dependencies.rules ?? rules;
  const byId = new Map(active.map((rule) => [rule.id, rule]));

  const publish = async (rule: Rule, subject: Subject, notification: Notification) => {
    const at = now().getTime();
    const hour = new Date(at).toISOString().slice(0, 13);
    // Critical alerts always go out; the cap keeps a flood of lesser ones from burying them. Held-back alerts are
    // dropped (their state still changes, so an ongoing condition is not re-announced when the hour turns).
    const published = await dependencies.store.countAlerts(hour, 'published');
    if (rule.severity !== 'critical' && published > hourlyCap) {
      const heldBack = await dependencies.store.countAlerts(hour, 'held-back');
      if (heldBack === 1) await dependencies.alerts.publish(capReached(hour, at));
      return;
    }
    await dependencies.alerts.publish(toAlertMessage(rule, subject, notification, at));
  };

  /** Loads, changes and saves one state; publishes what it decided, then clears it from the outbox. */
  const update = async (
    rule: Rule,
    subject: Subject,
    change: (state: RuleState) => { state: RuleState; notification?: Notification },
  ) => {
    for (let attempt = 1; ; attempt += 1) {
      const stored = await dependencies.store.load(rule.id, subject);
      const before = stored?.state ?? emptyRuleState;
      const { state, notification } = change(before);
      if (notification === undefined && (before.pending ?? []).length === 0 && state === before) return;
      const pending = [...(before.pending ?? []), ...(notification === undefined ? [] : [notification])];
      try {
        await dependencies.store.save(rule.id, subject, { ...state, pending }, stored?.version ?? null);
      } catch (error) {
        if (error instanceof ConcurrentChangeError && attempt < maxSaveAttempts) continue;
        throw error;
      }
      for (const waiting of pending) await publish(rule, subject, waiting);
      const open = state.alert?.status === 'open';
      await dependencies.store.setOpen(rule.id, subject, open);
      // Best effort: if another writer got in between, it publishes the outbox again (at least once).
      try {
        await dependencies.store.save(
          rule.id,
          subject,
          { ...state, pending: [] },
          (stored?.version ?? 0) + 1,
        );
      } catch (error) {
        if (!(error instanceof ConcurrentChangeError)) throw error;
      }
      return;
    }
  };

  /** Everything one batch observed. */
  const observe = async (observations: readonly Observation[]): Promise<void> => {
    const groups = new Map<
      string,
      {
        rule: Rule;
        subject: Subject;
        matched: { observation: Observation; match: NonNullable<ReturnType<Rule['match']>> }[];
      }
    >();
    for (const observation of observations) {
      for (const rule of active) {
        const match = rule.match(observation);
        if (match === undefined) continue;
        const key = `${rule.id}|${match.subject}`;
        const group = groups.get(key) ?? { rule, subject: match.subject, matched: [] };
        group.matched.push({ observation, match });
        groups.set(key, group);
      }
    }
    for (const { rule, subject, matched } of groups.values()) {
      await update(rule, subject, (state) =>
        evaluate(rule, state, matched, { now: now().getTime(), newAlertId }),
      );
    }
  };

  /** Resolves open alerts whose condition has been quiet (a schedule calls this every minute). */
  const tick = async (): Promise<void> => {
    for (const { rule: id, subject } of await dependencies.store.openAlerts()) {
      const rule = byId.get(id);
      if (rule === undefined) continue;
      await update(rule, subject, (state) => resolveIfQuiet(state, now().getTime()));
    }
  };

  return { observe, tick };
}

function capReached(hour: string, at: number): AlertMessage {
  return {
    alertId: `alert-cap-${hour}`,
    rule: 'alert-cap-reached',
    severity: 'critical',
    status: 'open',
    subject: 'platform',
    summary: `More alerts than the hourly cap in ${hour}:00 UTC; further non-critical alerts this hour are held back`,
    detectedAt: new Date(at).toISOString(),
    window: { from: `${hour}:00:00.000Z`, to: new Date(at).toISOString() },
    observed: 0,
    baseline: 0,
    evidence: [],
    runbook: runbookOf('alert-cap-reached'),
  };
}
