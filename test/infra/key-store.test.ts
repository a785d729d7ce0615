// test: the branch key store — its stateful table and the tenant onboarding policy, attached to no function.
import { Match } from 'aws-cdk-lib/assertions';
import { keyStoreKeySchema } from '../../lib/key-store';
import {
  actionPatternMatches,
  allPolicyStatements,
  asList,
  buildLedgerlock,
  type LedgerlockTestApp,
  logicalId,
  type PolicyStatementJson,
  referenceNames,
} from './ledgerlock-app';

type ResourceJson = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

let built: LedgerlockTestApp;
beforeAll(() => {
  built = buildLedgerlock();
});

function keyStoreTable(): ResourceJson {
  const resources = built.dataTemplate.toJSON().Resources as Record<string, ResourceJson>;
  const table = resources[logicalId(built.dataStack.dataStore.keyStore.table)];
  if (table === undefined) throw new Error('no key store table in the data stack');
  return table;
}

function onboardingStatements(): PolicyStatementJson[] {
  const policyId = logicalId(built.dataStack.dataStore.keyStore.onboardingPolicy);
  return allPolicyStatements(built.dataTemplate)
    .filter(({ owner }) => owner === policyId)
    .map(({ statement }) => statement);
}

/** `<action> on <logical id>` for every action an Allow statement grants on a data-stack resource. */
function grantedPairs(statements: PolicyStatementJson[]): string[] {
  return statements
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      asList(statement.Resource).flatMap((resource) => {
        const target = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0] ?? '?';
        return asList(statement.Action).map((action) => `${action} on ${target}`);
      }),
    )
    .sort();
}

describe('KeyStore', () => {
  describe('table', () => {
    it('keeps its construct path, so the stateful table is never replaced', () => {
      expect(built.dataStack.dataStore.keyStore.table.node.path).toBe(
        'LedgerlockDataStack/DataStore/KeyStore/Table',
      );
    });

    it('has the key schema the Encryption SDK reads, and no index', () => {
      expect(keyStoreKeySchema).toMatchObject({ partitionKey: 'branch-key-id', sortKey: 'type' });
      expect(keyStoreTable().Properties).toMatchObject({
        KeySchema: [
          { AttributeName: 'branch-key-id', KeyType: 'HASH' },
          { AttributeName: 'type', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'branch-key-id', AttributeType: 'S' },
          { AttributeName: 'type', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      });
      expect(keyStoreTable().Properties.GlobalSecondaryIndexes).toBeUndefined();
      expect(keyStoreTable().Properties.LocalSecondaryIndexes).toBeUndefined();
    });

    it('streams new and old images, so every branch-key change reaches the backups', () => {
      expect(keyStoreTable().Properties.StreamSpecification).toEqual({
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      });
    });

    it('encrypts the table with the customer managed table key', () => {
      expect(keyStoreTable().Properties.SSESpecification).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [logicalId(built.dataStack.dataStore.tableKey), 'Arn'] },
      });
    });

    it('keeps point-in-time recovery on for 35 days', () => {
      expect(keyStoreTable().Properties.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: true,
        RecoveryPeriodInDays: 35,
      });
    });

    it('refuses deletion through the API and keeps the table when the stack goes', () => {
      expect(keyStoreTable()).toMatchObject({
        Properties: expect.objectContaining({ DeletionProtectionEnabled: true }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('publishes its name, the logical key store name onboarding runs createKey against', () => {
      const tableId = logicalId(built.dataStack.dataStore.keyStore.table);
      built.dataTemplate.hasOutput('*', {
        Value: { Ref: tableId },
        Description: Match.stringLikeRegexp('createKey'),
      });
    });
  });

  describe('tenant onboarding policy', () => {
    it('grants exactly what BranchKeyStoreNode.createKey needs, and GetItem', () => {
      const { dataKey, tableKey, keyStore } = built.dataStack.dataStore;
      const data = logicalId(dataKey);
      const store = logicalId(keyStore.table);
      const table = logicalId(tableKey);
      expect(grantedPairs(onboardingStatements())).toEqual(
        [
          `kms:GenerateDataKeyWithoutPlaintext on ${data}`,
          `kms:ReEncryptFrom on ${data}`,
          `kms:ReEncryptTo on ${data}`,
          `dynamodb:PutItem on ${store}`,
          `dynamodb:GetItem on ${store}`,
          `kms:Decrypt on ${table}`,
          `kms:Encrypt on ${table}`,
          `kms:GenerateDataKey on ${table}`,
        ].sort(),
      );
    });

    it('never lets onboarding open a branch key, delete one or read the invoice table', () => {
      const statements = onboardingStatements();
      const dataKeyStatements = statements.filter(
        (statement) =>
          JSON.stringify(statement.Resource) ===
          JSON.stringify({ 'Fn::GetAtt': [logicalId(built.dataStack.dataStore.dataKey), 'Arn'] }),
      );
      for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']) {
        const granting = dataKeyStatements.filter((statement) =>
          asList(statement.Action).some((pattern) => actionPatternMatches(pattern, action)),
        );
        expect({ action, granting }).toEqual({ action, granting: [] });
      }
      const json = JSON.stringify(statements);
      expect(json).not.toContain(`"${logicalId(built.dataStack.dataStore.table)}"`);
      expect(json).not.toMatch(/DeleteItem|UpdateItem|BatchWriteItem|"\*"/);
    });

    it('pins every use of the data key to branch keys of this key store', () => {
      const tableName = { Ref: logicalId(built.dataStack.dataStore.keyStore.table) };
      const dataKeyStatements = onboardingStatements().filter((statement) =>
        asList(statement.Action).some(
          (action) =>
            action.startsWith('kms:GenerateDataKeyWithoutPlaintext') || action.startsWith('kms:ReEncrypt'),
        ),
      );
      expect(dataKeyStatements).toHaveLength(2);
      for (const statement of dataKeyStatements) {
        expect(statement.Condition?.StringEquals).toEqual({ 'kms:EncryptionContext:tablename': tableName });
      }
      expect(
        dataKeyStatements.find((statement) => asList(statement.Action).includes('kms:ReEncryptFrom'))
          ?.Condition?.Bool,
      ).toEqual({ 'kms:ReEncryptOnSameKey': 'true' });
    });

    it('writes branch key items only inside a transaction, as createKey does', () => {
      const puts = onboardingStatements().filter((statement) =>
        asList(statement.Action).includes('dynamodb:PutItem'),
      );
      expect(puts).toEqual([
        expect.objectContaining({
          Condition: {
            'ForAnyValue:StringEquals': { 'dynamodb:EnclosingOperation': ['TransactWriteItems'] },
          },
        }),
      ]);
    });

    it('uses the table key only through DynamoDB', () => {
      const tableKeyStatements = onboardingStatements().filter((statement) =>
        JSON.stringify(statement.Resource).includes(`"${logicalId(built.dataStack.dataStore.tableKey)}"`),
      );
      expect(tableKeyStatements).toEqual([
        expect.objectContaining({
          Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' } },
        }),
      ]);
    });

    it('is attached to no role, user or group, and no function role refers to it', () => {
      const policyId = logicalId(built.dataStack.dataStore.keyStore.onboardingPolicy);
      const policy = (built.dataTemplate.toJSON().Resources as Record<string, ResourceJson>)[policyId];
      expect(policy).toBeDefined();
      for (const attachment of ['Roles', 'Users', 'Groups']) {
        expect({ attachment, value: policy?.Properties[attachment] }).toEqual({
          attachment,
          value: undefined,
        });
      }
      const references = referenceNames(built.dataTemplate, policyId);
      expect(references.length).toBeGreaterThan(0);
      const apiTemplate = JSON.stringify(built.apiTemplate.toJSON());
      expect(references.filter((name) => apiTemplate.includes(`"${name}"`))).toEqual([]);
      const dataRoles = built.dataTemplate.findResources('AWS::IAM::Role');
      expect(JSON.stringify(dataRoles)).not.toContain(`"${policyId}"`);
    });
  });
});
