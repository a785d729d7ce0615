// domain: one rule's state for one subject, moved along by what was observed — counts, baseline, arming,
// samples — and the alert it holds: opened once when the condition starts, a follow-up while it lasts, resolved
// once it has been quiet. Pure: the application layer loads and saves the state and publishes what this says.
import {
  type Counter,
  capMinute,
  emptyCounter,
  limitFor,
  medianAndMad,
  minuteOf,
  record,
  windowCount,
} from './baseline';
import type { Observation } from './observations';
import type { Rule, RuleMatch, Severity } from './rules';
import type { Subject } from './subjects';

export interface AlertState {
  readonly alertId: string;
  readonly status: 'open' | 'resolved';
  readonly openedAt: number;
  readonly lastSeenAt: number;
  readonly lastNotifiedAt: number;
  readonly observed: number;
  readonly baseline: number;
  readonly windowFrom: number;
}

export interface RuleState {
  readonly counter: Counter;
  readonly armed?: {
    readonly by: string;
    readonly at: number;
    readonly until: number;
    readonly fired: number;
  };
  /** Recent values of an outlier rule, per group (currency). */
  readonly samples?: Readonly<Record<string, readonly number[]>>;
  /** The latest evidence ids (request or audit event ids), newest last. */
  readonly evidence: readonly string[];
  readonly tenantId?: string;
  readonly alert?: AlertState;
  /** Observation ids already counted: a retried batch is not counted twice. */
  readonly seen?: readonly string[];
  /** Notifications decided but not yet confirmed published (an outbox): published again until they are. */
  readonly pending?: readonly Notification[];
}

export const emptyRuleState: RuleState = { counter: emptyCounter, evidence: [] };

export type AlertStatus = 'open' | 'ongoing' | 'resolved';

export interface Notification {
  readonly status: AlertStatus;
  readonly alert: AlertState;
  readonly evidence: readonly string[];
  readonly tenantId?: string;
}

/** A condition that lasts gets a follow-up this often; the first one after it ends says it is resolved. */
export const followUpEveryMs = 15 * 60_000;
/** Quiet for this long and the condition has ended. */
export const quietAfterMs = 5 * 60_000;
const keptEvidence = 10;
const keptSeen = 300;

export interface Matched {
  readonly observation: Observation;
  readonly match: RuleMatch;
}

interface Reading {
  readonly breached: boolean;
  readonly observed: number;
  readonly baseline: number;
  readonly windowFrom: number;
}

function readCounts(
  rule: Rule,
  state: RuleState,
  matched: readonly Matched[],
): { state: RuleState; reading: Reading } {
  let counter = state.counter;
  for (const { observation } of matched) counter = record(counter, minuteOf(observation.at), 1);
  const latest = Math.max(...matched.map(({ observation }) => observation.at));
  const minute = minuteOf(latest);
  const next = { ...state, counter };
  const threshold = rule.threshold;
  if (threshold.kind === 'fixed') {
    const observed = windowCount(counter, minute, threshold.windowMinutes);
    return {
      state: next,
      reading: {
        breached: observed >= threshold.count,
        observed,
        baseline: threshold.count,
        windowFrom: (minute - threshold.windowMinutes + 1) * 60_000,
      },
    };
  }
  if (threshold.kind === 'baseline') {
    const observed = windowCount(counter, minute, 1);
    const judgement = limitFor(counter.baseline, threshold);
    const breached = observed > judgement.limit;
    return {
      state: breached ? { ...next, counter: capMinute(counter, minute, judgement.limit) } : next,
      reading: {
        breached,
        observed,
        baseline: Math.round(judgement.baseline * 100) / 100,
        windowFrom: minute * 60_000,
      },
    };
  }
  // immediate
  return {
    state: next,
    reading: {
      breached: true,
      observed: windowCount(counter, minute, 10),
      baseline: 0,
      windowFrom: minute * 60_000,
    },
  };
}

function readSequence(
  rule: Rule,
  state: RuleState,
  matched: readonly Matched[],
): { state: RuleState; reading: Reading } {
  if (rule.threshold.kind !== 'sequence') throw new Error('not a sequence rule');
  let armed = state.armed;
  let breached = false;
  const within = rule.threshold.withinMinutes * 60_000;
  for (const { observation, match } of [...matched].sort((a, b) => a.observation.at - b.observation.at)) {
    if (match.role === 'arms') {
      armed = { by: observation.id, at: observation.at, until: observation.at + within, fired: 0 };
    } else if (armed !== undefined && observation.at >= armed.at && observation.at <= armed.until) {
      armed = { ...armed, fired: armed.fired + 1 };
      breached = true;
    }
  }
  return {
    state: { ...state, ...(armed === undefined ? {} : { armed }) },
    reading: { breached, observed: armed?.fired ?? 0, baseline: 0, windowFrom: armed?.at ?? 0 },
  };
}

function readOutlier(
  rule: Rule,
  state: RuleState,
  matched: readonly Matched[],
): { state: RuleState; reading: Reading } {
  const threshold = rule.threshold;
  if (threshold.kind !== 'outlier') throw new Error('not an outlier rule');
  const groups: Record<string, readonly number[]> = { ...state.samples };
  let worst: Reading = { breached: false, observed: 0, baseline: 0, windowFrom: 0 };
  for (const { observation, match } of matched) {
    const value = match.value ?? 0;
    const group = match.group ?? '';
    const samples = groups[group] ?? [];
    if (samples.length >= threshold.minimumSamples) {
      const { median, mad } = medianAndMad(samples);
      // 1.4826 × MAD estimates a standard deviation for normally distributed values.
      const limit = Math.max(median * threshold.factor, median + threshold.mads * 1.4826 * mad);
      if (value > limit && value > worst.observed) {
        worst = { breached: true, observed: value, baseline: median, windowFrom: observation.at };
      }
    }
    groups[group] = [...samples, value].slice(-threshold.keep);
  }
  return { state: { ...state, samples: groups }, reading: worst };
}

/** Folds this batch's matching observations for one rule and subject into its state; says what to publish. */
export function evaluate(
  rule: Rule,
  initial: RuleState,
  batch: readonly Matched[],
  context: { readonly now: number; readonly newAlertId: () => string },
): { readonly state: RuleState; readonly notification?: Notification } {
  const seen = new Set(initial.seen ?? []);
  const matched = batch.filter(({ observation }) => !seen.has(observation.id));
  if (matched.length === 0) return { state: initial };
  const state: RuleState = {
    ...initial,
    seen: [...(initial.seen ?? []), ...matched.map(({ observation }) => observation.id)].slice(-keptSeen),
  };
  const read =
    rule.threshold.kind === 'sequence'
      ? readSequence(rule, state, matched)
      : rule.threshold.kind === 'outlier'
        ? readOutlier(rule, state, matched)
        : readCounts(rule, state, matched);
  const tenantId = matched.find(({ observation }) => observation.tenantId !== undefined)?.observation
    .tenantId;
  const evidenceIds = [
    ...(rule.threshold.kind === 'sequence' && read.state.armed !== undefined ? [read.state.armed.by] : []),
    ...matched.map(({ observation }) => observation.id),
  ];
  const evidence = [...new Set([...read.state.evidence, ...evidenceIds])].slice(-keptEvidence);
  const next: RuleState = { ...read.state, evidence, ...(tenantId === undefined ? {} : { tenantId }) };
  if (!read.reading.breached) return { state: next };

  const { now } = context;
  const current = next.alert;
  if (current === undefined || current.status === 'resolved') {
    const alert: AlertState = {
      alertId: context.newAlertId(),
      status: 'open',
      openedAt: now,
      lastSeenAt: now,
      lastNotifiedAt: now,
      observed: read.reading.observed,
      baseline: read.reading.baseline,
      windowFrom: read.reading.windowFrom,
    };
    return {
      state: { ...next, alert },
      notification: {
        status: 'open',
        alert,
        evidence,
        ...(next.tenantId ? { tenantId: next.tenantId } : {}),
      },
    };
  }
  const observed = Math.max(current.observed, read.reading.observed);
  const followUp = now - current.lastNotifiedAt >= followUpEveryMs;
  const alert: AlertState = {
    ...current,
    lastSeenAt: now,
    observed,
    ...(followUp ? { lastNotifiedAt: now } : {}),
  };
  return {
    state: { ...next, alert },
    ...(followUp
      ? {
          notification: {
            status: 'ongoing',
            alert,
            evidence,
            ...(next.tenantId ? { tenantId: next.tenantId } : {}),
          },
        }
      : {}),
  };
}

/** The follow-up of an open alert whose condition has been quiet long enough: it is resolved. */
export function resolveIfQuiet(
  state: RuleState,
  now: number,
): { readonly state: RuleState; readonly notification?: Notification } {
  const alert = state.alert;
  if (alert === undefined || alert.status !== 'open' || now - alert.lastSeenAt < quietAfterMs)
    return { state };
  const resolved: AlertState = { ...alert, status: 'resolved', lastNotifiedAt: now };
  return {
    state: { ...state, alert: resolved },
    notification: {
      status: 'resolved',
      alert: resolved,
      evidence: state.evidence,
      ...(state.tenantId ? { tenantId: state.tenantId } : {}),
    },
  };
}

/** The alert message of DESIGN.md's schema. Ids, counts and rule names only. */
export interface AlertMessage {
  readonly alertId: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly status: AlertStatus;
  readonly subject: Subject;
  readonly tenantId?: string;
  readonly summary: string;
  readonly detectedAt: string;
  readonly window: { readonly from: string; readonly to: string };
  readonly observed: number;
  readonly baseline: number;
  readonly evidence: readonly string[];
  readonly runbook: string;
}
