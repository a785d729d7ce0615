// entry: chain — the audit chain's single writer, a consumer of the table stream. Takes the audit entries the
// business transactions wrote (their INSERT images: what was written, whatever the table holds later), appends
// them per tenant to the hash chain, signs the new head; its role writes only the tenants' audit partitions and
// may only Sign with the audit key.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { makeAuditChainer } from '../application/chain-audit-entries';
import type { PendingAuditEntry } from '../domain/audit-chain';
import { auditEntryKey, entityTypes, idPatterns } from '../platform/key-layout';
import { flushMetrics, type Observability } from '../platform/observability';
import { PoisonRecordError } from '../platform/stream-batch';
import type { AuditChainStore } from '../ports/audit-chain-store';
import type { CheckpointSigner } from '../ports/checkpoint-signer';
import type { SecuritySignals } from '../ports/security-signals';

export interface ChainDependencies {
  readonly store: AuditChainStore;
  readonly signer: CheckpointSigner;
  readonly signals: SecuritySignals;
  readonly observability: Observability;
  /** @default the clock */
  readonly now?: () => Date;
}

const text = z.object({ S: z.string() });
const detailSchema = z.union([
  z.pipe(
    z.object({ S: z.string() }),
    z.transform((value: { S: string }) => value.S),
  ),
  z.pipe(
    z.object({ N: z.string() }),
    z.transform((value: { N: string }) => Number(value.N)),
  ),
  z.pipe(
    z.object({ BOOL: z.boolean() }),
    z.transform((value: { BOOL: boolean }) => value.BOOL),
  ),
  z.pipe(
    z.object({ NULL: z.literal(true) }),
    z.transform(() => null),
  ),
]);
const entrySchema = z.object({
  tenantId: text,
  entryId: z.object({ S: z.string().check(z.regex(idPatterns.auditEntry)) }),
  action: text,
  entityType: text,
  entityId: text,
  at: text,
  actor: z.object({
    M: z.object({ clientId: text, sourceIp: text, requestId: text }),
  }),
  details: z.optional(z.object({ M: z.record(z.string(), detailSchema) })),
});
const keysSchema = z.object({
  pk: text,
  sk: text,
  entity: z.object({ S: z.literal(entityTypes.auditEntry) }),
  entryId: z.object({ S: z.string().check(z.regex(idPatterns.auditEntry)) }),
});
/** An item with several entries (one transaction's, e.g. a bulk issue's) lists them, in order, under `entries`. */
const entryListSchema = z.object({
  entries: z.object({ L: z.array(z.object({ M: entrySchema })).check(z.minLength(1)) }),
});

function toPendingEntry(image: z.infer<typeof entrySchema>): PendingAuditEntry {
  const actor = image.actor.M;
  return {
    tenantId: image.tenantId.S,
    entryId: image.entryId.S,
    action: image.action.S,
    entityType: image.entityType.S,
    entityId: image.entityId.S,
    at: image.at.S,
    actor: { clientId: actor.clientId.S, sourceIp: actor.sourceIp.S, requestId: actor.requestId.S },
    ...(image.details === undefined ? {} : { details: image.details.M }),
  };
}

/**
 * The partition's tenant (keys decide where entries are chained) and the entries as they were written: the one
 * entry of the item, or each of the entries it lists — keyed by the last of them, so the item goes once the last
 * is chained.
 */
export function entriesOfRecord(record: DynamoDBRecord): { tenantId: string; entries: PendingAuditEntry[] } {
  const image = record.dynamodb?.NewImage;
  const keys = keysSchema.safeParse(image);
  if (!keys.success || record.eventName !== 'INSERT') {
    throw new PoisonRecordError('stream record is not an inserted audit entry');
  }
  let entries: z.infer<typeof entrySchema>[];
  if (image !== undefined && 'entries' in image) {
    const listed = entryListSchema.safeParse(image);
    if (!listed.success) throw new PoisonRecordError('stream record is not an inserted audit entry');
    entries = listed.data.entries.L.map((entry) => entry.M);
  } else {
    const single = entrySchema.safeParse(image);
    if (!single.success) throw new PoisonRecordError('stream record is not an inserted audit entry');
    entries = [single.data];
  }
  const tenantId = keys.data.pk.S.split('#')[0] ?? '';
  const key = auditEntryKey(tenantId, keys.data.entryId.S);
  if (
    !idPatterns.tenant.test(tenantId) ||
    keys.data.pk.S !== key.pk ||
    keys.data.sk.S !== key.sk ||
    entries.at(-1)?.entryId.S !== keys.data.entryId.S
  ) {
    throw new PoisonRecordError('audit entry keys disagree');
  }
  return { tenantId, entries: entries.map(toPendingEntry) };
}

export function makeHandler(dependencies: ChainDependencies) {
  const { logger, metrics } = dependencies.observability;
  const chain = makeAuditChainer({ ...dependencies, now: dependencies.now ?? (() => new Date()) });
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics(metrics))
    .handler(async (event) => {
      // One tenant's entries stay in stream order; tenants are chained one after another.
      const byTenant = new Map<string, { entries: PendingAuditEntry[]; first: string }>();
      let poison = 0;
      for (const record of event.Records) {
        try {
          const { tenantId, entries } = entriesOfRecord(record);
          const group = byTenant.get(tenantId) ?? {
            entries: [],
            first: record.dynamodb?.SequenceNumber ?? '',
          };
          group.entries.push(...entries);
          byTenant.set(tenantId, group);
        } catch (error) {
          if (!(error instanceof PoisonRecordError)) throw error;
          logger.error('audit entry not chained', { errorName: error.name, detail: error.message });
          poison += 1;
        }
      }
      // A record that can never be chained fails the invocation: the mapping bisects it out to the on-failure
      // queue. The tenants chained meanwhile are not chained twice (the chainer skips what it already chained).
      const failed: string[] = [];
      for (const [tenantId, group] of byTenant) {
        try {
          const outcome = await chain(tenantId, group.entries);
          metrics.addMetric('AuditEventsChained', 'Count', outcome.appended);
        } catch (error) {
          logger.warn('chaining failed; the batch is retried from this tenant', {
            tenantId,
            errorName: (error as Error).name,
          });
          failed.push(group.first);
        }
      }
      if (poison > 0) throw new Error(`${poison} stream record(s) are not audit entries`);
      // Retried from the first record of the first tenant that failed; entries chained already are skipped.
      const earliest = failed.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))[0];
      return { batchItemFailures: earliest === undefined ? [] : [{ itemIdentifier: earliest }] };
    });
}
