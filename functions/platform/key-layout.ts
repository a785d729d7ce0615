// platform: the key layout of the single table and the id formats it is built from — one definition for the
// DynamoDB adapters, the schemas at the API edge, the stream consumers, CDK's IAM conditions and local/.
// Every tenant item's partition key begins with the tenant id.
//
// The one exception is the API-client item, looked up by OAuth client id before any tenant is known;
// it lives under CLIENT# and only the authorizer may read those keys (dynamodb:LeadingKeys in its role).
import { createHash, randomBytes } from 'node:crypto';
import { type SequenceId, sequenceName } from '../domain/numbering';

/**
 * Id formats. Tenant ids are chosen at onboarding; every other id is a type prefix and 128 random bits in hex,
 * so ids are unguessable and hold no `#` (the key separator) and no personal data.
 */
export const idPrefixes = {
  invoice: 'inv',
  customer: 'cus',
  payment: 'pay',
  creditNote: 'cn',
  deliveryRequest: 'dlv',
  auditEntry: 'aud',
} as const;
export type IdKind = keyof typeof idPrefixes;

export const idPatterns = {
  tenant: /^ten_[A-Za-z0-9]{8,64}$/,
  invoice: /^inv_[0-9a-f]{32}$/,
  customer: /^cus_[0-9a-f]{32}$/,
  payment: /^pay_[0-9a-f]{32}$/,
  creditNote: /^cn_[0-9a-f]{32}$/,
  deliveryRequest: /^dlv_[0-9a-f]{32}$/,
  auditEntry: /^aud_[0-9a-f]{32}$/,
} as const satisfies Readonly<Record<IdKind | 'tenant', RegExp>>;

export function randomId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${randomBytes(16).toString('hex')}`;
}

export const entityTypes = {
  invoice: 'invoice',
  customer: 'customer',
  payment: 'payment',
  creditNote: 'credit-note',
  sequence: 'sequence',
  auditEntry: 'audit-entry',
  auditEvent: 'audit-event',
  auditHead: 'audit-head',
  auditCheckpoint: 'audit-checkpoint',
  auditChained: 'audit-chained',
  idempotency: 'idempotency',
  apiClient: 'api-client',
  sellerProfile: 'seller-profile',
  detectorWindow: 'detector-window',
  detectorAlert: 'detector-alert',
  bulkIssueJob: 'bulk-issue-job',
  bulkIssueAbort: 'bulk-issue-abort',
  deliveryReminder: 'delivery-reminder',
  sendCounter: 'send-counter',
} as const;

/** Every tenant item's partition key starts with this; tenant ids hold no `#`, so no tenant's prefix is another's. */
export const tenantPartitionPrefix = (tenantId: string) => `${tenantId}#`;

export const invoiceKey = (tenantId: string, invoiceId: string) => ({
  pk: `${tenantId}#INVOICE#${invoiceId}`,
  sk: 'INVOICE',
});
export const invoiceListKey = (tenantId: string) => `${tenantId}#INVOICES`;

export const paymentKey = (tenantId: string, invoiceId: string, createdAt: string, paymentId: string) => ({
  pk: `${tenantId}#INVOICE#${invoiceId}`,
  sk: `PAYMENT#${createdAt}#${paymentId}`,
});

export const creditNoteKey = (tenantId: string, creditNoteId: string) => ({
  pk: `${tenantId}#CREDITNOTE#${creditNoteId}`,
  sk: 'CREDITNOTE',
});
export const creditNotesOfInvoiceKey = (tenantId: string, invoiceId: string) =>
  `${tenantId}#INVOICE#${invoiceId}#CREDITNOTES`;

export const customerKey = (tenantId: string, customerId: string) => ({
  pk: `${tenantId}#CUSTOMER#${customerId}`,
  sk: 'CUSTOMER',
});
export const customerListKey = (tenantId: string) => `${tenantId}#CUSTOMERS`;
export const customerEmailKey = (tenantId: string, emailDigest: string) => `${tenantId}#EMAIL#${emailDigest}`;

export const sequenceKey = (tenantId: string, sequence: SequenceId) => ({
  pk: `${tenantId}#SEQUENCE#${sequenceName(sequence)}`,
  sk: 'SEQUENCE',
});

/**
 * A tenant's audit trail, in two partitions. A business change writes one ENTRY# item of its own under
 * `<tenant>#AUDIT#ENTRIES` (random id: no two writes share an item, so writes never contend); the chain writer
 * reads entries off the stream, appends them under `<tenant>#AUDIT` as EVENT# items (sequence, previous hash,
 * hash) each with a CHAINED#<entry id> marker, moves the HEAD and signs a CHECKPOINT#, then deletes the entries it
 * chained. Two partitions, so IAM can
 * tell them apart (`dynamodb:LeadingKeys`): only the chain writer may write `*#AUDIT`, and api-write may not.
 */
export const auditPartition = (tenantId: string) => `${tenantId}#AUDIT`;
export const auditEntriesPartition = (tenantId: string) => `${tenantId}#AUDIT#ENTRIES`;
/** IAM `StringLike` patterns of the two audit partitions (chain, entries). */
export const auditPartitionPattern = auditPartition('*');
export const auditEntriesPartitionPattern = auditEntriesPartition('*');
export const auditHeadKey = (tenantId: string) => ({ pk: auditPartition(tenantId), sk: 'HEAD' });
export const auditEventPrefix = 'EVENT#';
export const auditEntryPrefix = 'ENTRY#';
export const auditCheckpointPrefix = 'CHECKPOINT#';
export const auditChainedPrefix = 'CHAINED#';
const sequenceSortKey = (sequence: number) => String(sequence).padStart(12, '0');
export const auditEventKey = (tenantId: string, sequence: number) => ({
  pk: auditPartition(tenantId),
  sk: `${auditEventPrefix}${sequenceSortKey(sequence)}`,
});
export const auditEntryKey = (tenantId: string, entryId: string) => ({
  pk: auditEntriesPartition(tenantId),
  sk: `${auditEntryPrefix}${entryId}`,
});
/** Written with the event that chains an entry: a replayed stream (any age) never chains an entry twice. */
export const auditChainedKey = (tenantId: string, entryId: string) => ({
  pk: auditPartition(tenantId),
  sk: `${auditChainedPrefix}${entryId}`,
});
export const auditCheckpointKey = (tenantId: string, sequence: number) => ({
  pk: auditPartition(tenantId),
  sk: `${auditCheckpointPrefix}${sequenceSortKey(sequence)}`,
});

/**
 * A bulk issue job, named by the tenant and the ordered ids it issues, so a retry of the same run finds the job an
 * earlier attempt committed. Under it: the job record (written at the commit point) and the tombstones of holds
 * other writers broke after they expired (`ABORTED#<heldUntil>`), which keep that attempt from committing.
 */
export const bulkIssueJobId = (tenantId: string, invoiceIds: readonly string[]) =>
  `blk_${createHash('sha256')
    .update(`${tenantId}\n${invoiceIds.join(',')}`)
    .digest('hex')
    .slice(0, 32)}`;
export const bulkIssueJobKey = (tenantId: string, jobId: string) => ({
  pk: `${tenantId}#BULKISSUE#${jobId}`,
  sk: 'JOB',
});
export const bulkIssueAbortKey = (tenantId: string, jobId: string, heldUntil: number) => ({
  pk: `${tenantId}#BULKISSUE#${jobId}`,
  sk: `ABORTED#${heldUntil}`,
});

/** Keys are hashed: bounded length, no client-chosen characters in our keys, nothing readable in the table. */
export const idempotencyKey = (tenantId: string, key: string) => ({
  pk: `${tenantId}#IDEMPOTENCY#${createHash('sha256').update(key).digest('base64url')}`,
  sk: 'IDEMPOTENCY',
});

export const sellerProfileKey = (tenantId: string) => ({ pk: `${tenantId}#PROFILE`, sk: 'PROFILE' });

/** Rendered documents: ids only in the key, never a name or a number a person could be found by. */
export const invoiceDocumentKey = (tenantId: string, invoiceId: string, requestToken: string) =>
  `${tenantId}/invoices/${invoiceId}/${requestToken}.pdf`;

/** Where the documents GET /v1/invoices/{id}/pdf links to live: render may write and read there, and nothing else. */
export const invoiceDownloadPrefix = 'documents/v1/';

/**
 * Raise when the renderer's output changes (layout, labels, fonts): documents rendered before are then never linked
 * again, and each invoice is rendered anew on its next download.
 */
export const documentLayoutRevision = 1;

/**
 * The document of one state of an invoice: the invoice's version and the seller profile's version are all it is
 * drawn from (with the layout), so a key names exactly one document and a stored one can never be stale for the
 * state its key names. Ids and counters only.
 */
export const invoiceDownloadKey = (
  tenantId: string,
  invoiceId: string,
  invoiceVersion: number,
  sellerProfileVersion: number,
) =>
  `${invoiceDownloadPrefix}${tenantId}/${invoiceId}/v${invoiceVersion}-p${sellerProfileVersion}-r${documentLayoutRevision}.pdf`;

export const apiClientKey = (clientId: string) => ({ pk: `CLIENT#${clientId}`, sk: 'CLIENT' });

/**
 * The detector's own items — per-subject windows and baselines, and the state of each open alert — under a
 * prefix of their own, so the detect role can be limited to them (IAM `dynamodb:LeadingKeys`). Subjects are
 * `tenant:<id>`, `client:<id>`, `ip:<address>` or `platform`; never personal data beyond a source address.
 */
export const detectorPartitionPrefix = 'DETECT#';
export const detectorKey = (subject: string, sort: string) => ({
  pk: `${detectorPartitionPrefix}${subject}`,
  sk: sort,
});

/**
 * The delivery sweeper's reminders ("look at this send request again at t"): ids and times only, under a prefix of
 * their own so the deliver role can be limited to them. Spread over a few partitions by invoice, which the sweeper
 * reads all; only pending requests have one, so each partition stays small.
 */
export const deliveryReminderPartitionPrefix = 'DELIVERY#';
export const deliveryReminderShardCount = 4;
export const deliveryReminderPartition = (shard: number) => `${deliveryReminderPartitionPrefix}DUE#${shard}`;
export const deliveryReminderKey = (tenantId: string, invoiceId: string) => ({
  pk: deliveryReminderPartition(
    (createHash('sha256').update(invoiceId).digest()[0] ?? 0) % deliveryReminderShardCount,
  ),
  sk: `${tenantId}#${invoiceId}`,
});

/** A tenant's count of requested emails in one clock hour (`2026-12-01T10`): the per-tenant send cap. */
export const sendCounterKey = (tenantId: string, hour: string) => ({
  pk: `${tenantId}#SENDS#${hour}`,
  sk: 'SENDS',
});

/** The tables whose changes are backed up, by the name their objects carry. */
export type BackupSource = 'main' | 'key-store';

/**
 * One backup object per stream batch, named by ids only: the source table, the day of the batch's first change,
 * and the first and last sequence numbers (unique within the table's stream). The same batch always gets the
 * same name, so a retried or duplicated batch can never leave a second, different backup of the same changes.
 */
export function backupObjectKey(
  source: BackupSource,
  batch: { readonly firstSequence: string; readonly lastSequence: string; readonly firstChangeAt: Date },
): string {
  const day = batch.firstChangeAt.toISOString().slice(0, 10);
  return `${backupObjectPrefix}${source}/${day}/${batch.firstSequence}-${batch.lastSequence}.json.gz`;
}

const backupObjectPattern = /^changes\/v1\/(main|key-store)\/(\d{4}-\d{2}-\d{2})\/(\d+)-(\d+)\.json\.gz$/;

/** Reads a backup object's name back; undefined for anything that is not one. */
export function parseBackupObjectKey(key: string) {
  const match = backupObjectPattern.exec(key);
  if (match === null) return undefined;
  return {
    source: match[1] as BackupSource,
    day: match[2] ?? '',
    firstSequence: match[3] ?? '',
    lastSequence: match[4] ?? '',
  };
}

export const backupObjectPrefix = 'changes/v1/';
