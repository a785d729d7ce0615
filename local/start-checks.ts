// local: checks `npm start` makes before it starts anything — today, whether the state directory's disk has room.
// DynamoDB Local acknowledges writes before its SQLite commit, so a disk that fills up loses the last writes.
import { mkdirSync, statfsSync } from 'node:fs';

/** Below this, `npm start` warns (LEDGERLOCK_MIN_FREE_DISK_MB overrides). */
export const defaultMinimumFreeBytes = 1024 ** 3;

const mebibytes = (bytes: number) => `${Math.floor(bytes / 1024 ** 2)} MiB`;

/** The warning line for `freeBytes` free under `stateDir`, or undefined when there is enough. */
export function lowDiskSpaceWarning(
  stateDir: string,
  freeBytes: number,
  minimumBytes = defaultMinimumFreeBytes,
): string | undefined {
  if (freeBytes >= minimumBytes) return undefined;
  return (
    `WARNING: only ${mebibytes(freeBytes)} free under ${stateDir} (less than ${mebibytes(minimumBytes)}). ` +
    'The local emulators keep data and logs there; when the disk fills up, DynamoDB Local can lose the last ' +
    'writes it already acknowledged. Free some space, or use --state-dir on another disk.'
  );
}

/** Free bytes available to this user on the file system holding `dir` (created if missing). */
export function freeBytesUnder(dir: string): number {
  mkdirSync(dir, { recursive: true });
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

export function minimumFreeBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LEDGERLOCK_MIN_FREE_DISK_MB;
  if (raw === undefined || raw === '') return defaultMinimumFreeBytes;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`LEDGERLOCK_MIN_FREE_DISK_MB is "${raw}"; use a number of MiB ≥ 0`);
  }
  return value * 1024 ** 2;
}
