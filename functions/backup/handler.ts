// entry: backup — consumer of the main table's and the branch-key store's streams. Each batch becomes one
// write-once object in the Object-Locked backup bucket; its role may put objects there and nothing else.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type BackedUpChange, makeChangeBackup } from '../application/back-up-changes';
import type { BackupSource } from '../platform/key-layout';
import { flushMetrics, type Observability } from '../platform/observability';
import { PoisonRecordError } from '../platform/stream-batch';
import type { BackupArchive } from '../ports/backup-archive';

export interface BackupDependencies {
  readonly archive: BackupArchive;
  /** Which stream a record came from, by its table's name. */
  readonly tables: Readonly<Record<BackupSource, string>>;
  readonly observability: Observability;
  /** @default the clock */
  readonly now?: () => Date;
}

/** `arn:aws:dynamodb:region:account:table/<name>/stream/<label>` → `<name>`. */
function tableOf(record: DynamoDBRecord): string | undefined {
  return /:table\/([^/]+)\/stream\//.exec(record.eventSourceARN ?? '')?.[1];
}

function changeOf(record: DynamoDBRecord): BackedUpChange {
  const change = record.dynamodb;
  const eventName = record.eventName;
  if (change?.SequenceNumber === undefined || change.Keys === undefined || eventName === undefined) {
    throw new PoisonRecordError('stream record has no sequence number, keys or event name');
  }
  const stamped = change.NewImage?.changedAt?.S;
  const changedAt =
    stamped !== undefined && !Number.isNaN(Date.parse(stamped))
      ? Date.parse(stamped)
      : (change.ApproximateCreationDateTime ?? 0) * 1000;
  return {
    sequenceNumber: change.SequenceNumber,
    eventName,
    changedAt,
    keys: change.Keys,
    ...(eventName === 'REMOVE' || change.NewImage === undefined ? {} : { item: change.NewImage }),
  };
}

export function makeHandler(dependencies: BackupDependencies) {
  const { logger, metrics } = dependencies.observability;
  const backUp = makeChangeBackup(dependencies);
  const sourceOf = new Map(
    Object.entries(dependencies.tables).map(([source, table]) => [table, source as BackupSource]),
  );
  const now = dependencies.now ?? (() => new Date());

  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics(metrics))
    .handler(async (event) => {
      const first = event.Records[0];
      if (first === undefined) return { batchItemFailures: [] };
      const source = sourceOf.get(tableOf(first) ?? '');
      if (
        source === undefined ||
        event.Records.some((record) => sourceOf.get(tableOf(record) ?? '') !== source)
      ) {
        throw new PoisonRecordError('a record comes from a stream this function does not back up');
      }
      // All or nothing: the batch is one object, so any failure fails the batch and the mapping retries it whole
      // (or bisects it, and the halves get names of their own — nothing was written under the whole's name).
      const written = await backUp({ source, changes: event.Records.map(changeOf) });
      if (written !== undefined) {
        const oldest = Math.min(
          ...event.Records.map((record) => record.dynamodb?.ApproximateCreationDateTime ?? 0),
        );
        logger.info('changes backed up', {
          key: written.key,
          outcome: written.outcome,
          changes: written.changes,
        });
        metrics.addMetric('BackupObjects', 'Count', written.outcome === 'written' ? 1 : 0);
        metrics.addMetric('BackedUpChanges', 'Count', written.changes);
        metrics.addMetric('BackupLag', 'Seconds', Math.max(0, now().getTime() / 1000 - oldest));
      }
      return { batchItemFailures: [] };
    });
}
