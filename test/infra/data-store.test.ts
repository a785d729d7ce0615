// test: the stateful data stack — table built from the shared definition, keys, retention.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { tableDefinition } from '../../functions/platform/table-definition';
import { LedgerlockDataStack } from '../../lib/data-stack';
import { DataStore } from '../../lib/data-store';
import { buildLedgerlock, type LedgerlockTestApp, logicalId, testApp, testEnv } from './ledgerlock-app';

let built: LedgerlockTestApp;
beforeAll(() => {
  built = buildLedgerlock();
});

describe('DataStore', () => {
  describe('table', () => {
    it('encrypts the table with the customer managed table key', () => {
      built.dataTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [logicalId(built.dataStack.dataStore.tableKey), 'Arn'] },
        },
      });
    });

    it('keeps point-in-time recovery on for 35 days', () => {
      built.dataTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
      });
    });

    it('refuses deletion through the API and keeps the table when the stack goes', () => {
      built.dataTemplate.hasResource('AWS::DynamoDB::Table', {
        Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('streams new and old images for the consumers after the write', () => {
      built.dataTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
    });

    it('expires items by the TTL attribute of the table definition', () => {
      built.dataTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
        TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
      });
    });

    it('uses the key schema and every index of the table definition with on-demand billing', () => {
      built.dataTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
          { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) =>
          Match.objectLike({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
          }),
        ),
      });
    });
  });

  describe('keys', () => {
    it('rotates every symmetric key and retains it', () => {
      const symmetricKeys = built.dataTemplate.findResources('AWS::KMS::Key', {
        Properties: Match.objectLike({ KeySpec: Match.absent() }),
      });
      // table, data, logs (DataStore), documents (Documents), alerts (Alerts), backups and vault (Backups)
      expect(Object.keys(symmetricKeys)).toHaveLength(7);
      for (const key of Object.values(symmetricKeys)) {
        expect(key.Properties.EnableKeyRotation).toBe(true);
        expect(key.DeletionPolicy).toBe('Retain');
        expect(key.Properties.PendingWindowInDays).toBe(30);
      }
    });

    it('makes the blind-index key an HMAC-256 MAC key that is retained', () => {
      built.dataTemplate.hasResource('AWS::KMS::Key', {
        Properties: Match.objectLike({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
        DeletionPolicy: 'Retain',
      });
    });

    it('keeps the table key apart from the data key so table readers cannot open sealed fields', () => {
      const { tableKey, dataKey } = built.dataStack.dataStore;
      expect(logicalId(tableKey)).not.toBe(logicalId(dataKey));
    });

    it('lets CloudWatch Logs use the log key only for log groups of this account and region', () => {
      built.dataTemplate.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'logs.eu-central-1.amazonaws.com' },
              Condition: {
                ArnLike: {
                  'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-central-1:123456789012:log-group:*',
                },
              },
            }),
          ]),
        },
      });
    });
  });

  describe('stack', () => {
    it('turns termination protection on', () => {
      expect(built.dataStack.terminationProtection).toBe(true);
    });

    it('refuses to build when termination protection is switched off', () => {
      const app = testApp();
      expect(
        () => new LedgerlockDataStack(app, 'Data', { env: testEnv, terminationProtection: false }),
      ).toThrow(/terminationProtection must stay on/);
    });
  });

  describe('props', () => {
    it('rejects a point-in-time recovery period KMS does not offer', () => {
      const stack = new Stack(testApp(), 'Props', { env: testEnv });
      expect(() => new DataStore(stack, 'DataStore', { pointInTimeRecoveryDays: 40 })).toThrow(
        /pointInTimeRecoveryDays 40 must be a whole number from 1 to 35/,
      );
    });

    it('names alias prefixes in the key aliases', () => {
      const stack = new Stack(testApp(), 'Aliases', { env: testEnv });
      new DataStore(stack, 'DataStore', { aliasPrefix: 'ledgerlock-staging' });
      Template.fromStack(stack).hasResourceProperties('AWS::KMS::Alias', {
        AliasName: 'alias/ledgerlock-staging/data',
      });
    });
  });
});
