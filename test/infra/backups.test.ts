// test: the backups — the Object-Locked bucket (lock mode and retention from context, policy denies, encryption,
// logging, lifecycle) and the AWS Backup vault, lock, plan and selection.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { isTestStage } from '../../lib/backup-lock-settings';
import { Backups } from '../../lib/backups';
import { LedgerlockDataStack } from '../../lib/data-stack';
import {
  buildLedgerlock,
  type LedgerlockTestApp,
  logicalId,
  testApp,
  testDeploymentRole,
  testEnv,
} from './ledgerlock-app';

type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
};

let built: LedgerlockTestApp;
let bucketId: string;
beforeAll(() => {
  built = buildLedgerlock();
  bucketId = logicalId(built.dataStack.backups.bucket);
});

function bucketOf(template: Template, id: string): Record<string, any> {
  return template.toJSON().Resources[id].Properties;
}

function policyStatements(template: Template, id: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')).filter(
    (policy) => JSON.stringify(policy.Properties.Bucket) === JSON.stringify({ Ref: id }),
  );
  expect(policies).toHaveLength(1);
  return policies[0]?.Properties.PolicyDocument.Statement;
}

function statement(sid: string): Statement | undefined {
  return policyStatements(built.dataTemplate, bucketId).find((entry) => entry.Sid === sid);
}

/** The data stack built under `context` (and optional stack name or stage). */
function dataStackWith(context: Record<string, unknown>, id = 'LedgerlockDataStack', stage?: string) {
  const app = testApp();
  for (const [key, value] of Object.entries(context)) app.node.setContext(key, value);
  const stack = new LedgerlockDataStack(app, id, { env: testEnv, stage });
  return { stack, template: Template.fromStack(stack) };
}

const objectArn = () => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] });
const bucketArn = () => ({ 'Fn::GetAtt': [bucketId, 'Arn'] });
const deploymentRole = testDeploymentRole;

describe('Backups', () => {
  describe('Object Lock', () => {
    it('locks every version in COMPLIANCE mode for 3653 days by default', () => {
      expect(bucketOf(built.dataTemplate, bucketId)).toMatchObject({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3653 } },
        },
      });
    });

    it('takes the retention from ledgerlock:backupRetentionDays, as a number or as -c digits', () => {
      for (const value of [30, '30']) {
        const { stack, template } = dataStackWith({ 'ledgerlock:backupRetentionDays': value });
        expect(bucketOf(template, logicalId(stack.backups.bucket)).ObjectLockConfiguration.Rule).toEqual({
          DefaultRetention: { Mode: 'COMPLIANCE', Days: 30 },
        });
      }
    });

    it.each([0, -1, 2.5, 'ten years', '', 40_000, true])(
      'refuses the retention %p, naming the context key',
      (value) => {
        expect(() => dataStackWith({ 'ledgerlock:backupRetentionDays': value })).toThrow(
          /is not a whole number of days from 1 to 36500; set the context value ledgerlock:backupRetentionDays/,
        );
      },
    );

    it('uses GOVERNANCE for a stack whose name says it is a test', () => {
      const { stack, template } = dataStackWith({}, 'LedgerlockTestDataStack');
      expect(stack.backups.objectLockMode).toBe('GOVERNANCE');
      expect(bucketOf(template, logicalId(stack.backups.bucket)).ObjectLockConfiguration.Rule).toEqual({
        DefaultRetention: { Mode: 'GOVERNANCE', Days: 3653 },
      });
    });

    it('uses GOVERNANCE for a test stage named by prop or ledgerlock:stage, whatever the stack is called', () => {
      expect(dataStackWith({}, 'LedgerlockDataStack', 'dev').stack.backups.objectLockMode).toBe('GOVERNANCE');
      expect(dataStackWith({ 'ledgerlock:stage': 'ci' }).stack.backups.objectLockMode).toBe('GOVERNANCE');
      expect(
        dataStackWith({ 'ledgerlock:stage': 'prod' }, 'LedgerlockTestDataStack').stack.backups.objectLockMode,
      ).toBe('COMPLIANCE');
    });

    it.each([
      ['LedgerlockTestDataStack', true],
      ['ledgerlock-dev', true],
      ['CI', true],
      ['LedgerlockCIStack', true],
      ['integration_test', true],
      ['LedgerlockDataStack', false],
      ['prod', false],
      ['latest', false],
      ['special', false],
      ['commercial-devices', false],
      ['contest', false],
    ])('treats stage %s as a test stage: %s', (stage, expected) => {
      expect(isTestStage(stage)).toBe(expected);
    });
  });

  describe('bucket', () => {
    it('encrypts with the backup key (SSE-KMS), which is neither the table key nor the data key, and bucket keys', () => {
      const { backups, dataStore } = built.dataStack;
      expect(bucketOf(built.dataTemplate, bucketId).BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(backups.key), 'Arn'] },
            },
          },
        ],
      });
      expect([logicalId(dataStore.tableKey), logicalId(dataStore.dataKey)]).not.toContain(
        logicalId(backups.key),
      );
    });

    it('is versioned, private, ACL-free, access-logged and named from pseudo parameters', () => {
      expect(bucketOf(built.dataTemplate, bucketId)).toMatchObject({
        BucketName: {
          'Fn::Join': [
            '',
            ['ledgerlockdatastack-backups-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }],
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LoggingConfiguration: {
          DestinationBucketName: { Ref: logicalId(built.dataStack.backups.accessLogsBucket) },
          LogFilePrefix: 'backups/',
        },
      });
    });

    it('never expires a backup: its lifecycle only moves objects of 128 KB and more to Glacier Instant Retrieval', () => {
      const lifecycle = bucketOf(built.dataTemplate, bucketId).LifecycleConfiguration;
      expect(lifecycle.TransitionDefaultMinimumObjectSize).toBe('all_storage_classes_128K');
      for (const rule of lifecycle.Rules) {
        expect(rule.ExpirationInDays).toBeUndefined();
        expect(rule.ExpirationDate).toBeUndefined();
        expect(rule.ExpiredObjectDeleteMarker).toBeUndefined();
        expect(rule.NoncurrentVersionExpiration).toBeUndefined();
        expect(rule.NoncurrentVersionExpirationInDays).toBeUndefined();
      }
      expect(lifecycle.Rules).toEqual([
        expect.objectContaining({
          Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
          NoncurrentVersionTransitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
        }),
      ]);
    });

    it('is retained with its key when the stack goes', () => {
      const resources = built.dataTemplate.toJSON().Resources;
      for (const construct of [
        built.dataStack.backups.bucket,
        built.dataStack.backups.key,
        built.dataStack.backups.accessLogsBucket,
        built.dataStack.backups.vault,
        built.dataStack.backups.vaultKey,
      ]) {
        expect(resources[logicalId(construct)]).toMatchObject({
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
        });
      }
    });
  });

  describe('bucket policy', () => {
    it('refuses every request without TLS 1.2', () => {
      expect(policyStatements(built.dataTemplate, bucketId)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          }),
        ]),
      );
    });

    it('denies to everyone, without exception, deleting versions or objects, changing retention and bypassing governance', () => {
      expect(statement('DenyDeletingOrUnlockingBackups')).toEqual({
        Sid: 'DenyDeletingOrUnlockingBackups',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: [
          's3:BypassGovernanceRetention',
          's3:DeleteObject',
          's3:DeleteObjectVersion',
          's3:PutObjectRetention',
        ],
        Resource: objectArn(),
      });
      expect(statement('DenyBucketDeletion')).toMatchObject({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:DeleteBucket',
        Resource: bucketArn(),
      });
    });

    it('lets legal holds be placed but never lifted', () => {
      expect(statement('DenyRemovingLegalHolds')).toEqual({
        Sid: 'DenyRemovingLegalHolds',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObjectLegalHold',
        Resource: objectArn(),
        Condition: { StringNotEquals: { 's3:object-lock-legal-hold': 'ON' } },
      });
    });

    it('denies changes of the policy, Object Lock, lifecycle, versioning and encryption to all but the deployment role', () => {
      const denied = statement('DenyProtectionChangesOutsideDeployments');
      expect(denied).toMatchObject({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: bucketArn(),
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': deploymentRole } },
      });
      expect(denied?.Action).toEqual(
        expect.arrayContaining([
          's3:PutBucketPolicy',
          's3:DeleteBucketPolicy',
          's3:PutBucketObjectLockConfiguration',
          's3:PutLifecycleConfiguration',
          's3:PutBucketVersioning',
          's3:PutEncryptionConfiguration',
          's3:PutReplicationConfiguration',
        ]),
      );
    });

    it('refuses objects not encrypted with the backup key, and objects outside changes/v1/', () => {
      const keyArn = { 'Fn::GetAtt': [logicalId(built.dataStack.backups.key), 'Arn'] };
      expect(statement('DenyPutWithoutKmsEncryption')).toMatchObject({
        Effect: 'Deny',
        Action: 's3:PutObject',
        Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      });
      expect(statement('DenyPutUnderAnotherKey')).toMatchObject({
        Effect: 'Deny',
        Action: 's3:PutObject',
        Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn } },
      });
      expect(statement('DenyPutOutsideTheChangeLog')).toMatchObject({
        Effect: 'Deny',
        Action: 's3:PutObject',
        NotResource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/changes/v1/*']] },
      });
    });

    it('refuses a PUT that does not say If-None-Match, so no backup is ever overwritten by a newer version', () => {
      expect(statement('DenyOverwritingBackups')).toEqual({
        Sid: 'DenyOverwritingBackups',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Resource: objectArn(),
        Condition: { Null: { 's3:if-none-match': 'true' } },
      });
    });

    it('allows nothing to anyone: every grant is an identity policy', () => {
      expect(
        policyStatements(built.dataTemplate, bucketId).filter((entry) => entry.Effect === 'Allow'),
      ).toEqual([]);
    });

    it('names another deployment role when ledgerlock:deploymentRoleArn says so', () => {
      const role = 'arn:aws:iam::123456789012:role/ledgerlock-deployer';
      const { stack, template } = dataStackWith({ 'ledgerlock:deploymentRoleArn': role });
      const denied = policyStatements(template, logicalId(stack.backups.bucket)).find(
        (entry) => entry.Sid === 'DenyProtectionChangesOutsideDeployments',
      );
      expect(denied?.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': role } });
    });
  });

  describe('restore', () => {
    it('offers a read-only policy for the restoring role, attached to nothing', () => {
      const { backups } = built.dataStack;
      const policy = built.dataTemplate.toJSON().Resources[logicalId(backups.readBackupsPolicy)];
      expect(policy.Properties.Roles).toBeUndefined();
      expect(policy.Properties.Users).toBeUndefined();
      expect(policy.Properties.Groups).toBeUndefined();
      const actions = (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((entry) =>
        Array.isArray(entry.Action) ? entry.Action : [entry.Action],
      );
      expect(actions.sort()).toEqual(
        [
          'kms:Decrypt',
          's3:GetObject',
          's3:GetObjectVersion',
          's3:ListBucket',
          's3:ListBucketVersions',
        ].sort(),
      );
    });
  });

  describe('access-log bucket', () => {
    it('is SSE-S3 (all S3 log delivery writes), without Object Lock, and keeps logs a year', () => {
      const logs = bucketOf(built.dataTemplate, logicalId(built.dataStack.backups.accessLogsBucket));
      expect(logs.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(logs.ObjectLockConfiguration).toBeUndefined();
      expect(logs.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: 365 })]);
    });
  });

  describe('AWS Backup', () => {
    it('keeps recovery points in a vault encrypted with a key of its own, locked in compliance mode after 3 days', () => {
      built.dataTemplate.hasResourceProperties('AWS::Backup::BackupVault', {
        EncryptionKeyArn: { 'Fn::GetAtt': [logicalId(built.dataStack.backups.vaultKey), 'Arn'] },
        LockConfiguration: { MinRetentionDays: 35, ChangeableForDays: 3 },
        AccessPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'],
            }),
            Match.objectLike({
              Sid: 'DenyVaultProtectionChangesOutsideDeployments',
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: Match.arrayWith(['backup:DeleteBackupVault', 'backup:PutBackupVaultAccessPolicy']),
              Condition: { ArnNotEquals: { 'aws:PrincipalArn': deploymentRole } },
            }),
          ]),
        },
      });
      expect(logicalId(built.dataStack.backups.vaultKey)).not.toBe(logicalId(built.dataStack.backups.key));
    });

    it('leaves the vault lock of a test stage in governance mode', () => {
      const { template } = dataStackWith({}, 'LedgerlockTestDataStack');
      template.hasResourceProperties('AWS::Backup::BackupVault', {
        LockConfiguration: { MinRetentionDays: 35, ChangeableForDays: Match.absent() },
      });
    });

    it('backs up daily for 35 days and monthly for a year', () => {
      built.dataTemplate.hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: {
          BackupPlanName: 'LedgerlockDataStack-tables',
          BackupPlanRule: [
            Match.objectLike({
              RuleName: 'Daily',
              ScheduleExpression: 'cron(0 3 * * ? *)',
              Lifecycle: { DeleteAfterDays: 35 },
            }),
            Match.objectLike({
              RuleName: 'Monthly',
              ScheduleExpression: 'cron(0 4 1 * ? *)',
              Lifecycle: { DeleteAfterDays: 365 },
            }),
          ],
        },
      });
    });

    it('selects the main table and the key store table', () => {
      const { dataStore } = built.dataStack;
      built.dataTemplate.hasResourceProperties('AWS::Backup::BackupSelection', {
        BackupSelection: Match.objectLike({
          Resources: [
            { 'Fn::GetAtt': [logicalId(dataStore.table), 'Arn'] },
            { 'Fn::GetAtt': [logicalId(dataStore.keyStore.table), 'Arn'] },
          ],
        }),
      });
    });
  });

  describe('props', () => {
    function fixture() {
      const stack = new Stack(testApp(), 'Props', { env: testEnv });
      const table = new dynamodb.Table(stack, 'Table', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      });
      return { stack, table };
    }

    it('refuses an empty list of tables', () => {
      const { stack } = fixture();
      expect(() => new Backups(stack, 'Backups', { tables: [] })).toThrow(/tables is empty/);
    });

    it('refuses a bucket name prefix S3 would reject', () => {
      const { stack, table } = fixture();
      expect(
        () => new Backups(stack, 'Backups', { tables: [table], bucketNamePrefix: 'Ledgerlock_Prod' }),
      ).toThrow(/bucketNamePrefix "Ledgerlock_Prod" must be/);
    });
  });
});
