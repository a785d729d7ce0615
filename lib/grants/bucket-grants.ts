// cdk: bucket grants — the IAM statements and key env var behind ProjectFunction.bindBucket.
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { envNames } from '../../functions/platform/config';
import type { GrantContext } from './table-grants';

/**
 * How a function may use a bucket.
 * - `put`: `s3:PutObject` on the bucket's objects (or only those under {@link BindBucketOptions.keyPrefix}), and
 *   `kms:GenerateDataKey` on its key through S3 only. No read, no delete, no listing, no retention or legal hold.
 * - `put-and-link`: `put`, plus `s3:GetObject` on the same objects and `kms:Decrypt` through S3, so the function
 *   can check for a document and presign links to it (a presigned GET acts with the signer's permissions), and
 *   `s3:ListBucket` on the bucket, without which S3 answers a missing key with 403 instead of 404. Keys hold ids
 *   only. No delete, no retention or legal hold.
 */
export type BucketAccess = 'put' | 'put-and-link';

export interface BindBucketOptions {
  /**
   * Only object keys that start with this prefix, such as `changes/v1/`. A literal ending in `/`.
   * @default - every object key of the bucket
   */
  readonly keyPrefix?: string;
}

/** The env vars that carry a bucket name, and the env var that carries that bucket's KMS key ARN. */
const bucketKeyEnvNames = {
  [envNames.documentsBucket]: envNames.documentsKeyArn,
  [envNames.backupBucket]: envNames.backupKeyArn,
} as const;
export type BucketEnvName = keyof typeof bucketKeyEnvNames;

/** What binding a bucket sets and grants: the key's env var and ARN (next to the bucket's), and the statements. */
export interface BucketGrant {
  readonly keyEnvName: string;
  readonly keyArn: string;
  readonly statements: iam.PolicyStatement[];
}

/**
 * What `access` to `bucket` needs (see {@link BucketAccess}). The bucket must be encrypted with a customer managed
 * key: writers name it, and the grant is pinned to it.
 */
export function bucketGrant(
  bucket: s3.IBucket,
  envName: BucketEnvName,
  access: BucketAccess,
  options: BindBucketOptions,
  context: GrantContext,
): BucketGrant {
  const { owner } = context;
  const keyEnvName = bucketKeyEnvNames[envName];
  if (keyEnvName === undefined) {
    throw new Error(
      `${owner}: ${envName} is not a bucket env var; use one of ${Object.keys(bucketKeyEnvNames).join(', ')}`,
    );
  }
  const key = bucket.encryptionKey;
  if (key === undefined) {
    throw new Error(
      `${owner}: the bucket bound to ${envName} has no KMS key; create it with encryption KMS and an encryptionKey`,
    );
  }
  if (access !== 'put' && access !== 'put-and-link') {
    throw new Error(`${owner}: bucket access '${access}' is unknown; use 'put' or 'put-and-link'`);
  }
  const links = access === 'put-and-link';
  const { keyPrefix } = options;
  if (keyPrefix !== undefined && !/^[A-Za-z0-9!_.'()-]+(?:\/[A-Za-z0-9!_.'()-]+)*\/$/.test(keyPrefix)) {
    throw new Error(
      `${owner}: keyPrefix "${keyPrefix}" must be a literal key prefix ending in "/" (no *, ? or leading "/"), such as "changes/v1/"`,
    );
  }
  return {
    keyEnvName,
    keyArn: key.keyArn,
    statements: [
      new iam.PolicyStatement({
        actions: links ? ['s3:PutObject', 's3:GetObject'] : ['s3:PutObject'],
        resources: [bucket.arnForObjects(`${keyPrefix ?? ''}*`)],
      }),
      ...(links
        ? [new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] })]
        : []),
      new iam.PolicyStatement({
        // A single-part SSE-KMS upload needs only a data key; Decrypt lets the role (and its links) read objects.
        actions: links ? ['kms:GenerateDataKey', 'kms:Decrypt'] : ['kms:GenerateDataKey'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `s3.${context.region}.amazonaws.com`,
            // With S3 Bucket Keys the encryption context is the bucket ARN (not the object's).
            'kms:EncryptionContext:aws:s3:arn': bucket.bucketArn,
          },
        },
      }),
    ],
  };
}
