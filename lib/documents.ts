// cdk: stateful documents store — the bucket of rendered invoice PDFs, its key and its access-log bucket.
// Construct ids here must never change once deployed.
import { Aws, Duration, FeatureFlags, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { assertKeyProps } from './data-store';
import { addAccessLogsBucket, secureBucketProps } from './secure-buckets';

/** Longest bucket-name prefix that still fits `<prefix>-documents-<12-digit account>-<longest region>` in 63. */
const maxBucketNamePrefixLength = 63 - '-documents-'.length - 12 - 1 - 'ap-southeast-5'.length;

export interface DocumentsProps {
  /**
   * First part of the documents bucket's name, `<prefix>-documents-<account>-<region>`.
   * Lowercase letters, digits and hyphens, at most 25 characters.
   * @default - the stack name in lowercase
   */
  readonly bucketNamePrefix?: string;
  /**
   * Prefix of the key alias (`alias/<prefix>/documents`), so two deployments can share an account.
   * @default - the stack name
   */
  readonly aliasPrefix?: string;
  /**
   * Waiting period before the documents key, once scheduled for deletion, is destroyed.
   * @default Duration.days(30) (the longest KMS allows)
   */
  readonly keyDeletionWindow?: Duration;
  /**
   * How long an overwritten or deleted document version stays recoverable.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionRetention?: Duration;
  /**
   * How long S3 server access logs of the documents bucket are kept.
   * @default Duration.days(365) (PCI DSS 10.7 asks for at least a year)
   */
  readonly accessLogRetention?: Duration;
}

/**
 * Where `deliver` stores the PDF it emails (`<tenant>/invoices/<invoice>/<request token>.pdf`):
 * - `key`: encrypts the documents (SSE-KMS with S3 Bucket Keys, so one KMS call covers many objects).
 * - `bucket`: versioned, TLS 1.2+ only, public access blocked, ACLs off, objects only under `key`, access-logged.
 * - `accessLogsBucket`: receives the documents bucket's server access logs (SSE-S3, the only encryption S3
 *   log delivery writes with).
 * Everything is retained when the stack or a resource is removed.
 */
export class Documents extends Construct {
  readonly key: kms.Key;
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  /**
   * `<prefix>-documents-<account>-<region>`, built from pseudo parameters: other stacks can name the bucket
   * without a cross-stack reference (see {@link importBucket}).
   */
  readonly bucketName: string;

  constructor(scope: Construct, id: string, props: DocumentsProps = {}) {
    super(scope, id);
    const aliasPrefix = props.aliasPrefix ?? Stack.of(this).stackName;
    const pendingWindow = props.keyDeletionWindow ?? Duration.days(30);
    const noncurrentRetention = props.noncurrentVersionRetention ?? Duration.days(90);
    const accessLogRetention = props.accessLogRetention ?? Duration.days(365);
    assertKeyProps('Documents', aliasPrefix, pendingWindow);
    const bucketNamePrefix = props.bucketNamePrefix ?? Stack.of(this).stackName.toLowerCase();
    if (
      !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(bucketNamePrefix) ||
      bucketNamePrefix.length > maxBucketNamePrefixLength
    ) {
      throw new Error(
        `Documents: bucketNamePrefix "${bucketNamePrefix}" must be 1–${maxBucketNamePrefixLength} lowercase letters, digits or inner hyphens, such as "ledgerlock-prod"`,
      );
    }
    if (!FeatureFlags.of(this).isEnabled(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY)) {
      // Without it CDK grants log delivery through the LogDeliveryWrite ACL, which ACL-free buckets refuse.
      throw new Error(
        `Documents: set the feature flag "${cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY}": true in cdk.json, so S3 log delivery is admitted by bucket policy rather than by an ACL`,
      );
    }
    this.bucketName = `${bucketNamePrefix}-documents-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
    if (noncurrentRetention.toDays() < 1) {
      throw new Error(
        `Documents: noncurrentVersionRetention ${noncurrentRetention.toHumanString()} must be at least 1 day`,
      );
    }
    if (accessLogRetention.toDays() < 365) {
      throw new Error(
        `Documents: accessLogRetention ${accessLogRetention.toHumanString()} must be at least 365 days (PCI DSS 10.7)`,
      );
    }

    this.key = new kms.Key(this, 'Key', {
      description: 'Ledgerlock rendered invoice documents (S3 SSE-KMS)',
      alias: `alias/${aliasPrefix}/documents`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.accessLogsBucket = addAccessLogsBucket(this, accessLogRetention);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...secureBucketProps,
      // A fixed name, so stacks that write to it name it without a cross-stack reference, and a retained
      // bucket left behind by a deleted stack is never silently replaced by a fresh, empty one.
      bucketName: this.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'documents/',
      lifecycleRules: [
        {
          noncurrentVersionExpiration: noncurrentRetention,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    // Every writer names the documents key: no object can land under SSE-S3 or under someone else's key
    // (which its owner could then withhold).
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPutWithoutKmsEncryption',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPutUnderAnotherKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.key.keyArn },
        },
      }),
    );
    Validations.of(this.bucket).acknowledge({
      id: 'PCI.DSS.321-S3BucketReplicationEnabled',
      reason:
        'Documents are renderings of invoices whose data lives in the point-in-time-recoverable table; a lost PDF is rendered again on the next send, so a cross-region copy would add cost, not recovery',
    });
  }

  /**
   * The documents bucket as another stack sees it: by name and with its key. Its ARNs resolve in that stack
   * (pseudo parameters, no stack output), so policies there read `arn:…:s3:::<name>/*` and cdk-nag findings on
   * them can be acknowledged by their exact id.
   */
  importBucket(scope: Construct, id: string): s3.IBucket {
    return s3.Bucket.fromBucketAttributes(scope, id, {
      bucketName: this.bucketName,
      encryptionKey: this.key,
    });
  }
}
