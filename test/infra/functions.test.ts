// test: the functions — project defaults, env vars bound with their grants, least privilege per function.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { envNames } from '../../functions/platform/config';
import { ProjectFunction } from '../../lib/project-function';
import {
  actionPatternMatches,
  allPolicyStatements,
  asList,
  buildLedgerlock,
  type LedgerlockTestApp,
  logicalId,
  type PolicyStatementJson,
  referenceNames,
  roleStatements,
  testApp,
  testEnv,
} from './ledgerlock-app';

/** Actions no runtime role may hold: destroying keys, tables, backups, locked objects or audit logs. */
const forbiddenActions = [
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:DeleteAlias',
  'kms:DeleteImportedKeyMaterial',
  'kms:DeleteCustomKeyStore',
  'kms:PutKeyPolicy',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:DeleteBackup',
  'dynamodb:UpdateContinuousBackups',
  'dynamodb:DeleteResourcePolicy',
  's3:DeleteBucket',
  's3:DeleteObjectVersion',
  's3:PutBucketObjectLockConfiguration',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:BypassGovernanceRetention',
  'logs:DeleteLogGroup',
  'cognito-idp:DeleteUserPool',
  'iam:PutRolePolicy',
  'iam:AttachRolePolicy',
];

const dynamoDbWriteActions = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];

/** The forbidden actions an Allow statement grants, wildcards and NotAction included. */
function forbiddenGrants(statement: PolicyStatementJson): string[] {
  if (statement.Effect !== 'Allow') return [];
  if (statement.NotAction !== undefined) return ['NotAction (allows everything not listed)'];
  const patterns = asList(statement.Action);
  return forbiddenActions.filter((action) =>
    patterns.some((pattern) => actionPatternMatches(pattern, action)),
  );
}

function grants(statements: PolicyStatementJson[], action: string): PolicyStatementJson[] {
  return statements.filter(
    (statement) =>
      statement.Effect === 'Allow' &&
      asList(statement.Action).some((pattern) => actionPatternMatches(pattern, action)),
  );
}

let built: LedgerlockTestApp;
beforeAll(() => {
  built = buildLedgerlock();
});

function statementsOf(fn: ProjectFunction): PolicyStatementJson[] {
  return roleStatements(built.apiTemplate, logicalId(fn.role));
}

function mentionsAny(value: unknown, names: string[]): boolean {
  const json = JSON.stringify(value);
  return names.some((name) => json.includes(`"${name}"`));
}

describe('ProjectFunction', () => {
  describe('defaults', () => {
    it('runs every function on nodejs24.x, arm64, with active tracing and JSON logs', () => {
      const functions = built.apiTemplate.findResources('AWS::Lambda::Function');
      expect(Object.keys(functions)).toHaveLength(3);
      for (const fn of Object.values(functions)) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON' },
        });
        expect(fn.Properties.MemorySize).toBeGreaterThanOrEqual(512);
        expect(fn.Properties.Timeout).toBeLessThanOrEqual(29);
      }
    });

    it('writes every log group of the API stack encrypted and with a retention', () => {
      const logGroups = built.apiTemplate.findResources('AWS::Logs::LogGroup');
      expect(Object.keys(logGroups).length).toBeGreaterThanOrEqual(6);
      for (const logGroup of Object.values(logGroups)) {
        expect(logGroup.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
        expect(logGroup.Properties.KmsKeyId).toBeDefined();
      }
    });

    it('gives each function its own log group and lets it write nowhere else', () => {
      for (const fn of [
        built.apiStack.authorizerFunction,
        built.apiStack.readFunction,
        built.apiStack.writeFunction,
      ]) {
        const logGroupId = logicalId(fn.logGroup);
        built.apiTemplate.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: Match.absent(),
          LoggingConfig: Match.objectLike({ LogGroup: { Ref: logGroupId } }),
          Role: { 'Fn::GetAtt': [logicalId(fn.role), 'Arn'] },
        });
        for (const statement of grants(statementsOf(fn), 'logs:PutLogEvents')) {
          expect(statement.Resource).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
        }
      }
    });

    it('attaches no AWS managed policy to a function role', () => {
      for (const fn of [
        built.apiStack.authorizerFunction,
        built.apiStack.readFunction,
        built.apiStack.writeFunction,
      ]) {
        const role = built.apiTemplate.toJSON().Resources[logicalId(fn.role)];
        expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toContain(':iam::aws:policy');
      }
    });
  });

  describe('environment', () => {
    it('tells the authorizer the table, issuer, JWKS and scope prefix, and no key', () => {
      const variables =
        built.apiTemplate.toJSON().Resources[logicalId(built.apiStack.authorizerFunction.function)].Properties
          .Environment.Variables;
      expect(Object.keys(variables)).toEqual(
        expect.arrayContaining([
          envNames.tableName,
          envNames.jwtIssuer,
          envNames.jwksUrl,
          envNames.scopePrefix,
        ]),
      );
      expect(variables[envNames.scopePrefix]).toBe('ledgerlock/');
      expect(variables).not.toHaveProperty(envNames.dataKeyArn);
      expect(variables).not.toHaveProperty(envNames.blindIndexKeyArn);
    });

    it.each([['readFunction'], ['writeFunction']] as const)(
      'tells %s the table, data key and blind-index key',
      (name) => {
        const variables =
          built.apiTemplate.toJSON().Resources[logicalId(built.apiStack[name].function)].Properties
            .Environment.Variables;
        expect(Object.keys(variables)).toEqual(
          expect.arrayContaining([envNames.tableName, envNames.dataKeyArn, envNames.blindIndexKeyArn]),
        );
        expect(variables).toHaveProperty('POWERTOOLS_SERVICE_NAME');
      },
    );
  });

  describe('privileges', () => {
    it('grants no runtime role an action that deletes or disables keys, tables, backups or locked objects', () => {
      const findings = [...allPolicyStatements(built.apiTemplate), ...allPolicyStatements(built.dataTemplate)]
        .map(({ owner, statement }) => ({ owner, forbidden: forbiddenGrants(statement) }))
        .filter((finding) => finding.forbidden.length > 0);
      expect(findings).toEqual([]);
    });

    it('recognises wildcard grants of forbidden actions', () => {
      expect(forbiddenGrants({ Effect: 'Allow', Action: 'kms:*' })).toContain('kms:ScheduleKeyDeletion');
      expect(forbiddenGrants({ Effect: 'Allow', Action: ['dynamodb:*'] })).toContain('dynamodb:DeleteTable');
      expect(forbiddenGrants({ Effect: 'Allow', Action: 'kms:Delete*' })).toContain('kms:DeleteAlias');
      expect(forbiddenGrants({ Effect: 'Allow', Action: '*' })).toHaveLength(forbiddenActions.length);
      expect(forbiddenGrants({ Effect: 'Allow', NotAction: 'iam:*' })).toHaveLength(1);
      expect(forbiddenGrants({ Effect: 'Deny', Action: 'kms:*' })).toEqual([]);
    });

    it('lets the authorizer get only CLIENT# items', () => {
      const dynamoDb = statementsOf(built.apiStack.authorizerFunction).filter((statement) =>
        asList(statement.Action).some((action) => action.startsWith('dynamodb:')),
      );
      expect(dynamoDb).toEqual([
        expect.objectContaining({
          Action: 'dynamodb:GetItem',
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CLIENT#*'] } },
        }),
      ]);
    });

    it('gives the authorizer no action on the data key or the blind-index key', () => {
      const { dataKey, blindIndexKey } = built.dataStack.dataStore;
      const keyReferences = [
        ...referenceNames(built.dataTemplate, logicalId(dataKey)),
        ...referenceNames(built.dataTemplate, logicalId(blindIndexKey)),
      ];
      expect(keyReferences.length).toBeGreaterThan(0);
      const statements = statementsOf(built.apiStack.authorizerFunction);
      expect(statements.filter((statement) => mentionsAny(statement.Resource, keyReferences))).toEqual([]);
    });

    it('lets functions use the table key only through DynamoDB', () => {
      const tableKeyReferences = referenceNames(
        built.dataTemplate,
        logicalId(built.dataStack.dataStore.tableKey),
      );
      for (const fn of [
        built.apiStack.authorizerFunction,
        built.apiStack.readFunction,
        built.apiStack.writeFunction,
      ]) {
        const tableKeyStatements = statementsOf(fn).filter((statement) =>
          mentionsAny(statement.Resource, tableKeyReferences),
        );
        expect(tableKeyStatements.length).toBeGreaterThan(0);
        for (const statement of tableKeyStatements) {
          expect(statement.Condition).toEqual({
            StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' },
          });
        }
      }
    });

    it('gives the read function no DynamoDB write and no way to encrypt with the data key', () => {
      const statements = statementsOf(built.apiStack.readFunction);
      for (const action of [...dynamoDbWriteActions, 'kms:Encrypt', 'kms:GenerateDataKey']) {
        expect({ action, statements: grants(statements, action) }).toEqual({ action, statements: [] });
      }
      expect(grants(statements, 'kms:Decrypt').length).toBeGreaterThan(0);
      expect(grants(statements, 'kms:VerifyMac').length).toBeGreaterThan(0);
    });

    it('lets the write function write items, seal with the data key and compute blind indexes', () => {
      const statements = statementsOf(built.apiStack.writeFunction);
      for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem']) {
        expect(grants(statements, action).length).toBeGreaterThan(0);
      }
      const dataKeyReferences = referenceNames(
        built.dataTemplate,
        logicalId(built.dataStack.dataStore.dataKey),
      );
      const dataKeyStatements = statements.filter((statement) =>
        mentionsAny(statement.Resource, dataKeyReferences),
      );
      expect(dataKeyStatements).toEqual([
        expect.objectContaining({ Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] }),
      ]);
      expect(grants(statements, 'kms:GenerateMac').length).toBeGreaterThan(0);
      expect(grants(statements, 'kms:VerifyMac')).toEqual([]);
    });

    it('never lets a function scan the multi-tenant table', () => {
      for (const fn of [
        built.apiStack.authorizerFunction,
        built.apiStack.readFunction,
        built.apiStack.writeFunction,
      ]) {
        expect(grants(statementsOf(fn), 'dynamodb:Scan')).toEqual([]);
      }
    });
  });

  describe('bind calls', () => {
    function fixture() {
      const stack = new Stack(testApp(), 'BindTest', { env: testEnv });
      const key = new kms.Key(stack, 'Key');
      const table = new dynamodb.Table(stack, 'Table', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      });
      const fn = new ProjectFunction(stack, 'Fn', { entry: 'api-read', description: 'test', logKey: key });
      return { stack, key, table, fn };
    }

    it('sets the env var and grants the matching actions in one call', () => {
      const { stack, key, fn } = fixture();
      fn.bindKey(key, envNames.dataKeyArn, 'decrypt');
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({ DATA_KEY_ARN: { 'Fn::GetAtt': [logicalId(key), 'Arn'] } }),
        },
      });
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            { Action: 'kms:Decrypt', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(key), 'Arn'] } },
          ]),
        },
      });
    });

    it('refuses MAC access to the data key env var', () => {
      const { key, fn } = fixture();
      expect(() => fn.bindKey(key, envNames.dataKeyArn, 'generate-mac')).toThrow(
        /access 'generate-mac' does not fit DATA_KEY_ARN/,
      );
    });

    it('refuses to bind a second table to TABLE_NAME', () => {
      const { stack, table, fn } = fixture();
      const other = new dynamodb.Table(stack, 'Other', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      });
      fn.bindTable(table, 'read');
      expect(() => fn.bindTable(other, 'read')).toThrow(/TABLE_NAME is already bound/);
    });

    it('refuses a wildcard partition-key prefix', () => {
      const { table, fn } = fixture();
      expect(() => fn.bindTable(table, 'get-item', { partitionKeyPrefix: 'CLIENT*' })).toThrow(
        /partitionKeyPrefix "CLIENT\*" must be a non-empty literal/,
      );
    });

    it('rejects a memory size Lambda does not offer', () => {
      const stack = new Stack(testApp(), 'Memory', { env: testEnv });
      const key = new kms.Key(stack, 'Key');
      expect(
        () =>
          new ProjectFunction(stack, 'Fn', {
            entry: 'api-read',
            description: 'test',
            logKey: key,
            memorySize: 64,
          }),
      ).toThrow(/memorySize 64 is not a whole number of MB between 128 and 10240/);
    });
  });
});
