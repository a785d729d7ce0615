// platform: the composition root of backup — only the write-once archive; it opens no sealed record.
import { s3Client } from '../../adapters/aws-clients';
import { S3BackupArchive } from '../../adapters/s3-backup-archive';
import type { BackupDependencies } from '../../backup/handler';
import type { ConfigOf, Runtime } from './runtime';

export function composeBackup(config: ConfigOf<'backup'>, runtime: Runtime): BackupDependencies {
  return {
    archive: new S3BackupArchive({
      client: s3Client(runtime.clients),
      bucket: config.backupBucket,
      kmsKeyArn: config.backupKeyArn,
    }),
    tables: { main: config.tableName, 'key-store': config.keyStoreTable },
    observability: runtime.observability,
  };
}
