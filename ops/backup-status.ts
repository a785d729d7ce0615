// ops: how far the local backups lag — read from the status the local stack's backup consumer keeps in
// <state-dir>/backup-status.json (on AWS the same numbers are the backup function's IteratorAge and BackupLag
// metrics, with an alarm).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SourceStatus {
  /** When the newest backed-up change happened, and when its batch reached the bucket. */
  readonly lastChangeAt?: string;
  readonly lastWrittenAt?: string;
  readonly lastObject?: string;
  readonly objects: number;
  readonly changes: number;
  /** Lag of the recent batches: from a batch's oldest change to its object in the bucket. */
  readonly recentLagMs: readonly number[];
  /** A batch failing and being retried since then. */
  readonly failingSince?: string;
}

export interface BackupStatusFile {
  readonly updatedAt: string;
  readonly sources: Readonly<Record<string, SourceStatus>>;
}

export const backupStatusFileName = 'backup-status.json';

function percentile(values: readonly number[], share: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

export async function backupStatus(stateDir: string, now = new Date()): Promise<string> {
  const file = join(stateDir, backupStatusFileName);
  if (!existsSync(file)) return `backups: no batch backed up yet (${file} does not exist)`;
  const status = JSON.parse(readFileSync(file, 'utf8')) as BackupStatusFile;
  const lines = [`backups as of ${status.updatedAt}:`];
  for (const [source, entry] of Object.entries(status.sources)) {
    const p50 = percentile(entry.recentLagMs, 0.5);
    const p95 = percentile(entry.recentLagMs, 0.95);
    const since =
      entry.lastWrittenAt === undefined
        ? 'never'
        : `${Math.round((now.getTime() - Date.parse(entry.lastWrittenAt)) / 1000)} s ago`;
    lines.push(
      `  ${source.padEnd(10)} ${entry.objects} objects, ${entry.changes} changes; last written ${since}` +
        (p50 === undefined
          ? ''
          : `; lag p50 ${p50} ms, p95 ${p95} ms over ${entry.recentLagMs.length} batches`) +
        (entry.failingSince === undefined ? '' : `; FAILING since ${entry.failingSince} (retrying)`),
    );
  }
  return lines.join('\n');
}
