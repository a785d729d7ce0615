// adapter: S3 → DocumentLibrary (a DocumentStore that also checks for and links to documents). Objects are written
// with SSE-KMS under the documents key; links are presigned GETs.
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { DocumentLibrary } from '../ports/document-store';

export class S3DocumentStore implements DocumentLibrary {
  constructor(
    private readonly options: {
      readonly client: S3Client;
      readonly bucket: string;
      readonly kmsKeyArn: string;
    },
  ) {}

  async put(key: string, content: Uint8Array, contentType: string): Promise<void> {
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: content,
        ContentType: contentType,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: this.options.kmsKeyArn,
        BucketKeyEnabled: true,
      }),
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const result = await this.options.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
      );
      return result.Body === undefined ? undefined : await result.Body.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /** S3 answers a missing key with 404 only to a caller that may list the bucket; with 403 otherwise. */
  async exists(key: string): Promise<boolean> {
    try {
      await this.options.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return true;
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return false;
      throw error;
    }
  }

  /**
   * A presigned GET, signed with this function's credentials: whoever holds it reads this one object until it
   * expires (the signer needs s3:GetObject and, for SSE-KMS, kms:Decrypt through S3). It downloads as `filename`
   * and must not be cached along the way.
   */
  async temporaryLink(
    key: string,
    expiresInSeconds: number,
    download: { readonly filename: string },
  ): Promise<string> {
    return getSignedUrl(
      this.options.client,
      new GetObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${download.filename}"`,
        ResponseContentType: 'application/pdf',
        ResponseCacheControl: 'no-store',
      }),
      { expiresIn: expiresInSeconds },
    );
  }
}
