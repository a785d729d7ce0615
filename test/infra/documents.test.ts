// test: the documents bucket — SSE-KMS with bucket keys, versioned, TLS only, private, access-logged, retained.
import { Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Documents } from '../../lib/documents';
import { buildLedgerlock, type LedgerlockTestApp, logicalId, testApp, testEnv } from './ledgerlock-app';

let built: LedgerlockTestApp;
let bucketId: string;
let accessLogsId: string;
beforeAll(() => {
  built = buildLedgerlock();
  bucketId = logicalId(built.dataStack.documents.bucket);
  accessLogsId = logicalId(built.dataStack.documents.accessLogsBucket);
});

function bucketProperties(id: string): Record<string, unknown> {
  return built.dataTemplate.toJSON().Resources[id].Properties;
}

/** The bucket policy statements of one bucket. */
function policyStatements(id: string): Record<string, unknown>[] {
  const policies = Object.values(built.dataTemplate.findResources('AWS::S3::BucketPolicy')).filter(
    (policy) => JSON.stringify(policy.Properties.Bucket) === JSON.stringify({ Ref: id }),
  );
  expect(policies).toHaveLength(1);
  return policies[0]?.Properties.PolicyDocument.Statement;
}

describe('Documents', () => {
  describe('documents bucket', () => {
    it('encrypts with the documents key (SSE-KMS) and S3 Bucket Keys', () => {
      expect(bucketProperties(bucketId).BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(built.dataStack.documents.key), 'Arn'] },
            },
          },
        ],
      });
    });

    it('keeps every version', () => {
      expect(bucketProperties(bucketId).VersioningConfiguration).toEqual({ Status: 'Enabled' });
    });

    it('blocks every form of public access and turns ACLs off', () => {
      expect(bucketProperties(bucketId)).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
    });

    it('refuses requests without TLS or below TLS 1.2', () => {
      expect(policyStatements(bucketId)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Principal: { AWS: '*' },
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

    it('refuses objects that are not encrypted under the documents key', () => {
      const keyArn = { 'Fn::GetAtt': [logicalId(built.dataStack.documents.key), 'Arn'] };
      expect(policyStatements(bucketId)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:PutObject',
            Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
          }),
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:PutObject',
            Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn } },
          }),
        ]),
      );
    });

    it('writes server access logs to the access-log bucket', () => {
      expect(bucketProperties(bucketId).LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: accessLogsId },
        LogFilePrefix: 'documents/',
      });
    });

    it('expires overwritten versions after 90 days', () => {
      expect(bucketProperties(bucketId).LifecycleConfiguration).toEqual({
        Rules: [
          expect.objectContaining({
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 90 },
          }),
        ],
      });
    });

    it('is named from the stack, account and region, so other stacks can name it', () => {
      expect(bucketProperties(bucketId).BucketName).toEqual({
        'Fn::Join': [
          '',
          ['ledgerlockdatastack-documents-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }],
        ],
      });
    });

    it.each([
      ['documents bucket', () => bucketId],
      ['access-log bucket', () => accessLogsId],
    ])('retains the %s when the stack or the resource goes', (_, id) => {
      expect(built.dataTemplate.toJSON().Resources[id()]).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('retains the documents key and rotates it', () => {
      built.dataTemplate.hasResource('AWS::KMS::Key', {
        Properties: Match.objectLike({
          Description: Match.stringLikeRegexp('documents'),
          EnableKeyRotation: true,
        }),
        DeletionPolicy: 'Retain',
      });
    });
  });

  describe('access-log bucket', () => {
    it('uses SSE-S3, the only encryption S3 log delivery supports', () => {
      expect(bucketProperties(accessLogsId).BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    });

    it('is versioned, private and TLS only', () => {
      expect(bucketProperties(accessLogsId)).toMatchObject({
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      expect(policyStatements(accessLogsId)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    });

    it('admits only the S3 logging service, for the documents bucket of this account', () => {
      expect(policyStatements(accessLogsId)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: {
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId, 'Arn'] } },
              StringEquals: { 'aws:SourceAccount': '123456789012' },
            },
          }),
        ]),
      );
    });

    it('keeps access logs for a year', () => {
      expect(bucketProperties(accessLogsId).LifecycleConfiguration).toEqual({
        Rules: [expect.objectContaining({ ExpirationInDays: 365 })],
      });
    });
  });

  describe('props', () => {
    it('rejects a bucket-name prefix S3 would refuse', () => {
      const stack = new Stack(testApp(), 'Props', { env: testEnv });
      expect(() => new Documents(stack, 'Documents', { bucketNamePrefix: 'Ledgerlock_Prod' })).toThrow(
        /bucketNamePrefix "Ledgerlock_Prod" must be 1–25 lowercase letters/,
      );
    });

    it('rejects an access-log retention shorter than PCI DSS asks for', () => {
      const stack = new Stack(testApp(), 'Props', { env: testEnv });
      expect(() => new Documents(stack, 'Documents', { accessLogRetention: Duration.days(30) })).toThrow(
        /accessLogRetention 30 days must be at least 365 days/,
      );
    });
  });
});
