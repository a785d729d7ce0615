// application: backing up one stream batch of a table's changes as one object — the items exactly as stored
// (sealed fields stay sealed), named so the same batch always lands under the same name, written once.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue } from 'aws-lambda';
import * as z from 'zod/mini';
import { type BackupSource, backupObjectKey } from '../platform/key-layout';
import type { BackupArchive } from '../ports/backup-archive';

/** One change of one item, as the stream described it. */
export interface BackedUpChange {
  readonly sequenceNumber: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** When the change happened, epoch milliseconds: the item's own `changedAt` where it has one. */
  readonly changedAt: number;
  /** The item's key attributes, DynamoDB JSON. */
  readonly keys: Readonly<Record<string, AttributeValue>>;
  /** The whole item after the change, DynamoDB JSON as stored; absent for a removal. */
  readonly item?: Readonly<Record<string, AttributeValue>>;
}

export interface ChangeBatch {
  readonly source: BackupSource;
  /** In stream order. */
  readonly changes: readonly BackedUpChange[];
}

const formatVersion = 1;
const attributeValue: z.ZodMiniType<AttributeValue> = z.lazy(() =>
  z.union([
    z.object({ S: z.string() }),
    z.object({ N: z.string() }),
    z.object({ B: z.string() }),
    z.object({ BOOL: z.boolean() }),
    z.object({ NULL: z.literal(true) }),
    z.object({ SS: z.array(z.string()) }),
    z.object({ NS: z.array(z.string()) }),
    z.object({ BS: z.array(z.string()) }),
    z.object({ M: z.record(z.string(), attributeValue) }),
    z.object({ L: z.array(attributeValue) }),
  ]),
) as z.ZodMiniType<AttributeValue>;
const changeSchema = z.object({
  sequenceNumber: z.string().check(z.regex(/^\d+$/)),
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  changedAt: z.number(),
  keys: z.record(z.string(), attributeValue),
  item: z.optional(z.record(z.string(), attributeValue)),
});
const headerSchema = z.object({
  format: z.literal(formatVersion),
  source: z.enum(['main', 'key-store']),
  changes: z.int(),
});

export class InvalidBackupObjectError extends Error {
  override readonly name = 'InvalidBackupObjectError';
}

/**
 * Gzipped JSON lines: a header, then one change per line. Deterministic — the same batch gives the same bytes
 * (gzip's header carries no time), so even a second writer of the same batch writes exactly the same object.
 */
export function encodeChangeBatch(batch: ChangeBatch): Uint8Array {
  const lines = [
    JSON.stringify({ format: formatVersion, source: batch.source, changes: batch.changes.length }),
    ...batch.changes.map((change) =>
      JSON.stringify({
        sequenceNumber: change.sequenceNumber,
        eventName: change.eventName,
        changedAt: change.changedAt,
        keys: change.keys,
        ...(change.item === undefined ? {} : { item: change.item }),
      }),
    ),
  ];
  return gzipSync(`${lines.join('\n')}\n`);
}

export function decodeChangeBatch(content: Uint8Array): ChangeBatch {
  try {
    const [first = '', ...rest] = gunzipSync(content).toString('utf8').trimEnd().split('\n');
    const header = headerSchema.parse(JSON.parse(first));
    const changes = rest.map((line) => changeSchema.parse(JSON.parse(line)) as BackedUpChange);
    if (changes.length !== header.changes)
      throw new Error('the object holds fewer changes than its header says');
    return { source: header.source, changes };
  } catch (error) {
    throw new InvalidBackupObjectError('not a readable backup object', { cause: error });
  }
}

export function makeChangeBackup(dependencies: { readonly archive: BackupArchive }) {
  return async (batch: ChangeBatch) => {
    const first = batch.changes[0];
    const last = batch.changes.at(-1);
    if (first === undefined || last === undefined) return undefined;
    const key = backupObjectKey(batch.source, {
      firstSequence: first.sequenceNumber,
      lastSequence: last.sequenceNumber,
      firstChangeAt: new Date(first.changedAt),
    });
    const outcome = await dependencies.archive.putOnce(key, encodeChangeBatch(batch));
    return { key, outcome, changes: batch.changes.length };
  };
}
