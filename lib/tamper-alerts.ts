// cdk: tamper alerts — CloudTrail-recorded attempts to delete or weaken keys and backup protection, as alerts.
// Stateless rules in the stateful stack, beside what they watch.
import * as events from 'aws-cdk-lib/aws-events';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alertTopicTarget, platformRuleId, runbookPath } from './alert-routes';

/** KMS calls that would destroy a key, switch it off, or loosen its policy or rotation. */
export const keyTamperingEvents = ['ScheduleKeyDeletion', 'DisableKey', 'PutKeyPolicy', 'DisableKeyRotation'];

/**
 * S3 calls that would weaken the backup bucket: its policy, its Object Lock default, and the configuration that
 * decides what survives and where copies go. CloudTrail event names, not IAM action names
 * (`PutObjectLockConfiguration` is authorised as s3:PutBucketObjectLockConfiguration).
 */
export const backupBucketTamperingEvents = [
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'PutObjectLockConfiguration',
  'PutBucketLifecycle',
  'DeleteBucketLifecycle',
  'PutBucketVersioning',
  'PutBucketEncryption',
  'DeleteBucketEncryption',
  'PutBucketReplication',
  'PutBucketPublicAccessBlock',
  'DeleteBucketPublicAccessBlock',
];

/** AWS Backup calls that would loosen the vault lock or its access policy, or remove recovery points or the plan. */
export const backupVaultTamperingEvents = [
  'PutBackupVaultLockConfiguration',
  'DeleteBackupVaultLockConfiguration',
  'PutBackupVaultAccessPolicy',
  'DeleteBackupVaultAccessPolicy',
  'DeleteRecoveryPoint',
  'UpdateRecoveryPointLifecycle',
  'DeleteBackupPlan',
  'UpdateBackupPlan',
  'DeleteBackupSelection',
];

export interface TamperAlertsProps {
  /** The alerts topic (Alerts). */
  readonly alertTopic: sns.ITopic;
  /** The name of the Object-Locked backup bucket (Backups.bucketName). */
  readonly backupBucketName: string;
}

/**
 * EventBridge rules on CloudTrail management events ("AWS API Call via CloudTrail"), each publishing a critical
 * alert of the DESIGN.md schema to the alerts topic:
 * - `KeyDeletionAttempt` → `platform-key-deletion-attempt`: ScheduleKeyDeletion, DisableKey, PutKeyPolicy or
 *   DisableKeyRotation on any key of this account and region, allowed or denied — every key-policy change is made
 *   by a deployment, so each one is worth a look, and a denied attempt most of all.
 * - `BackupPolicyChange` → `platform-backup-policy-change`: policy, Object Lock or lifecycle changes of the backup
 *   bucket; `BackupVaultChange`, the same rule id: vault-lock, access-policy or recovery-point changes in AWS Backup.
 *
 * EventBridge receives these events only while a CloudTrail trail records management events in this region —
 * on AWS Organizations, the organization trail; otherwise a trail in this account. Without one the rules stay
 * silent. Denied calls are recorded too (with `errorCode`), so a refused attempt still alerts.
 */
export class TamperAlerts extends Construct {
  readonly keyDeletionAttempt: events.Rule;
  readonly backupPolicyChange: events.Rule;
  readonly backupVaultChange: events.Rule;
  private readonly alertTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: TamperAlertsProps) {
    super(scope, id);
    this.alertTopic = props.alertTopic;
    const keyRule = platformRuleId('key-deletion-attempt');
    const backupRule = platformRuleId('backup-policy-change');

    this.keyDeletionAttempt = this.rule('KeyDeletionAttempt', {
      rule: keyRule,
      service: 'kms',
      eventNames: keyTamperingEvents,
      summary: 'A KMS key was scheduled for deletion, disabled, or had its policy or rotation changed',
    });
    this.backupPolicyChange = this.rule('BackupPolicyChange', {
      rule: backupRule,
      service: 's3',
      eventNames: backupBucketTamperingEvents,
      requestParameters: { bucketName: [props.backupBucketName] },
      summary: "The backup bucket's policy, Object Lock or lifecycle configuration was changed or attempted",
    });
    this.backupVaultChange = this.rule('BackupVaultChange', {
      rule: backupRule,
      service: 'backup',
      eventNames: backupVaultTamperingEvents,
      summary:
        'The backup vault lock, its access policy, a recovery point or the backup plan was changed or attempted',
    });
  }

  private rule(
    id: string,
    options: {
      readonly rule: string;
      readonly service: 'kms' | 's3' | 'backup';
      readonly eventNames: readonly string[];
      readonly requestParameters?: Record<string, unknown>;
      readonly summary: string;
    },
  ): events.Rule {
    const eventId = events.EventField.fromPath('$.detail.eventID');
    const eventName = events.EventField.fromPath('$.detail.eventName');
    const message = events.RuleTargetInput.fromObject({
      alertId: `cloudtrail:${eventId}`,
      rule: options.rule,
      severity: 'critical',
      status: 'open',
      subject: 'platform',
      // Only fields every such event has: an input transformer drops a variable whose path is missing.
      summary: `${options.summary} (${options.service}:${eventName}); see CloudTrail event ${eventId}`,
      detectedAt: events.EventField.time,
      window: { from: events.EventField.time, to: events.EventField.time },
      observed: 1,
      baseline: 0,
      evidence: [eventId],
      runbook: runbookPath(options.rule),
      source: 'cloudtrail',
    });
    return new events.Rule(this, id, {
      description: `${options.rule}: ${options.service} ${options.eventNames.join(', ')}`,
      eventPattern: {
        source: [`aws.${options.service}`],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: [`${options.service}.amazonaws.com`],
          eventName: [...options.eventNames],
          ...(options.requestParameters === undefined
            ? {}
            : { requestParameters: options.requestParameters }),
        },
      },
      targets: [alertTopicTarget(this, this.alertTopic, message)],
    });
  }
}
