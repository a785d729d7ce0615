// test: detection — detect's stream mapping, the log subscriptions that feed it and their Lambda permissions, and
// where its failures go.

import { securitySignalFilterPattern } from '../../functions/platform/observability';
import { detectStreamSource } from '../../functions/platform/stream-source';
import { buildLedgerlock, type LedgerlockTestApp, logicalId } from './ledgerlock-app';

type ResourceJson = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };

let built: LedgerlockTestApp;
let resources: Record<string, ResourceJson>;
beforeAll(() => {
  built = buildLedgerlock();
  resources = built.apiTemplate.toJSON().Resources as Record<string, ResourceJson>;
});

function ofType(type: string): [string, ResourceJson][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function detectRef() {
  return { 'Fn::GetAtt': [logicalId(built.apiStack.detection.detectFunction.function), 'Arn'] };
}

describe('Detection', () => {
  describe('log subscriptions', () => {
    it('sends every line of the API access log to detect', () => {
      const filters = ofType('AWS::Logs::SubscriptionFilter').filter(
        ([, filter]) =>
          JSON.stringify(filter.Properties.LogGroupName) ===
          JSON.stringify({ Ref: logicalId(built.apiStack.api.accessLogGroup) }),
      );
      expect(filters.map(([, filter]) => filter.Properties)).toEqual([
        expect.objectContaining({ FilterPattern: '', DestinationArn: detectRef() }),
      ]);
    });

    it('sends the security-signal lines of every other function to detect, and none of detect’s own', () => {
      expect(securitySignalFilterPattern).toBe('{ $.securitySignal = * }');
      const subscribed = ofType('AWS::Logs::SubscriptionFilter')
        .filter(([, filter]) => filter.Properties.FilterPattern === securitySignalFilterPattern)
        .map(([, filter]) => {
          expect(filter.Properties.DestinationArn).toEqual(detectRef());
          return JSON.stringify(filter.Properties.LogGroupName);
        });
      const expected = built.apiStack.functions
        .filter((fn) => fn !== built.apiStack.detection.detectFunction)
        .map((fn) => JSON.stringify({ Ref: logicalId(fn.logGroup) }));
      expect(subscribed.sort()).toEqual(expected.sort());
      expect(subscribed).not.toContain(
        JSON.stringify({ Ref: logicalId(built.apiStack.detection.detectFunction.logGroup) }),
      );
    });

    it('lets CloudWatch Logs invoke detect only for those log groups of this account, before each filter exists', () => {
      const permissions = new Map(
        ofType('AWS::Lambda::Permission')
          .filter(
            ([, permission]) =>
              JSON.stringify(permission.Properties.FunctionName) === JSON.stringify(detectRef()) &&
              permission.Properties.Principal === 'logs.amazonaws.com',
          )
          .map(([id, permission]) => [id, permission.Properties]),
      );
      const filters = ofType('AWS::Logs::SubscriptionFilter');
      expect(permissions.size).toBe(filters.length);
      for (const [, filter] of filters) {
        const [permissionId] = filter.DependsOn ?? [];
        const permission = permissions.get(permissionId as string);
        expect(permission).toEqual({
          Action: 'lambda:InvokeFunction',
          FunctionName: detectRef(),
          Principal: 'logs.amazonaws.com',
          SourceAccount: '123456789012',
          SourceArn: { 'Fn::GetAtt': [(filter.Properties.LogGroupName as { Ref: string }).Ref, 'Arn'] },
        });
      }
    });
  });

  describe('stream mapping', () => {
    it('reads audit-event inserts with the shared detect stream source', () => {
      const [[, mapping] = []] = ofType('AWS::Lambda::EventSourceMapping').filter(
        ([, candidate]) =>
          JSON.stringify(candidate.Properties.FunctionName) ===
          JSON.stringify({ Ref: logicalId(built.apiStack.detection.detectFunction.function) }),
      );
      expect(mapping?.Properties).toMatchObject({
        BatchSize: detectStreamSource.batchSize,
        MaximumRetryAttempts: detectStreamSource.retryAttempts,
        MaximumRecordAgeInSeconds: detectStreamSource.maxRecordAgeSeconds,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [logicalId(built.apiStack.detection.failureQueue), 'Arn'] },
          },
        },
      });
      if (mapping === undefined) throw new Error('detect has no stream mapping');
      expect(
        (mapping.Properties.FilterCriteria.Filters as { Pattern: string }[]).map((filter) =>
          JSON.parse(filter.Pattern),
        ),
      ).toEqual(detectStreamSource.filterPatterns);
    });
  });

  describe('failures', () => {
    it('sends failed log-event invocations to the same encrypted queue as failed stream batches', () => {
      const { detection } = built.apiStack;
      expect(resources[logicalId(detection.detectFunction.function)]?.Properties.DeadLetterConfig).toEqual({
        TargetArn: { 'Fn::GetAtt': [logicalId(detection.failureQueue), 'Arn'] },
      });
      expect(resources[logicalId(detection.failureQueue)]?.Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [logicalId(detection.failureQueueKey), 'Arn'],
      });
    });
  });

  describe('tick', () => {
    it('invokes detect once a minute, so alerts whose condition went quiet are resolved', () => {
      const rules = ofType('AWS::Events::Rule').filter(
        ([, rule]) =>
          rule.Properties.ScheduleExpression !== undefined &&
          JSON.stringify(rule.Properties.Targets).includes(JSON.stringify(detectRef()).slice(1, -1)),
      );
      expect(rules.map(([, rule]) => rule.Properties.ScheduleExpression)).toEqual(['rate(1 minute)']);
      expect(JSON.stringify(rules[0]?.[1].Properties.Targets)).toContain(
        JSON.stringify(detectRef()).slice(1, -1),
      );
    });

    it('lets EventBridge dead-letter a tick into the encrypted failure queue: the key admits it, for this stack’s rules', () => {
      const detection = built.apiStack.detection;
      const [, rule] =
        ofType('AWS::Events::Rule').find(
          ([, r]) =>
            r.Properties.ScheduleExpression !== undefined &&
            JSON.stringify(r.Properties.Targets).includes(JSON.stringify(detectRef()).slice(1, -1)),
        ) ?? [];
      expect(rule?.Properties.Targets[0].DeadLetterConfig.Arn).toEqual({
        'Fn::GetAtt': [logicalId(detection.failureQueue), 'Arn'],
      });
      const statements = resources[logicalId(detection.failureQueueKey)]?.Properties.KeyPolicy.Statement;
      const forEvents = statements.filter(
        (statement: any) => statement.Principal?.Service === 'events.amazonaws.com',
      );
      expect(forEvents).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: expect.objectContaining({ ArnLike: { 'aws:SourceArn': expect.anything() } }),
        }),
      ]);
      expect(JSON.stringify(forEvents[0].Condition.ArnLike)).toContain(':rule/');
    });
  });
});
