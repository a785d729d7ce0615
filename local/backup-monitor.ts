// local: watches the backup function the stream pollers invoke and keeps <state-dir>/backup-status.json — what
// `npm run restore -- --status` shows (on AWS: the IteratorAge and BackupLag metrics).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { type BackupStatusFile, backupStatusFileName, type SourceStatus } from '../ops/backup-status';
import type { StreamHandler } from './stream-poller';

const keptLagSamples = 200;

export function monitorBackups(stateDir: string) {
  const sources: Record<string, SourceStatus> = {};
  let writing = Promise.resolve();
  const save = () => {
    const status: BackupStatusFile = { updatedAt: new Date().toISOString(), sources };
    // One write at a time, never failing the backup: the status is a view, not the backup.
    writing = writing.then(() =>
      writeFile(join(stateDir, backupStatusFileName), `${JSON.stringify(status, null, 2)}\n`).catch(
        () => undefined,
      ),
    );
  };

  /** Wraps the backup handler of one source's stream. */
  const watch =
    (source: string, handler: StreamHandler): StreamHandler =>
    async (event: DynamoDBStreamEvent, context) => {
      const entry = sources[source] ?? { objects: 0, changes: 0, recentLagMs: [] };
      // Each write's own commit time where it carries one (changedAt). A removal carries none; DynamoDB Local
      // rounds the stream's ApproximateCreationDateTime down to the minute, so it counts only in a batch of nothing
      // else — it would read up to a minute too old.
      const stamped = event.Records.flatMap((record) => {
        const at = record.dynamodb?.NewImage?.changedAt?.S;
        return at === undefined || Number.isNaN(Date.parse(at)) ? [] : [Date.parse(at)];
      });
      const changedAt =
        stamped.length > 0
          ? stamped
          : event.Records.map((record) => (record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000);
      try {
        const result = await handler(event, context);
        const now = Date.now();
        sources[source] = {
          objects: entry.objects + 1,
          changes: entry.changes + event.Records.length,
          lastChangeAt: new Date(Math.max(...changedAt)).toISOString(),
          lastWrittenAt: new Date(now).toISOString(),
          recentLagMs: [...entry.recentLagMs, now - Math.min(...changedAt)].slice(-keptLagSamples),
        };
        save();
        return result;
      } catch (error) {
        sources[source] = { ...entry, failingSince: entry.failingSince ?? new Date().toISOString() };
        save();
        throw error;
      }
    };

  return { watch, flushed: () => writing };
}
