// adapter: S3 (an Object-Locked bucket) → BackupArchive. Each object is written once: a conditional PUT
// (If-None-Match: *) means a retried batch finds its object and leaves it, instead of adding a version. The
// bucket's default retention locks every version; the writer never names a retention, a legal hold or a bypass.
import { PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import type { BackupArchive } from '../ports/backup-archive';

export interface S3BackupArchiveOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** The backup key (SSE-KMS): not the table's key and not the data key. */
  readonly kmsKeyArn: string;
}

/** Exactly what the writer asks S3 for; exported so a test can hold it to what it must (and must not) say. */
export function backupPutRequest(
  options: S3BackupArchiveOptions,
  key: string,
  content: Uint8Array,
): PutObjectCommandInput {
  return {
    Bucket: options.bucket,
    Key: key,
    Body: content,
    ContentType: 'application/gzip',
    IfNoneMatch: '*',
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: options.kmsKeyArn,
    BucketKeyEnabled: true,
    // Object Lock buckets require an integrity checksum on every PUT.
    ChecksumAlgorithm: 'SHA256',
  };
}

export class S3BackupArchive implements BackupArchive {
  constructor(private readonly options: S3BackupArchiveOptions) {}

  async putOnce(key: string, content: Uint8Array): Promise<'written' | 'exists'> {
    try {
      await this.options.client.send(new PutObjectCommand(backupPutRequest(this.options, key, content)));
      return 'written';
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // 412: the object exists. 409: a concurrent conditional PUT of the same name is in flight — the same
      // batch from another invocation, which will write exactly these bytes.
      if (status === 412 || status === 409) return 'exists';
      throw error;
    }
  }
}
