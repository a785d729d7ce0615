// adapter: S3 → DocumentStore. Objects are written with SSE-KMS under the documents key.
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { DocumentStore } from '../ports/document-store';

export class S3DocumentStore implements DocumentStore {
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

  async temporaryLink(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(
      this.options.client,
      new GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
      {
        expiresIn: expiresInSeconds,
      },
    );
  }
}
