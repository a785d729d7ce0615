// cdk: the AWS Backup layer of the backups — a vault under Vault Lock with a key of its own, the daily and monthly
// plan and the selection of the tables. Built under the Backups construct, so construct ids stay as they were.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface BackupVaultOptions {
  readonly vaultKey: kms.IKey;
  /** The tables the plan snapshots. */
  readonly tables: readonly dynamodb.ITable[];
  /** A test stage's lock stays in governance mode (removable); every other goes to compliance mode. */
  readonly testStage: boolean;
  /** Retention of the daily recovery points, and the vault's minimum retention. */
  readonly dailyRetention: Duration;
  readonly monthlyRetention: Duration;
  /** The one principal that may change the vault's lock and access policy. */
  readonly deploymentRole: string;
}

/**
 * Creates, under `scope` (ids `Vault`, `Plan`, and `Tables` under it), the vault, its lock and access policy, the plan
 * and the selection. Recovery points are encrypted with the vault's own key where AWS Backup manages DynamoDB
 * backups fully ("advanced features for DynamoDB", on by default in accounts since late 2021).
 */
export function addBackupVault(scope: Construct, options: BackupVaultOptions) {
  const vaultLock: backup.LockConfiguration = {
    minRetention: options.dailyRetention,
    // A cooling-off period, then compliance mode: nobody can remove the lock or shorten it. Test stages keep
    // governance mode (no lock date), so their vaults can be emptied once reviewed.
    changeableFor: options.testStage ? undefined : Duration.days(3),
  };
  const vault = new backup.BackupVault(scope, 'Vault', {
    encryptionKey: options.vaultKey,
    lockConfiguration: vaultLock,
    blockRecoveryPointDeletion: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // The lock, the access policy and the vault itself change only with a deployment (as for the bucket).
  vault.addToAccessPolicy(
    new iam.PolicyStatement({
      sid: 'DenyVaultProtectionChangesOutsideDeployments',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [
        'backup:DeleteBackupVault',
        'backup:PutBackupVaultAccessPolicy',
        'backup:DeleteBackupVaultAccessPolicy',
        'backup:PutBackupVaultLockConfiguration',
        'backup:DeleteBackupVaultLockConfiguration',
      ],
      resources: ['*'],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': options.deploymentRole } },
    }),
  );
  const plan = new backup.BackupPlan(scope, 'Plan', {
    // Plan names are unique per account and region: two stages must not collide.
    backupPlanName: `${Stack.of(scope).stackName}-tables`,
    backupVault: vault,
    backupPlanRules: [
      new backup.BackupPlanRule({
        ruleName: 'Daily',
        scheduleExpression: events.Schedule.cron({ hour: '3', minute: '0' }),
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(8),
        deleteAfter: options.dailyRetention,
      }),
      new backup.BackupPlanRule({
        ruleName: 'Monthly',
        scheduleExpression: events.Schedule.cron({ day: '1', hour: '4', minute: '0' }),
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(8),
        deleteAfter: options.monthlyRetention,
      }),
    ],
  });
  plan.applyRemovalPolicy(RemovalPolicy.RETAIN);
  const selection = plan.addSelection('Tables', {
    resources: options.tables.map((table) => backup.BackupResource.fromDynamoDbTable(table)),
    allowRestores: false,
  });
  const selectionRole = selection.node.tryFindChild('Role');
  if (selectionRole !== undefined) {
    Validations.of(selectionRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'Only backup.amazonaws.com may assume this role; AWS maintains this service policy for exactly the backup jobs of every resource type, including the DynamoDB and KMS calls a backup of an encrypted table needs',
    });
  }
  return { vault, plan, selection };
}
