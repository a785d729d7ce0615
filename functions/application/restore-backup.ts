// application: rebuilding the tables from the backup archive — every change of every item replayed in stream
// order up to a moment, written into empty tables, then proved: every sealed record opens and matches its
// context and digest, and every tenant's audit chain verifies up to its backed-up head.
import type { SignedCheckpoint } from '../domain/audit-chain';
import { detectorPartitionPrefix, entityTypes } from '../platform/key-layout';
import type { BackupLibrary } from '../ports/backup-archive';
import type {
  RestoreTarget,
  RestoreVerification,
  RestoreVerifier,
  StoredItem,
} from '../ports/restore-target';
import { type BackedUpChange, decodeChangeBatch } from './back-up-changes';

export interface RestoreDependencies {
  readonly library: BackupLibrary;
  readonly main: RestoreTarget;
  readonly keyStore: RestoreTarget;
  /** Built over the restored tables: it opens the restored records with the restored branch keys. */
  readonly verifier: RestoreVerifier;
  readonly now?: () => Date;
  readonly progress?: (line: string) => void;
  /** Backup objects read at once. @default 16 */
  readonly concurrency?: number;
}

export interface RestoreReport {
  readonly asOf: string;
  readonly objectsRead: number;
  readonly changesReplayed: number;
  readonly itemsWritten: { readonly main: number; readonly keyStore: number };
  /** Items left out on purpose, by why. */
  readonly skipped: Readonly<Record<string, number>>;
  readonly verification: RestoreVerification;
  readonly verified: boolean;
}

interface Latest {
  readonly sequence: bigint;
  readonly change: BackedUpChange;
}

const keyOf = (keys: BackedUpChange['keys']) =>
  JSON.stringify(Object.entries(keys).sort(([a], [b]) => a.localeCompare(b)));

/**
 * What to leave out: the detector's windows (rebuilt from traffic within minutes, and no one's record), and items
 * whose TTL has passed (expired Idempotency-Key records: their 48 h promise is over). Unexpired idempotency
 * records are restored, so a client retrying across a restore still gets its first answer, not a duplicate.
 */
function whyLeftOut(item: StoredItem, nowSeconds: number): string | undefined {
  const pk = 'S' in (item.pk ?? {}) ? (item.pk as { S: string }).S : '';
  if (pk.startsWith(detectorPartitionPrefix)) return 'detector windows (rebuilt from traffic)';
  const expiresAt =
    item.expiresAt !== undefined && 'N' in item.expiresAt ? Number(item.expiresAt.N) : undefined;
  if (expiresAt !== undefined && expiresAt < nowSeconds) return 'expired (time to live passed)';
  return undefined;
}

const textOf = (item: StoredItem, name: string) => {
  const value = item[name];
  return value !== undefined && 'S' in value ? String(value.S) : '';
};

/** A backed-up checkpoint item → the checkpoint it signed; undefined for any other item. */
function anchorOf(item: StoredItem | undefined): SignedCheckpoint | undefined {
  if (item === undefined || textOf(item, 'entity') !== entityTypes.auditCheckpoint) return undefined;
  const sequence = item.sequence;
  return {
    tenantId: textOf(item, 'tenantId'),
    sequence: sequence !== undefined && 'N' in sequence ? Number(sequence.N) : -1,
    hash: textOf(item, 'hash'),
    signedAt: textOf(item, 'signedAt'),
    signature: textOf(item, 'signature'),
    keyId: textOf(item, 'keyId'),
    algorithm: textOf(item, 'algorithm'),
  };
}

async function readAll<Value, Result>(
  values: readonly Value[],
  concurrency: number,
  read: (value: Value) => Promise<Result>,
): Promise<Result[]> {
  const results: Result[] = new Array(values.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, values.length) }, async () => {
      while (next < values.length) {
        const index = next;
        next += 1;
        results[index] = await read(values[index] as Value);
      }
    }),
  );
  return results;
}

export async function restoreFromBackups(
  dependencies: RestoreDependencies,
  options: { readonly asOf?: Date } = {},
): Promise<RestoreReport> {
  const now = dependencies.now ?? (() => new Date());
  const say = dependencies.progress ?? (() => undefined);
  const asOf = options.asOf ?? now();
  const asOfMs = asOf.getTime();
  const concurrency = dependencies.concurrency ?? 16;
  const skipped: Record<string, number> = {};
  let objectsRead = 0;
  let changesReplayed = 0;
  const written = { main: 0, keyStore: 0 };
  // Every checkpoint ever backed up: a checkpoint deleted from the table later still binds the chain.
  const anchors = new Map<string, SignedCheckpoint>();

  // Refuse before reading anything: a restore never mixes into a table that holds data.
  await dependencies.main.prepare();
  await dependencies.keyStore.prepare();

  for (const [source, target] of [
    ['key-store', dependencies.keyStore],
    ['main', dependencies.main],
  ] as const) {
    const versions = await dependencies.library.list(source);
    say(`${source}: ${versions.length} backup objects to read`);
    const latest = new Map<string, Latest>();
    const batches = await readAll(versions, concurrency, async (version) => {
      const batch = decodeChangeBatch(await dependencies.library.read(version));
      objectsRead += 1;
      if (objectsRead % 100 === 0) say(`${source}: read ${objectsRead} objects`);
      return batch;
    });
    for (const batch of batches) {
      for (const change of batch.changes) {
        if (change.changedAt > asOfMs) continue;
        changesReplayed += 1;
        const anchor = source === 'main' ? anchorOf(change.item) : undefined;
        if (anchor !== undefined) anchors.set(`${anchor.tenantId}#${anchor.sequence}`, anchor);
        const key = keyOf(change.keys);
        const sequence = BigInt(change.sequenceNumber);
        const current = latest.get(key);
        // Per item, the stream's sequence numbers give the order of its changes.
        if (current === undefined || sequence > current.sequence) latest.set(key, { sequence, change });
      }
    }
    const nowSeconds = Math.floor(now().getTime() / 1000);
    const items: StoredItem[] = [];
    for (const { change } of latest.values()) {
      if (change.eventName === 'REMOVE' || change.item === undefined) continue;
      const reason = whyLeftOut(change.item, nowSeconds);
      if (reason !== undefined) {
        skipped[reason] = (skipped[reason] ?? 0) + 1;
        continue;
      }
      items.push(change.item);
    }
    for (let start = 0; start < items.length; start += 1000) {
      await target.write(items.slice(start, start + 1000));
      say(
        `${source}: wrote ${Math.min(start + 1000, items.length)}/${items.length} items into ${target.tableName}`,
      );
    }
    if (source === 'main') written.main = items.length;
    else written.keyStore = items.length;
  }

  say('verifying: opening every sealed record and recomputing every audit chain');
  const verification = await dependencies.verifier.verify(
    (checked) => {
      if (checked % 1000 === 0) say(`verified ${checked} items`);
    },
    [...anchors.values()],
  );
  const verified = verification.failures.length === 0 && verification.chains.every((chain) => chain.valid);
  return {
    asOf: asOf.toISOString(),
    objectsRead,
    changesReplayed,
    itemsWritten: written,
    skipped,
    verification,
    verified,
  };
}
