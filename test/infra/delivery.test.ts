// test: delivery — the stream mapping built from the shared definition, its failure queue and alarms, the sender.
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { deliverStreamSource } from '../../functions/platform/stream-source';
import { LedgerlockApiStack } from '../../lib/api-stack';
import { LedgerlockDataStack } from '../../lib/data-stack';
import { Delivery } from '../../lib/delivery';
import { ProjectFunction } from '../../lib/project-function';
import {
  buildLedgerlock,
  type LedgerlockTestApp,
  logicalId,
  referenceNames,
  testApp,
  testEnv,
} from './ledgerlock-app';

type ResourceJson = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

let built: LedgerlockTestApp;
let resources: Record<string, ResourceJson>;
beforeAll(() => {
  built = buildLedgerlock();
  resources = built.apiTemplate.toJSON().Resources as Record<string, ResourceJson>;
});

/** The deliver function's one mapping (backup and detect have theirs). */
function mapping(): ResourceJson {
  const deliverRef = { Ref: logicalId(built.apiStack.delivery.deliverFunction.function) };
  const mappings = Object.values(resources).filter(
    (resource) =>
      resource.Type === 'AWS::Lambda::EventSourceMapping' &&
      JSON.stringify(resource.Properties.FunctionName) === JSON.stringify(deliverRef),
  );
  expect(mappings).toHaveLength(1);
  return mappings[0] as ResourceJson;
}

describe('Delivery', () => {
  describe('sweep', () => {
    it('invokes deliver once a minute, so due retries and requests of a dead deliverer settle', () => {
      const deliverRef = JSON.stringify({
        'Fn::GetAtt': [logicalId(built.apiStack.delivery.deliverFunction.function), 'Arn'],
      });
      const rules = Object.values(resources).filter(
        (resource) =>
          resource.Type === 'AWS::Events::Rule' &&
          JSON.stringify(resource.Properties.Targets).includes(deliverRef),
      );
      expect(rules.map((rule) => rule.Properties.ScheduleExpression)).toEqual(['rate(1 minute)']);
      expect(rules[0]?.Properties.Targets).toEqual([
        expect.objectContaining({ RetryPolicy: { MaximumRetryAttempts: 2 } }),
      ]);
    });
  });

  describe('stream event source mapping', () => {
    it('filters records with exactly the patterns of the shared stream source', () => {
      const filters = (mapping().Properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
      expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual(deliverStreamSource.filterPatterns);
    });

    it('takes batching, retries, record age, bisection and starting position from the shared stream source', () => {
      expect(mapping().Properties).toMatchObject({
        BatchSize: deliverStreamSource.batchSize,
        MaximumBatchingWindowInSeconds: deliverStreamSource.maximumBatchingWindowSeconds,
        MaximumRetryAttempts: deliverStreamSource.retryAttempts,
        MaximumRecordAgeInSeconds: deliverStreamSource.maxRecordAgeSeconds,
        BisectBatchOnFunctionError: deliverStreamSource.bisectBatchOnFunctionError,
        StartingPosition: deliverStreamSource.startingPosition,
      });
    });

    it('reports partial batch failures so one poison record does not replay the batch', () => {
      expect(mapping().Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    });

    it('sends exhausted batches to the failure queue', () => {
      expect(mapping().Properties.DestinationConfig).toEqual({
        OnFailure: {
          Destination: { 'Fn::GetAtt': [logicalId(built.apiStack.delivery.failureQueue), 'Arn'] },
        },
      });
    });

    it('reads the table’s stream and invokes the deliver function', () => {
      const streamReferences = referenceNames(
        built.dataTemplate,
        logicalId(built.dataStack.dataStore.table),
      ).filter((name) => name.includes('StreamArn'));
      expect(streamReferences.length).toBeGreaterThan(0);
      expect(JSON.stringify(mapping().Properties.EventSourceArn)).toContain(`"${streamReferences[0]}"`);
      expect(mapping().Properties.FunctionName).toEqual({
        Ref: logicalId(built.apiStack.delivery.deliverFunction.function),
      });
    });

    it('is created only after the role may read the stream and write to the queue', () => {
      const { deliverFunction } = built.apiStack.delivery;
      expect(mapping().DependsOn).toEqual(expect.arrayContaining([logicalId(deliverFunction.runtimePolicy)]));
    });
  });

  describe('failure queue', () => {
    it('is encrypted with its own rotating KMS key, refuses plain HTTP and keeps messages 14 days', () => {
      const { failureQueue, failureQueueKey } = built.apiStack.delivery;
      built.apiTemplate.hasResourceProperties('AWS::SQS::Queue', {
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(failureQueueKey), 'Arn'] },
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      built.apiTemplate.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      built.apiTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(failureQueue) }],
        PolicyDocument: {
          Statement: [
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ],
        },
      });
    });

    it('outlives the stack, with its key', () => {
      const { failureQueue, failureQueueKey } = built.apiStack.delivery;
      for (const id of [logicalId(failureQueue), logicalId(failureQueueKey)]) {
        expect(built.apiTemplate.toJSON().Resources[id]).toMatchObject({ DeletionPolicy: 'Retain' });
      }
    });

    it('alarms as soon as one message is waiting', () => {
      built.apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalId(built.apiStack.delivery.failureQueue), 'QueueName'] },
          },
        ],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
      });
    });

    it('alarms on failed deliver invocations', () => {
      built.apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [
          {
            Name: 'FunctionName',
            Value: { Ref: logicalId(built.apiStack.delivery.deliverFunction.function) },
          },
        ],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      });
    });
  });

  describe('deliver function', () => {
    it('reserves concurrency and has time for a whole batch', () => {
      const properties = resources[logicalId(built.apiStack.delivery.deliverFunction.function)]?.Properties;
      expect(properties).toMatchObject({ ReservedConcurrentExecutions: 10, Timeout: 60, MemorySize: 1024 });
    });
  });

  describe('sender identity', () => {
    it('creates the SES email identity for the address in the ledgerlock:mailFrom context', () => {
      built.apiTemplate.hasResourceProperties('AWS::SES::EmailIdentity', {
        EmailIdentity: 'invoices@example.com',
      });
    });

    it('refuses a sender that is not a plain email address, naming the context key', () => {
      const stack = new Stack(testApp(), 'BadSender', { env: testEnv });
      const key = new kms.Key(stack, 'Key');
      expect(
        () =>
          new Delivery(stack, 'Delivery', {
            table: new dynamodb.Table(stack, 'Table', {
              partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
              stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            }),
            keyStore: {
              table: new dynamodb.Table(stack, 'KeyStore', {
                partitionKey: { name: 'branch-key-id', type: dynamodb.AttributeType.STRING },
                sortKey: { name: 'type', type: dynamodb.AttributeType.STRING },
              }),
              wrappingKey: key,
            },
            logKey: key,
            documentsBucket: new s3.Bucket(stack, 'Bucket', { encryptionKey: key }),
            renderFunction: new ProjectFunction(stack, 'Render', {
              entry: 'render',
              description: 'render under test',
              logKey: key,
            }),
            mailFrom: 'invoices at example.com',
            alertTopic: new sns.Topic(stack, 'Alerts'),
          }),
      ).toThrow(
        /mailFrom "invoices at example.com" is not a plain email address; set the context value ledgerlock:mailFrom/,
      );
    });

    it('refuses to build without a sender address', () => {
      const app = testApp();
      app.node.setContext('ledgerlock:mailFrom', undefined);
      const data = new LedgerlockDataStack(app, 'Data', { env: testEnv });
      expect(
        () =>
          new LedgerlockApiStack(app, 'Api', {
            env: testEnv,
            dataStore: data.dataStore,
            identity: data.identity,
            documents: data.documents,
            backups: data.backups,
            alerts: data.alerts,
          }),
      ).toThrow(/no sender address; set the context value ledgerlock:mailFrom/);
    });
  });
});
