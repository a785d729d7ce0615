// cdk: stateful backups — the Object-Locked bucket every table change is copied to, its key and access logs, and
// AWS Backup (vault with Vault Lock, plan, selection) as a second, independent layer.
// Construct ids here must never change once deployed.
import { Aws, CfnOutput, Duration, FeatureFlags, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { backupObjectPrefix } from '../functions/platform/key-layout';
import { addBackupBucketPolicy } from './backup-bucket-policy';
import { backupRetentionDays, isTestStage, stageContextKey } from './backup-lock-settings';
import { addBackupVault } from './backup-vault';
import { assertKeyProps } from './data-store';
import { deploymentRoleArn } from './key-protection';
import { addAccessLogsBucket, secureBucketProps } from './secure-buckets';

/** Longest bucket-name prefix that still fits `<prefix>-backups-<12-digit account>-<longest region>` in 63. */
const maxBucketNamePrefixLength = 63 - '-backups-'.length - 12 - 1 - 'ap-southeast-5'.length;

export interface BackupsProps {
  /** The tables AWS Backup snapshots (the main table and the branch key store). */
  readonly tables: readonly dynamodb.ITable[];
  /**
   * The deployment stage; a test stage (see {@link isTestStage}) gets GOVERNANCE-mode Object Lock and a Vault Lock
   * that stays changeable, so its backups can be removed after review. Every other stage gets COMPLIANCE.
   * @default - the `ledgerlock:stage` context value, else the stack name
   */
  readonly stage?: string;
  /**
   * Default Object Lock retention of every backup object, in days.
   * @default - the `ledgerlock:backupRetentionDays` context value, else 3653 (ten years)
   */
  readonly retentionDays?: number;
  /**
   * The one principal that may change the bucket's configuration and policy (a deployment).
   * @default - see `deploymentRoleArn` in key-protection.ts
   */
  readonly deploymentRoleArn?: string;
  /**
   * First part of the bucket's name, `<prefix>-backups-<account>-<region>`.
   * @default - the stack name in lowercase
   */
  readonly bucketNamePrefix?: string;
  /**
   * Prefix of the key aliases (`alias/<prefix>/backups`, `alias/<prefix>/backup-vault`).
   * @default - the stack name
   */
  readonly aliasPrefix?: string;
  /** @default Duration.days(30) */
  readonly keyDeletionWindow?: Duration;
  /**
   * How long server access logs of the backup bucket are kept.
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;
  /**
   * When backup objects move to S3 Glacier Instant Retrieval (still read in milliseconds, as restores need).
   * @default Duration.days(90)
   */
  readonly glacierTransitionAfter?: Duration;
  /**
   * How long AWS Backup keeps the daily recovery points; also the vault's minimum retention.
   * @default Duration.days(35)
   */
  readonly dailyRecoveryPointRetention?: Duration;
  /**
   * How long AWS Backup keeps the monthly recovery points.
   * @default Duration.days(365)
   */
  readonly monthlyRecoveryPointRetention?: Duration;
}

/**
 * Where every change of the tables ends up, twice:
 * - `bucket` (`<prefix>-backups-<account>-<region>`): one object per stream batch under `changes/v1/`, SSE-KMS with
 *   `key` and S3 Bucket Keys, versioned, Object Lock with a default retention (COMPLIANCE: no one, root included,
 *   can delete a version or shorten its retention until it expires), TLS only, private, access-logged into
 *   `accessLogsBucket`, and a bucket policy that denies deleting, unlocking or re-encrypting backups to everyone.
 * - `vault`: AWS Backup snapshots of the tables (daily and monthly), encrypted with `vaultKey`, under Vault Lock.
 * Everything is retained when the stack or a resource is removed.
 */
export class Backups extends Construct {
  readonly key: kms.Key;
  readonly vaultKey: kms.Key;
  readonly accessLogsBucket: s3.Bucket;
  readonly bucket: s3.Bucket;
  /** Built from pseudo parameters, so other stacks name the bucket without a cross-stack reference. */
  readonly bucketName: string;
  readonly stage: string;
  readonly objectLockMode: 'COMPLIANCE' | 'GOVERNANCE';
  readonly retentionDays: number;
  readonly vault: backup.BackupVault;
  readonly plan: backup.BackupPlan;
  readonly selection: backup.BackupSelection;
  /**
   * Reading the change backups back (ops/restore.ts, ops/backup-status.ts): list every object version, read it,
   * decrypt with the backup key through S3 for this bucket. Attached to no function: operations attach it to the
   * role that restores. Writing the restored tables needs their own grants; nothing here can alter a backup.
   */
  readonly readBackupsPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: BackupsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const aliasPrefix = props.aliasPrefix ?? stack.stackName;
    const pendingWindow = props.keyDeletionWindow ?? Duration.days(30);
    assertKeyProps('Backups', aliasPrefix, pendingWindow);
    const bucketNamePrefix = props.bucketNamePrefix ?? stack.stackName.toLowerCase();
    if (
      !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(bucketNamePrefix) ||
      bucketNamePrefix.length > maxBucketNamePrefixLength
    ) {
      throw new Error(
        `Backups: bucketNamePrefix "${bucketNamePrefix}" must be 1–${maxBucketNamePrefixLength} lowercase letters, digits or inner hyphens, such as "ledgerlock-prod"`,
      );
    }
    if (!FeatureFlags.of(this).isEnabled(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY)) {
      throw new Error(
        `Backups: set the feature flag "${cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY}": true in cdk.json, so S3 log delivery is admitted by bucket policy rather than by an ACL`,
      );
    }
    if (props.tables.length === 0) {
      throw new Error('Backups: tables is empty; pass the main table and the key store table');
    }
    const stageFromContext: unknown = this.node.tryGetContext(stageContextKey);
    if (stageFromContext !== undefined && typeof stageFromContext !== 'string') {
      throw new Error(`Backups: context ${stageContextKey} must be a string, such as "prod" or "dev"`);
    }
    this.stage = props.stage ?? stageFromContext ?? stack.stackName;
    const testStage = isTestStage(this.stage);
    this.objectLockMode = testStage ? 'GOVERNANCE' : 'COMPLIANCE';
    this.retentionDays = backupRetentionDays(this, props.retentionDays);
    const accessLogRetention = props.accessLogRetention ?? Duration.days(365);
    const glacierAfter = props.glacierTransitionAfter ?? Duration.days(90);
    const dailyRetention = props.dailyRecoveryPointRetention ?? Duration.days(35);
    const monthlyRetention = props.monthlyRecoveryPointRetention ?? Duration.days(365);
    if (accessLogRetention.toDays() < 365) {
      throw new Error(
        `Backups: accessLogRetention ${accessLogRetention.toHumanString()} must be at least 365 days (PCI DSS 10.7)`,
      );
    }
    if (glacierAfter.toDays() < 30) {
      throw new Error(
        `Backups: glacierTransitionAfter ${glacierAfter.toHumanString()} must be at least 30 days; earlier transitions cost more than they save`,
      );
    }
    if (dailyRetention.toDays() < 7 || monthlyRetention.toDays() < dailyRetention.toDays()) {
      throw new Error(
        `Backups: recovery point retention daily ${dailyRetention.toHumanString()} / monthly ${monthlyRetention.toHumanString()} must be at least 7 days, monthly no shorter than daily`,
      );
    }
    const deploymentRole = props.deploymentRoleArn ?? deploymentRoleArn(this);
    this.bucketName = `${bucketNamePrefix}-backups-${Aws.ACCOUNT_ID}-${Aws.REGION}`;

    const symmetricKey = (keyId: string, purpose: string, aliasName: string) =>
      new kms.Key(this, keyId, {
        description: `Ledgerlock ${purpose}`,
        alias: `alias/${aliasPrefix}/${aliasName}`,
        enableKeyRotation: true,
        rotationPeriod: Duration.days(365),
        pendingWindow,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    // Keys of their own, neither the table's nor the data key: losing or disabling one layer's key leaves the
    // other layer readable, and nobody who may use the table key can read the copies.
    this.key = symmetricKey('Key', 'change backups (S3 SSE-KMS)', 'backups');
    this.vaultKey = symmetricKey('VaultKey', 'AWS Backup vault of the tables', 'backup-vault');

    this.accessLogsBucket = addAccessLogsBucket(this, accessLogRetention);

    const retention = Duration.days(this.retentionDays);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...secureBucketProps,
      bucketName: this.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: testStage
        ? s3.ObjectLockRetention.governance(retention)
        : s3.ObjectLockRetention.compliance(retention),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'backups/',
      // Objects under 128 KB never move: Glacier Instant Retrieval bills each object as at least 128 KB.
      transitionDefaultMinimumObjectSize: s3.TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K,
      lifecycleRules: [
        {
          id: 'CheaperStorageForOlderBackups',
          // Nothing here expires a version: every change stays until someone decides otherwise in a reviewed
          // template, and Object Lock would refuse to let a lifecycle delete a locked version anyway.
          transitions: [
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: glacierAfter },
          ],
          noncurrentVersionTransitions: [
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: glacierAfter },
          ],
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    addBackupBucketPolicy(this.bucket, this.key, deploymentRole);
    Validations.of(this.bucket).acknowledge({
      id: 'PCI.DSS.321-S3BucketReplicationEnabled',
      reason:
        'The second copy of every change is the AWS Backup vault (a separate service, key and lock); a cross-region or cross-account copy is a deliberate later step, not an S3 replication rule that a compromised admin could repoint',
    });

    ({
      vault: this.vault,
      plan: this.plan,
      selection: this.selection,
    } = addBackupVault(this, {
      vaultKey: this.vaultKey,
      tables: props.tables,
      testStage,
      dailyRetention,
      monthlyRetention,
      deploymentRole,
    }));

    const region = stack.region;
    this.readBackupsPolicy = new iam.ManagedPolicy(this, 'ReadBackupsPolicy', {
      description:
        'Ledgerlock restore: read every version of the change backups. Attach to the role that restores, never to a function',
      statements: [
        new iam.PolicyStatement({
          sid: 'ListBackupVersions',
          actions: ['s3:ListBucket', 's3:ListBucketVersions'],
          resources: [this.bucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadBackupVersions',
          actions: ['s3:GetObject', 's3:GetObjectVersion'],
          resources: [this.bucket.arnForObjects(`${backupObjectPrefix}*`)],
        }),
        new iam.PolicyStatement({
          sid: 'DecryptBackupsThroughS3',
          actions: ['kms:Decrypt'],
          resources: [this.key.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `s3.${region}.amazonaws.com`,
              'kms:EncryptionContext:aws:s3:arn': this.bucket.bucketArn,
            },
          },
        }),
      ],
    });
    Validations.of(this.readBackupsPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${backupObjectPrefix}*]`,
      reason:
        'A restore reads every backup object under changes/v1/ of this one bucket (one per stream batch, named by sequence numbers); read-only, and attached to no function',
    });

    new CfnOutput(this, 'BackupBucketName', {
      description: `Object-Locked change backups (${this.objectLockMode}, ${this.retentionDays} days)`,
      value: this.bucket.bucketName,
    });
    new CfnOutput(this, 'BackupKeyArn', {
      description: 'KMS key of the change backups (restores need kms:Decrypt on it through S3)',
      value: this.key.keyArn,
    });
    new CfnOutput(this, 'ReadBackupsPolicyArn', {
      description: 'Managed policy to attach to the role that restores from the change backups',
      value: this.readBackupsPolicy.managedPolicyArn,
    });
    new CfnOutput(this, 'BackupVaultName', {
      description: 'AWS Backup vault of the table snapshots',
      value: this.vault.backupVaultName,
    });
  }

  /**
   * The backup bucket as another stack sees it: by name and with its key, so object ARNs resolve there from
   * pseudo parameters (see Documents.importBucket).
   */
  importBucket(scope: Construct, id: string): s3.IBucket {
    return s3.Bucket.fromBucketAttributes(scope, id, {
      bucketName: this.bucketName,
      encryptionKey: this.key,
    });
  }
}
