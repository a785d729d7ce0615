// test: the functions — project defaults, env vars bound with their grants, least privilege per function.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { configNames } from '../../functions/platform/composition/runtime';
import { envNames } from '../../functions/platform/config';
import { backupObjectPrefix, deliveryReminderPartitionPrefix } from '../../functions/platform/key-layout';
import { deliverStreamSource } from '../../functions/platform/stream-source';
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

function allFunctions(): readonly ProjectFunction[] {
  return built.apiStack.functions;
}

/** Variables every function gets from ProjectFunction itself, not from a bind call. */
const projectVariables = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'NODE_OPTIONS'];

/** The functions that seal or open fields, and so read branch keys from the key store. */
const sealingFunctionNames = [['api-read'], ['api-write'], ['render'], ['deliver']] as const;
function sealingFunction(name: (typeof sealingFunctionNames)[number][0]): ProjectFunction {
  const { readFunction, writeFunction, renderFunction, delivery } = built.apiStack;
  return {
    'api-read': readFunction,
    'api-write': writeFunction,
    render: renderFunction,
    deliver: delivery.deliverFunction,
  }[name];
}

function environmentOf(fn: ProjectFunction): Record<string, unknown> {
  return built.apiTemplate.toJSON().Resources[logicalId(fn.function)].Properties.Environment.Variables;
}

/** How the API stack names the data stack's data key (its ARN). */
function dataKeyReferences(): string[] {
  return referenceNames(built.dataTemplate, logicalId(built.dataStack.dataStore.dataKey));
}

/** How the API stack names the key store table (its name or its ARN). */
function keyStoreReferences(): string[] {
  return referenceNames(built.dataTemplate, logicalId(built.dataStack.dataStore.keyStore.table));
}

/** How the API stack names the key store table's name (a `Ref`), as opposed to its ARN. */
function keyStoreTableNameReferences(): string[] {
  const tableRef = JSON.stringify({ Ref: logicalId(built.dataStack.dataStore.keyStore.table) });
  const outputs = built.dataTemplate.toJSON().Outputs as Record<
    string,
    { Value: unknown; Export?: { Name?: string } }
  >;
  return Object.entries(outputs)
    .filter(([, output]) => JSON.stringify(output.Value) === tableRef)
    .flatMap(([name, output]) => (output.Export?.Name ? [name, output.Export.Name] : [name]));
}

/** KMS actions that create or re-wrap key material: none of them belongs to a function on the data key. */
const keyMaterialActions = [
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:Encrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
];

describe('ProjectFunction', () => {
  describe('defaults', () => {
    it('runs every function on nodejs24.x, arm64, with active tracing and JSON logs', () => {
      const functions = built.apiTemplate.findResources('AWS::Lambda::Function');
      expect(Object.keys(functions)).toHaveLength(8);
      for (const fn of Object.values(functions)) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON' },
        });
        expect(fn.Properties.MemorySize).toBeGreaterThanOrEqual(512);
      }
    });

    it('lets API functions answer inside API Gateway’s 29 s integration timeout', () => {
      const resources = built.apiTemplate.toJSON().Resources;
      const { authorizerFunction, readFunction, writeFunction } = built.apiStack;
      for (const fn of [authorizerFunction, readFunction, writeFunction]) {
        expect(resources[logicalId(fn.function)].Properties.Timeout).toBeLessThanOrEqual(29);
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
      for (const fn of allFunctions()) {
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
      for (const fn of allFunctions()) {
        const role = built.apiTemplate.toJSON().Resources[logicalId(fn.role)];
        expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toContain(':iam::aws:policy');
      }
    });
  });

  describe('environment', () => {
    it('has one function per configNames entry, each entry once', () => {
      expect(allFunctions().map((fn) => fn.entry)).toEqual(
        expect.arrayContaining(Object.keys(configNames) as (keyof typeof configNames)[]),
      );
      expect(allFunctions()).toHaveLength(Object.keys(configNames).length);
    });

    it.each(Object.keys(configNames) as (keyof typeof configNames)[])(
      'sets on %s exactly the variables its configNames entry reads',
      (entry) => {
        const fn = allFunctions().find((candidate) => candidate.entry === entry);
        if (fn === undefined) throw new Error(`no function for entry ${entry}`);
        const bound = Object.keys(environmentOf(fn)).filter((name) => !projectVariables.includes(name));
        expect(bound.sort()).toEqual(configNames[entry].map((name) => envNames[name]).sort());
      },
    );

    it('tells the authorizer the table, issuer and JWKS, and no key', () => {
      const variables =
        built.apiTemplate.toJSON().Resources[logicalId(built.apiStack.authorizerFunction.function)].Properties
          .Environment.Variables;
      expect(Object.keys(variables)).toEqual(
        expect.arrayContaining([envNames.tableName, envNames.jwtIssuer, envNames.jwksUrl]),
      );
      expect(variables).not.toHaveProperty(envNames.dataKeyArn);
      expect(variables).not.toHaveProperty(envNames.keyStoreTable);
      expect(variables).not.toHaveProperty(envNames.blindIndexKeyArn);
    });

    it.each([['readFunction'], ['writeFunction']] as const)(
      'tells %s the table, data key, key store and blind-index key',
      (name) => {
        const variables = environmentOf(built.apiStack[name]);
        expect(Object.keys(variables)).toEqual(
          expect.arrayContaining([
            envNames.tableName,
            envNames.dataKeyArn,
            envNames.keyStoreTable,
            envNames.blindIndexKeyArn,
          ]),
        );
        expect(variables).toHaveProperty('POWERTOOLS_SERVICE_NAME');
      },
    );

    it.each(sealingFunctionNames)('tells %s the name of the key store table in KEY_STORE_TABLE', (name) => {
      const value = environmentOf(sealingFunction(name))[envNames.keyStoreTable];
      expect(mentionsAny(value, keyStoreTableNameReferences())).toBe(true);
    });
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
      for (const fn of allFunctions()) {
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

    it('lets the write function write items and compute blind indexes', () => {
      const statements = statementsOf(built.apiStack.writeFunction);
      for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem']) {
        expect(grants(statements, action).length).toBeGreaterThan(0);
      }
      expect(grants(statements, 'kms:GenerateMac').length).toBeGreaterThan(0);
      expect(grants(statements, 'kms:VerifyMac')).toEqual([]);
    });

    it.each(sealingFunctionNames)('lets %s only get items from the key store', (name) => {
      const keyStoreStatements = statementsOf(sealingFunction(name)).filter((statement) =>
        mentionsAny(statement.Resource, keyStoreReferences()),
      );
      expect(keyStoreStatements).toEqual([
        { Action: 'dynamodb:GetItem', Effect: 'Allow', Resource: expect.anything() },
      ]);
    });

    it.each(sealingFunctionNames)(
      'lets %s decrypt with the data key only the branch keys of the key store it reads',
      (name) => {
        const fn = sealingFunction(name);
        const dataKeyStatements = statementsOf(fn).filter((statement) =>
          mentionsAny(statement.Resource, dataKeyReferences()),
        );
        expect(dataKeyStatements).toEqual([
          {
            Action: 'kms:Decrypt',
            Effect: 'Allow',
            Resource: expect.anything(),
            Condition: {
              // The runtime uses the table name as logical key store name: the very value of KEY_STORE_TABLE.
              StringEquals: { 'kms:EncryptionContext:tablename': environmentOf(fn)[envNames.keyStoreTable] },
              StringLike: { 'kms:EncryptionContext:type': ['branch:ACTIVE', 'branch:version:*'] },
            },
          },
        ]);
        expect(environmentOf(fn)[envNames.dataKeyArn]).toEqual(dataKeyStatements[0]?.Resource);
      },
    );

    it('lets no runtime role write or delete an item of the key store', () => {
      const writes = [...dynamoDbWriteActions, 'dynamodb:*'];
      for (const fn of allFunctions()) {
        const writing = statementsOf(fn).filter(
          (statement) =>
            statement.Effect === 'Allow' &&
            asList(statement.Action).some((pattern) =>
              writes.some((action) => actionPatternMatches(pattern, action)),
            ) &&
            (mentionsAny(statement.Resource, keyStoreReferences()) ||
              asList(statement.Resource).includes('*')),
        );
        expect({ fn: fn.node.id, writing }).toEqual({ fn: fn.node.id, writing: [] });
      }
    });

    it('gives no runtime role GenerateDataKey*, Encrypt or ReEncrypt* on the data key', () => {
      for (const fn of allFunctions()) {
        const onDataKey = statementsOf(fn).filter(
          (statement) =>
            mentionsAny(statement.Resource, dataKeyReferences()) || asList(statement.Resource).includes('*'),
        );
        const granted = keyMaterialActions.filter((action) => grants(onDataKey, action).length > 0);
        expect({ fn: fn.node.id, granted }).toEqual({ fn: fn.node.id, granted: [] });
      }
    });

    it('never lets a function scan the multi-tenant table', () => {
      for (const fn of allFunctions()) {
        expect(grants(statementsOf(fn), 'dynamodb:Scan')).toEqual([]);
      }
    });
  });

  describe('the PDF link: api-read and render privileges', () => {
    const renderStatements = () => statementsOf(built.apiStack.renderFunction);
    const documentsBucket = () => built.apiStack.delivery.documentsBucket;

    it('lets api-read invoke render and no other function, and touch no bucket', () => {
      const statements = statementsOf(built.apiStack.readFunction);
      expect(grants(statements, 'lambda:InvokeFunction')).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          Effect: 'Allow',
          Resource: built.apiStack.resolve(built.apiStack.renderFunction.function.functionArn),
        },
      ]);
      expect(
        statements.filter((statement) => asList(statement.Action).some((action) => action.startsWith('s3:'))),
      ).toEqual([]);
      expect(environmentOf(built.apiStack.readFunction).RENDER_FUNCTION_NAME).toEqual(
        built.apiStack.resolve(built.apiStack.renderFunction.function.functionName),
      );
    });

    it('lets render put and get documents under documents/v1/ only, list the bucket, and delete nothing', () => {
      const statements = renderStatements();
      const underPrefix = built.apiStack.resolve(documentsBucket().arnForObjects('documents/v1/*'));
      expect(grants(statements, 's3:PutObject')).toEqual([
        { Action: ['s3:GetObject', 's3:PutObject'], Effect: 'Allow', Resource: underPrefix },
      ]);
      expect(grants(statements, 's3:GetObject')).toEqual(grants(statements, 's3:PutObject'));
      expect(grants(statements, 's3:ListBucket')).toEqual([
        {
          Action: 's3:ListBucket',
          Effect: 'Allow',
          Resource: built.apiStack.resolve(documentsBucket().bucketArn),
        },
      ]);
      for (const action of [
        's3:DeleteObject',
        's3:PutObjectRetention',
        's3:PutObjectLegalHold',
        's3:PutBucketPolicy',
      ]) {
        expect({ action, statements: grants(statements, action) }).toEqual({ action, statements: [] });
      }
    });

    it('lets render only get invoices and seller profiles from the table, and send no email', () => {
      const statements = renderStatements();
      for (const action of [
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'ses:SendEmail',
        'lambda:InvokeFunction',
      ]) {
        expect({ action, statements: grants(statements, action) }).toEqual({ action, statements: [] });
      }
      const onTable = grants(statements, 'dynamodb:GetItem').filter((statement) =>
        mentionsAny(
          statement.Resource,
          referenceNames(built.dataTemplate, logicalId(built.dataStack.dataStore.table)),
        ),
      );
      expect(onTable).toEqual([
        expect.objectContaining({
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['*#INVOICE#*', '*#PROFILE'] } },
        }),
      ]);
    });

    it('lets render use the documents key only through S3 for that bucket, to write and to read its links', () => {
      const documentsKeyReferences = referenceNames(
        built.dataTemplate,
        logicalId(built.dataStack.documents.key),
      );
      expect(
        renderStatements().filter((statement) => mentionsAny(statement.Resource, documentsKeyReferences)),
      ).toEqual([
        expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: {
            StringEquals: {
              'kms:ViaService': 's3.eu-central-1.amazonaws.com',
              'kms:EncryptionContext:aws:s3:arn': built.apiStack.resolve(documentsBucket().bucketArn),
            },
          },
        }),
      ]);
    });
  });

  describe('deliver privileges', () => {
    function deliverStatements(): PolicyStatementJson[] {
      return statementsOf(built.apiStack.delivery.deliverFunction);
    }

    /** Everything but the sweeper's own DELIVERY# reminders, which the next test covers. */
    function deliverStatementsOutsideReminders(): PolicyStatementJson[] {
      return deliverStatements().filter(
        (statement) =>
          !JSON.stringify(statement.Condition ?? {}).includes(`"${deliveryReminderPartitionPrefix}*"`),
      );
    }

    it('lets deliver keep only its reminders under DELIVERY#: get, query, put, update and delete', () => {
      const reminders = deliverStatements().filter((statement) =>
        JSON.stringify(statement.Condition ?? {}).includes(`"${deliveryReminderPartitionPrefix}*"`),
      );
      expect(reminders).toEqual([
        expect.objectContaining({
          Action: [
            'dynamodb:DeleteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
          ],
          Condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${deliveryReminderPartitionPrefix}*`] },
          },
        }),
      ]);
    });

    it('gives deliver no DynamoDB put, delete, batch write, query or scan outside its reminders', () => {
      const statements = deliverStatementsOutsideReminders();
      for (const action of [
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:TransactWriteItems',
        'dynamodb:PartiQLInsert',
        'dynamodb:PartiQLUpdate',
        'dynamodb:PartiQLDelete',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:BatchGetItem',
      ]) {
        expect({ action, statements: grants(statements, action) }).toEqual({ action, statements: [] });
      }
    });

    it('lets deliver update only the delivery attribute of invoice items', () => {
      expect(grants(deliverStatementsOutsideReminders(), 'dynamodb:UpdateItem')).toEqual([
        expect.objectContaining({
          Action: 'dynamodb:UpdateItem',
          Condition: {
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'delivery'] },
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['*#INVOICE#*'] },
          },
        }),
      ]);
    });

    it('lets deliver get only invoice and seller-profile items of the table', () => {
      const tableReferences = referenceNames(built.dataTemplate, logicalId(built.dataStack.dataStore.table));
      const onTable = deliverStatementsOutsideReminders().filter((statement) =>
        mentionsAny(statement.Resource, tableReferences),
      );
      expect(grants(onTable, 'dynamodb:GetItem')).toEqual([
        expect.objectContaining({
          Action: 'dynamodb:GetItem',
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['*#INVOICE#*', '*#PROFILE'] } },
        }),
      ]);
    });

    it('gives deliver nothing on the blind-index key', () => {
      const { blindIndexKey } = built.dataStack.dataStore;
      const statements = deliverStatements();
      const blindIndexReferences = referenceNames(built.dataTemplate, logicalId(blindIndexKey));
      expect(blindIndexReferences.length).toBeGreaterThan(0);
      expect(statements.filter((statement) => mentionsAny(statement.Resource, blindIndexReferences))).toEqual(
        [],
      );
    });

    it('lets deliver invoke render and no other function', () => {
      expect(grants(deliverStatements(), 'lambda:InvokeFunction')).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          Effect: 'Allow',
          Resource: built.apiStack.resolve(built.apiStack.renderFunction.function.functionArn),
        },
      ]);
      expect(environmentOf(built.apiStack.delivery.deliverFunction).RENDER_FUNCTION_NAME).toEqual(
        built.apiStack.resolve(built.apiStack.renderFunction.function.functionName),
      );
    });

    it('lets deliver put objects into the documents bucket only, and never read or delete them', () => {
      const { delivery } = built.apiStack;
      const statements = deliverStatements();
      expect(grants(statements, 's3:PutObject')).toEqual([
        {
          Action: 's3:PutObject',
          Effect: 'Allow',
          Resource: built.apiStack.resolve(delivery.documentsBucket.arnForObjects('*')),
        },
      ]);
      for (const action of ['s3:GetObject', 's3:DeleteObject', 's3:ListBucket', 's3:PutBucketPolicy']) {
        expect({ action, statements: grants(statements, action) }).toEqual({ action, statements: [] });
      }
    });

    it('lets deliver use the documents key only to encrypt new objects of that bucket, through S3', () => {
      const documentsKeyReferences = referenceNames(
        built.dataTemplate,
        logicalId(built.dataStack.documents.key),
      );
      const keyStatements = deliverStatements().filter((statement) =>
        mentionsAny(statement.Resource, documentsKeyReferences),
      );
      expect(keyStatements).toEqual([
        expect.objectContaining({
          Action: 'kms:GenerateDataKey',
          Condition: {
            StringEquals: {
              'kms:ViaService': 's3.eu-central-1.amazonaws.com',
              'kms:EncryptionContext:aws:s3:arn': built.apiStack.resolve(
                built.apiStack.delivery.documentsBucket.bucketArn,
              ),
            },
          },
        }),
      ]);
    });

    it('lets deliver send email only as the mail identity and from the configured address', () => {
      const { delivery } = built.apiStack;
      const statements = deliverStatements();
      const sending = [...grants(statements, 'ses:SendEmail'), ...grants(statements, 'ses:SendRawEmail')];
      expect(sending.length).toBeGreaterThan(0);
      for (const statement of sending) {
        expect(statement).toEqual({
          Action: ['ses:SendEmail', 'ses:SendRawEmail'],
          Effect: 'Allow',
          Resource: built.apiStack.resolve(delivery.mailIdentity.emailIdentityArn),
          Condition: { StringEquals: { 'ses:FromAddress': 'invoices@example.com' } },
        });
      }
    });

    it('tells deliver the table, data key, key store, documents bucket and key and sender, and not the blind-index key', () => {
      const variables =
        built.apiTemplate.toJSON().Resources[logicalId(built.apiStack.delivery.deliverFunction.function)]
          .Properties.Environment.Variables;
      expect(Object.keys(variables)).toEqual(
        expect.arrayContaining([
          envNames.tableName,
          envNames.dataKeyArn,
          envNames.keyStoreTable,
          envNames.documentsBucket,
          envNames.documentsKeyArn,
          envNames.mailFrom,
        ]),
      );
      expect(variables[envNames.mailFrom]).toBe('invoices@example.com');
      expect(variables).not.toHaveProperty(envNames.blindIndexKeyArn);
    });
  });

  describe('backup privileges', () => {
    function backupStatements(): PolicyStatementJson[] {
      return statementsOf(built.apiStack.backup.backupFunction);
    }

    it.each([
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:DeleteBucket',
      's3:PutObjectRetention',
      's3:PutObjectLegalHold',
      's3:BypassGovernanceRetention',
      's3:PutBucketObjectLockConfiguration',
      's3:PutLifecycleConfiguration',
      's3:PutBucketPolicy',
      's3:GetObject',
      's3:GetObjectVersion',
      's3:ListBucket',
      's3:ListBucketVersions',
    ])('gives backup no %s', (action) => {
      expect(grants(backupStatements(), action)).toEqual([]);
    });

    it('lets backup put objects only under changes/v1/ of the backup bucket', () => {
      expect(grants(backupStatements(), 's3:PutObject')).toEqual([
        {
          Action: 's3:PutObject',
          Effect: 'Allow',
          Resource: built.apiStack.resolve(
            built.apiStack.backup.backupBucket.arnForObjects(`${backupObjectPrefix}*`),
          ),
        },
      ]);
      expect(backupObjectPrefix).toBe('changes/v1/');
    });

    it('lets backup use the backup key only to encrypt new objects of that bucket, through S3', () => {
      const backupKeyReferences = referenceNames(built.dataTemplate, logicalId(built.dataStack.backups.key));
      expect(backupKeyReferences.length).toBeGreaterThan(0);
      const onKey = backupStatements().filter((statement) =>
        mentionsAny(statement.Resource, backupKeyReferences),
      );
      expect(onKey).toEqual([
        expect.objectContaining({
          Action: 'kms:GenerateDataKey',
          Condition: {
            StringEquals: {
              'kms:ViaService': 's3.eu-central-1.amazonaws.com',
              'kms:EncryptionContext:aws:s3:arn': built.apiStack.resolve(
                built.apiStack.backup.backupBucket.bucketArn,
              ),
            },
          },
        }),
      ]);
    });

    it('gives backup nothing on the data key, the blind-index key or the items of either table', () => {
      const { dataKey, blindIndexKey } = built.dataStack.dataStore;
      const keyReferences = [
        ...referenceNames(built.dataTemplate, logicalId(dataKey)),
        ...referenceNames(built.dataTemplate, logicalId(blindIndexKey)),
      ];
      const statements = backupStatements();
      expect(statements.filter((statement) => mentionsAny(statement.Resource, keyReferences))).toEqual([]);
      for (const action of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem']) {
        expect({ action, statements: grants(statements, action) }).toEqual({ action, statements: [] });
      }
    });

    it('lets backup read both streams, decrypting their records with the table key through DynamoDB only', () => {
      const streams = [built.dataStack.dataStore.table, built.dataStack.dataStore.keyStore.table].flatMap(
        (table) =>
          referenceNames(built.dataTemplate, logicalId(table)).filter((name) => name.includes('StreamArn')),
      );
      const reading = grants(backupStatements(), 'dynamodb:GetRecords');
      expect(reading).toHaveLength(1);
      expect(asList(reading[0]?.Resource)).toHaveLength(2);
      expect(mentionsAny(reading[0]?.Resource, streams)).toBe(true);
      const tableKeyReferences = referenceNames(
        built.dataTemplate,
        logicalId(built.dataStack.dataStore.tableKey),
      );
      expect(
        backupStatements().filter((statement) => mentionsAny(statement.Resource, tableKeyReferences)),
      ).toEqual([
        {
          Action: 'kms:Decrypt',
          Effect: 'Allow',
          Resource: expect.anything(),
          Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' } },
        },
      ]);
    });

    it('names both tables in TABLE_NAME and KEY_STORE_TABLE, so records of the two streams are told apart', () => {
      const variables = environmentOf(built.apiStack.backup.backupFunction);
      expect(
        mentionsAny(
          variables[envNames.tableName],
          referenceNames(built.dataTemplate, logicalId(built.dataStack.dataStore.table)),
        ),
      ).toBe(true);
      expect(mentionsAny(variables[envNames.keyStoreTable], keyStoreTableNameReferences())).toBe(true);
    });
  });

  describe('detect privileges', () => {
    function detectStatements(): PolicyStatementJson[] {
      return statementsOf(built.apiStack.detection.detectFunction);
    }

    it('lets detect get, query, put and update only DETECT# items of the table, and no index', () => {
      const dynamoDb = detectStatements().filter((statement) =>
        asList(statement.Action).some(
          (action) =>
            action.startsWith('dynamodb:') &&
            !action.includes('Stream') &&
            action !== 'dynamodb:GetRecords' &&
            action !== 'dynamodb:GetShardIterator',
        ),
      );
      expect(dynamoDb).toEqual([
        {
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          Effect: 'Allow',
          Resource: expect.not.objectContaining({ 'Fn::Join': expect.anything() }),
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DETECT#*'] } },
        },
      ]);
      for (const action of ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan']) {
        expect({ action, statements: grants(detectStatements(), action) }).toEqual({
          action,
          statements: [],
        });
      }
    });

    it('lets detect publish to the alerts topic only, with its key through SNS for that topic only', () => {
      const topic = built.apiStack.resolve(built.dataStack.alerts.topic.topicArn);
      expect(grants(detectStatements(), 'sns:*').length).toBe(0);
      expect(
        detectStatements().filter((statement) =>
          asList(statement.Action).some((action) => action.startsWith('sns:')),
        ),
      ).toEqual([{ Action: 'sns:Publish', Effect: 'Allow', Resource: topic }]);
      const alertKeyReferences = referenceNames(built.dataTemplate, logicalId(built.dataStack.alerts.key));
      expect(
        detectStatements().filter((statement) => mentionsAny(statement.Resource, alertKeyReferences)),
      ).toEqual([
        {
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Effect: 'Allow',
          Resource: expect.anything(),
          Condition: {
            StringEquals: {
              'kms:ViaService': 'sns.eu-central-1.amazonaws.com',
              'kms:EncryptionContext:aws:sns:topicArn': topic,
            },
          },
        },
      ]);
    });

    it('gives detect nothing on the data key, the blind-index key or the key store', () => {
      const { dataKey, blindIndexKey } = built.dataStack.dataStore;
      const references = [
        ...referenceNames(built.dataTemplate, logicalId(dataKey)),
        ...referenceNames(built.dataTemplate, logicalId(blindIndexKey)),
        ...keyStoreReferences(),
      ];
      expect(detectStatements().filter((statement) => mentionsAny(statement.Resource, references))).toEqual(
        [],
      );
    });
  });

  describe('audit chain privileges', () => {
    function chainStatements(): PolicyStatementJson[] {
      return statementsOf(built.apiStack.auditChain.chainFunction);
    }
    const auditKeyReferences = () =>
      referenceNames(built.dataTemplate, logicalId(built.dataStack.dataStore.auditKey));

    it('keeps the checkpoint key in the stateful stack: ECC_NIST_P256 for signing, retained', () => {
      built.dataTemplate.hasResource('AWS::KMS::Key', {
        Properties: Match.objectLike({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('lets chain get, batch-get, query, put and delete only the tenants’ #AUDIT and #AUDIT#ENTRIES items, and no index', () => {
      const dynamoDb = chainStatements().filter((statement) =>
        asList(statement.Action).some(
          (action) =>
            action.startsWith('dynamodb:') &&
            !action.includes('Stream') &&
            action !== 'dynamodb:GetRecords' &&
            action !== 'dynamodb:GetShardIterator',
        ),
      );
      expect(dynamoDb).toEqual([
        {
          Action: [
            'dynamodb:BatchGetItem',
            'dynamodb:DeleteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
          ],
          Effect: 'Allow',
          Resource: expect.not.objectContaining({ 'Fn::Join': expect.anything() }),
          Condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['*#AUDIT', '*#AUDIT#ENTRIES'] },
          },
        },
      ]);
      for (const action of ['dynamodb:UpdateItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan']) {
        expect({ action, statements: grants(chainStatements(), action) }).toEqual({ action, statements: [] });
      }
    });

    it('lets chain only Sign with the checkpoint key, and use no other key but the table’s through DynamoDB', () => {
      const keyStatements = chainStatements().filter((statement) =>
        mentionsAny(statement.Resource, auditKeyReferences()),
      );
      expect(keyStatements).toEqual([{ Action: 'kms:Sign', Effect: 'Allow', Resource: expect.anything() }]);
      const { dataKey, blindIndexKey } = built.dataStack.dataStore;
      const others = [
        ...referenceNames(built.dataTemplate, logicalId(dataKey)),
        ...referenceNames(built.dataTemplate, logicalId(blindIndexKey)),
        ...keyStoreReferences(),
      ];
      expect(chainStatements().filter((statement) => mentionsAny(statement.Resource, others))).toEqual([]);
      expect(environmentOf(built.apiStack.auditChain.chainFunction)[envNames.auditKeyArn]).toEqual(
        keyStatements[0]?.Resource,
      );
    });

    it('lets the read function only read the checkpoint key’s public key, and no other function Sign', () => {
      const read = statementsOf(built.apiStack.readFunction).filter((statement) =>
        mentionsAny(statement.Resource, auditKeyReferences()),
      );
      expect(read).toEqual([{ Action: 'kms:GetPublicKey', Effect: 'Allow', Resource: expect.anything() }]);
      for (const fn of built.apiStack.functions.filter(
        (candidate) => candidate !== built.apiStack.auditChain.chainFunction,
      )) {
        expect({ fn: fn.node.id, statements: grants(statementsOf(fn), 'kms:Sign') }).toEqual({
          fn: fn.node.id,
          statements: [],
        });
      }
    });

    it('denies the write function every write to the chain’s #AUDIT partitions: it writes entries only', () => {
      const denied = statementsOf(built.apiStack.writeFunction).filter(
        (statement) => statement.Effect === 'Deny',
      );
      expect(denied).toEqual([
        {
          Action: [
            'dynamodb:BatchWriteItem',
            'dynamodb:DeleteItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
          ],
          Effect: 'Deny',
          Resource: expect.anything(),
          Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['*#AUDIT'] } },
        },
      ]);
    });

    it('reads the audit entries off the stream, inserts only, retried until the stream drops them', () => {
      built.apiTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(built.apiStack.auditChain.chainFunction.function) },
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({
                eventName: ['INSERT'],
                dynamodb: { NewImage: { entity: { S: ['audit-entry'] } } },
              }),
            },
          ],
        },
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
    });
  });

  describe('PDF fonts', () => {
    it('bundles pdfkit’s standard fonts with render, the one function that draws PDFs, and only with it', () => {
      const { authorizerFunction, readFunction, writeFunction, renderFunction, delivery } = built.apiStack;
      expect({
        authorizer: authorizerFunction.bundlesPdfFonts,
        read: readFunction.bundlesPdfFonts,
        write: writeFunction.bundlesPdfFonts,
        render: renderFunction.bundlesPdfFonts,
        deliver: delivery.deliverFunction.bundlesPdfFonts,
      }).toEqual({ authorizer: false, read: false, write: false, render: true, deliver: false });
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
      fn.bindKey(key, envNames.blindIndexKeyArn, 'generate-mac');
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({ BLIND_INDEX_KEY_ARN: { 'Fn::GetAtt': [logicalId(key), 'Arn'] } }),
        },
      });
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: 'kms:GenerateMac',
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': [logicalId(key), 'Arn'] },
            },
          ]),
        },
      });
    });

    it('refuses to bind the data key directly, so it is used only through the key store', () => {
      const { key, fn } = fixture();
      expect(() => fn.bindKey(key, envNames.dataKeyArn as never, 'generate-mac')).toThrow(
        /the data key wraps branch keys only .* call bindKeyStore instead/,
      );
    });

    it('refuses access that does not fit a MAC key', () => {
      const { key, fn } = fixture();
      expect(() => fn.bindKey(key, envNames.blindIndexKeyArn, 'decrypt' as never)).toThrow(
        /access 'decrypt' does not fit BLIND_INDEX_KEY_ARN/,
      );
    });

    it('binds a key store: both env vars, GetItem on it, and Decrypt on its wrapping key for its branch keys', () => {
      const { stack, key, fn } = fixture();
      const tableKey = new kms.Key(stack, 'TableKey');
      const keyStoreTable = new dynamodb.Table(stack, 'KeyStoreTable', {
        partitionKey: { name: 'branch-key-id', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'type', type: dynamodb.AttributeType.STRING },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: tableKey,
      });
      fn.bindKeyStore({ table: keyStoreTable, wrappingKey: key });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            KEY_STORE_TABLE: { Ref: logicalId(keyStoreTable) },
            DATA_KEY_ARN: { 'Fn::GetAtt': [logicalId(key), 'Arn'] },
          }),
        },
      });
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: 'dynamodb:GetItem',
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': [logicalId(keyStoreTable), 'Arn'] },
            },
            {
              Action: 'kms:Decrypt',
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': [logicalId(key), 'Arn'] },
              Condition: {
                StringEquals: { 'kms:EncryptionContext:tablename': { Ref: logicalId(keyStoreTable) } },
                StringLike: { 'kms:EncryptionContext:type': ['branch:ACTIVE', 'branch:version:*'] },
              },
            },
            {
              Action: 'kms:Decrypt',
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': [logicalId(tableKey), 'Arn'] },
              Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' } },
            },
          ]),
        },
      });
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

    it('refuses update-attributes access without the attributes it may update', () => {
      const { table, fn } = fixture();
      expect(() => fn.bindTable(table, 'update-attributes')).toThrow(
        /access 'update-attributes' needs updatableAttributes/,
      );
    });

    it('refuses to list a key attribute as updatable', () => {
      const { table, fn } = fixture();
      expect(() =>
        fn.bindTable(table, 'update-attributes', { updatableAttributes: ['pk', 'delivery'] }),
      ).toThrow(/updatable attribute "pk" is a key attribute/);
    });

    it('refuses a partition-key pattern that would match every item', () => {
      const { table, fn } = fixture();
      expect(() =>
        fn.bindTable(table, 'update-attributes', {
          partitionKeyPatterns: ['*'],
          updatableAttributes: ['delivery'],
        }),
      ).toThrow(/pattern "\*" has no literal part/);
    });

    it('refuses partition-key patterns for index reads', () => {
      const { table, fn } = fixture();
      expect(() => fn.bindTable(table, 'read', { partitionKeyPatterns: ['*#INVOICE#*'] })).toThrow(
        /partitionKeyPatterns only works with access 'get-item', 'update-attributes' or 'own-partitions'/,
      );
    });

    it('refuses a bucket without a KMS key, since writers must name the key', () => {
      const { stack, fn } = fixture();
      const bucket = new s3.Bucket(stack, 'Plain', { encryption: s3.BucketEncryption.S3_MANAGED });
      expect(() => fn.bindBucket(bucket, envNames.documentsBucket, 'put')).toThrow(
        /the bucket bound to DOCUMENTS_BUCKET has no KMS key/,
      );
    });

    it('limits a bucket put to a key prefix when given one', () => {
      const { stack, key, fn } = fixture();
      const bucket = new s3.Bucket(stack, 'Backups', { encryptionKey: key });
      fn.bindBucket(bucket, envNames.backupBucket, 'put', { keyPrefix: 'changes/v1/' });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: 's3:PutObject',
              Effect: 'Allow',
              Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(bucket), 'Arn'] }, '/changes/v1/*']] },
            },
          ]),
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            BACKUP_BUCKET: { Ref: logicalId(bucket) },
            BACKUP_KEY_ARN: { 'Fn::GetAtt': [logicalId(key), 'Arn'] },
          }),
        },
      });
    });

    it.each(['changes/*', '/changes/', 'changes', ''])('refuses the key prefix "%s"', (keyPrefix) => {
      const { stack, key, fn } = fixture();
      const bucket = new s3.Bucket(stack, 'Backups', { encryptionKey: key });
      expect(() => fn.bindBucket(bucket, envNames.backupBucket, 'put', { keyPrefix })).toThrow(
        /must be a literal key prefix ending in "\/"/,
      );
    });

    it('refuses own-items access without the prefix of the items it may touch', () => {
      const { table, fn } = fixture();
      expect(() => fn.bindTable(table, 'own-items')).toThrow(/access 'own-items' needs partitionKeyPrefix/);
    });

    it('names a table whose stream it reads without granting anything on the table', () => {
      const { stack, fn } = fixture();
      const streamTable = new dynamodb.Table(stack, 'Streamed', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      });
      fn.bindTableStream('Source', streamTable, envNames.keyStoreTable, {
        source: deliverStreamSource,
        onFailure: new sqs.Queue(stack, 'Failures'),
      });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ KEY_STORE_TABLE: { Ref: logicalId(streamTable) } }) },
      });
      const statements = allPolicyStatements(template).map(({ statement }) => statement);
      expect(grants(statements, 'dynamodb:GetItem')).toEqual([]);
      expect(grants(statements, 'dynamodb:GetRecords')).toHaveLength(1);
    });

    it('binds an alert topic: its ARN, publishing to it, and its key through SNS for it only', () => {
      const { stack, key, fn } = fixture();
      const topic = new sns.Topic(stack, 'Alerts', { masterKey: key });
      fn.bindAlertTopic({ topic, key });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ ALERT_TOPIC_ARN: { Ref: logicalId(topic) } }) },
      });
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: logicalId(topic) } },
            {
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': [logicalId(key), 'Arn'] },
              Condition: {
                StringEquals: {
                  'kms:ViaService': 'sns.eu-central-1.amazonaws.com',
                  'kms:EncryptionContext:aws:sns:topicArn': { Ref: logicalId(topic) },
                },
              },
            },
          ]),
        },
      });
    });

    it('sends failed asynchronous invocations to a dead-letter queue granted in the runtime policy', () => {
      const { stack, fn } = fixture();
      const queue = new sqs.Queue(stack, 'DeadLetters');
      fn.sendFailedAsyncInvocationsTo(queue);
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Lambda::Function', {
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [logicalId(queue), 'Arn'] } },
      });
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: 'sqs:SendMessage',
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': [logicalId(queue), 'Arn'] },
            },
          ]),
        },
      });
      expect(template.findResources('AWS::IAM::Policy')).toEqual({});
    });

    it('refuses a sender with a display name', () => {
      const { stack, fn } = fixture();
      const identity = new ses.EmailIdentity(stack, 'Identity', {
        identity: ses.Identity.email('invoices@example.com'),
      });
      expect(() => fn.bindMailIdentity(identity, 'Ledgerlock <invoices@example.com>')).toThrow(
        /fromAddress "Ledgerlock <invoices@example.com>" is not a plain email address/,
      );
    });

    it('leaves retries and record age to Lambda’s defaults when the definition says -1', () => {
      const { stack, fn } = fixture();
      const streamTable = new dynamodb.Table(stack, 'Streamed', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      });
      fn.addTableStreamSource('Source', streamTable, {
        source: { ...deliverStreamSource, retryAttempts: -1, maxRecordAgeSeconds: -1, filterPatterns: [] },
        onFailure: new sqs.Queue(stack, 'Failures'),
      });
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        MaximumRetryAttempts: Match.absent(),
        MaximumRecordAgeInSeconds: Match.absent(),
        FilterCriteria: Match.absent(),
      });
    });

    it('refuses a stream source Lambda would reject, before anything is deployed', () => {
      const { stack, fn } = fixture();
      const streamTable = new dynamodb.Table(stack, 'Streamed', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      });
      expect(() =>
        fn.addTableStreamSource('Source', streamTable, {
          source: { ...deliverStreamSource, batchSize: 0 },
          onFailure: new sqs.Queue(stack, 'Failures'),
        }),
      ).toThrow(/batchSize is 0/);
    });

    it('refuses a table without a stream', () => {
      const { stack, table, fn } = fixture();
      expect(() =>
        fn.addTableStreamSource('Source', table, {
          source: deliverStreamSource,
          onFailure: new sqs.Queue(stack, 'Failures'),
        }),
      ).toThrow(/the table has no stream/);
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
