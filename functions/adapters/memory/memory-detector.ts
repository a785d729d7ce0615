// adapter (memory): DetectorStore and AlertSink in memory, with the DynamoDB store's versioning rules.
import type { AlertMessage, RuleState } from '../../domain/detection/evaluate';
import type { RuleId } from '../../domain/detection/rules';
import type { Subject } from '../../domain/detection/subjects';
import type { AlertSink } from '../../ports/alert-sink';
import type { DetectorStore, StoredRuleState } from '../../ports/detector-store';
import { ConcurrentChangeError } from '../../ports/ledger';
import { Faults } from './faults';

export class MemoryDetectorStore implements DetectorStore {
  readonly faults = new Faults();
  private readonly states = new Map<string, StoredRuleState>();
  private readonly open = new Set<string>();
  private readonly published = new Map<string, number>();

  async load(rule: RuleId, subject: Subject): Promise<StoredRuleState | undefined> {
    await this.faults.enter('load');
    const stored = this.states.get(`${rule}|${subject}`);
    return stored === undefined ? undefined : structuredClone(stored);
  }

  async save(
    rule: RuleId,
    subject: Subject,
    state: RuleState,
    expectedVersion: number | null,
  ): Promise<void> {
    await this.faults.enter('save');
    const key = `${rule}|${subject}`;
    const current = this.states.get(key);
    if ((current?.version ?? null) !== expectedVersion) throw new ConcurrentChangeError('saved meanwhile');
    this.states.set(key, { state: structuredClone(state), version: (expectedVersion ?? 0) + 1 });
  }

  async setOpen(rule: RuleId, subject: Subject, open: boolean): Promise<void> {
    if (open) this.open.add(`${rule}|${subject}`);
    else this.open.delete(`${rule}|${subject}`);
  }

  async openAlerts() {
    return [...this.open].map((entry) => {
      const [rule, subject] = entry.split('|') as [RuleId, Subject];
      return { rule, subject };
    });
  }

  async countAlerts(hour: string, kind: 'published' | 'held-back'): Promise<number> {
    const key = `${hour}|${kind}`;
    const count = (this.published.get(key) ?? 0) + 1;
    this.published.set(key, count);
    return count;
  }

  /** What a test seeds as a subject's history: its state, as if learned. */
  seed(rule: RuleId, subject: Subject, state: RuleState): void {
    this.states.set(`${rule}|${subject}`, { state: structuredClone(state), version: 1 });
  }
}

export class MemoryAlertSink implements AlertSink {
  readonly faults = new Faults();
  readonly published: AlertMessage[] = [];

  async publish(alert: AlertMessage): Promise<void> {
    await this.faults.enter('publish');
    this.published.push(structuredClone(alert));
  }
}
