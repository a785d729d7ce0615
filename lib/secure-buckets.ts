// cdk: what every Ledgerlock bucket shares — versioned, TLS 1.2 only, private, owner-enforced, retained — and the
// SSE-S3 access-logs bucket beside each KMS-encrypted bucket (documents, backups).
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export const secureBucketProps = {
  versioned: true,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  removalPolicy: RemovalPolicy.RETAIN,
} as const;

/**
 * The server access logs bucket of one bucket (construct id `AccessLogsBucket`), keeping logs for `retention`
 * (callers check PCI DSS 10.7's year).
 */
export function addAccessLogsBucket(scope: Construct, retention: Duration): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogsBucket', {
    ...secureBucketProps,
    // S3 server access logging delivers only into SSE-S3 buckets without an Object Lock default retention.
    encryption: s3.BucketEncryption.S3_MANAGED,
    lifecycleRules: [
      {
        expiration: retention,
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  });
  Validations.of(bucket).acknowledge(
    {
      id: 'PCI.DSS.321-S3DefaultEncryptionKMS',
      reason:
        'S3 server access log delivery writes only into buckets encrypted with SSE-S3; SSE-KMS default encryption would make every log delivery fail',
    },
    {
      id: 'PCI.DSS.321-S3BucketReplicationEnabled',
      reason:
        'Access logs of one regional bucket are kept versioned for a year in that region; a second region adds no audit value for a single-region deployment',
    },
  );
  return bucket;
}
