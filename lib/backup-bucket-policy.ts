// cdk: the backup bucket's policy — what no principal may do to backups, and what only a deployment may change.
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { backupObjectPrefix } from '../functions/platform/key-layout';

/**
 * Denies, to every principal (`*`): deleting, unlocking, re-encrypting or hiding backups — with no exception,
 * since not even a deployment needs them — and changing the bucket's protection, except to the deployment role.
 */
export function addBackupBucketPolicy(bucket: s3.Bucket, key: kms.IKey, deploymentRole: string): void {
  const everyone = [new iam.AnyPrincipal()];
  const objects = bucket.arnForObjects('*');
  const deny = (sid: string, statement: Omit<iam.PolicyStatementProps, 'effect' | 'principals' | 'sid'>) =>
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({ sid, effect: iam.Effect.DENY, principals: everyone, ...statement }),
    );

  // Every writer names the backup key, so no copy lands under SSE-S3 or under a key someone could withhold.
  deny('DenyPutWithoutKmsEncryption', {
    actions: ['s3:PutObject'],
    resources: [objects],
    conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
  });
  deny('DenyPutUnderAnotherKey', {
    actions: ['s3:PutObject'],
    resources: [objects],
    conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn } },
  });
  // Every backup object's key starts with changes/v1/ (functions/platform/key-layout.ts): nothing else lands here.
  deny('DenyPutOutsideTheChangeLog', {
    actions: ['s3:PutObject'],
    notResources: [bucket.arnForObjects(`${backupObjectPrefix}*`)],
  });
  // Write-once: a PUT must say If-None-Match: * (as functions/adapters/s3-backup-archive.ts does), so S3 refuses
  // it with 412 when the object exists. Nobody can stack a newer version over a backup, which a plain listing
  // would then show instead of the original; the locked original would survive, but hidden.
  deny('DenyOverwritingBackups', {
    actions: ['s3:PutObject'],
    resources: [objects],
    conditions: { Null: { 's3:if-none-match': 'true' } },
  });
  // Object Lock already refuses these for locked versions; the policy also covers what the lock does not:
  // - DeleteObject without a version only adds a delete marker, which loses nothing but hides the batch from a
  //   plain listing, so a restore could silently miss it;
  // - versions whose retention has run out stay until a reviewed template says otherwise;
  // - PutObjectRetention also extends a retention, but extending is not needed: the default applies at write;
  // - BypassGovernanceRetention is the one way past GOVERNANCE mode (test stages).
  deny('DenyDeletingOrUnlockingBackups', {
    actions: [
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:PutObjectRetention',
      's3:BypassGovernanceRetention',
    ],
    resources: [objects],
  });
  // A legal hold can be placed (ON) by whoever IAM allows, as an extra lock for an investigation; taking one off
  // (OFF) is refused to everyone, so a hold placed once outlives even an expired retention.
  deny('DenyRemovingLegalHolds', {
    actions: ['s3:PutObjectLegalHold'],
    resources: [objects],
    conditions: { StringNotEquals: { 's3:object-lock-legal-hold': 'ON' } },
  });
  deny('DenyBucketDeletion', { actions: ['s3:DeleteBucket'], resources: [bucket.bucketArn] });
  // What decides how long and how well backups are protected changes only with a deployment (reviewed,
  // recorded, alerted by TamperAlerts). Not denied to the deployment role too: CloudFormation must be able to
  // update this very policy and the bucket's settings, and for the policy itself a total deny would leave only
  // the account's root user able to change it (S3 lets the root user past a bucket-policy lockout).
  deny('DenyProtectionChangesOutsideDeployments', {
    actions: [
      's3:PutBucketPolicy',
      's3:DeleteBucketPolicy',
      's3:PutBucketObjectLockConfiguration',
      's3:PutLifecycleConfiguration',
      's3:PutBucketVersioning',
      's3:PutEncryptionConfiguration',
      's3:PutReplicationConfiguration',
      's3:PutBucketPublicAccessBlock',
      's3:PutBucketOwnershipControls',
      's3:PutBucketLogging',
    ],
    resources: [bucket.bucketArn],
    conditions: { ArnNotEquals: { 'aws:PrincipalArn': deploymentRole } },
  });
}
