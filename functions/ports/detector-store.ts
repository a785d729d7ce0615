// port: where the detector keeps its windows, baselines and alert states — one state per rule and subject —
// and the short list of alerts that are open, so a periodic tick can resolve the ones gone quiet.
import type { RuleState } from '../domain/detection/evaluate';
import type { RuleId } from '../domain/detection/rules';
import type { Subject } from '../domain/detection/subjects';

export interface StoredRuleState {
  readonly state: RuleState;
  /** Optimistic concurrency: the save must name the version it read (null when there was none). */
  readonly version: number;
}

export interface DetectorStore {
  load(rule: RuleId, subject: Subject): Promise<StoredRuleState | undefined>;
  /** Throws ConcurrentChangeError (ports/ledger) when another writer saved first. */
  save(rule: RuleId, subject: Subject, state: RuleState, expectedVersion: number | null): Promise<void>;
  /** Records whether the (rule, subject) has an open alert. */
  setOpen(rule: RuleId, subject: Subject, open: boolean): Promise<void>;
  openAlerts(): Promise<readonly { readonly rule: RuleId; readonly subject: Subject }[]>;
  /** Counts one more alert of the hour (`2026-12-01T10`), published or held back, and returns the count so far. */
  countAlerts(hour: string, kind: 'published' | 'held-back'): Promise<number>;
}
