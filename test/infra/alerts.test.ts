// test: alerts — the encrypted topic and who may publish to it, and how every alarm and recorded tampering
// attempt reaches it as an alert of the DESIGN.md schema.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { platformRuleId, runbookPath } from '../../lib/alert-routes';
import { LedgerlockDataStack } from '../../lib/data-stack';
import {
  alarmStateChange,
  alertShape,
  apiCallEvent,
  type InputTransformerJson,
  renderAlert,
} from './alert-input';
import {
  buildLedgerlock,
  type LedgerlockTestApp,
  logicalId,
  referenceNames,
  testApp,
  testEnv,
} from './ledgerlock-app';

type ResourceJson = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };

let built: LedgerlockTestApp;
beforeAll(() => {
  built = buildLedgerlock();
});

function resourcesOf(template: Template): Record<string, ResourceJson> {
  return template.toJSON().Resources as Record<string, ResourceJson>;
}

/** How a template names the alerts topic: a Ref in the data stack, the published output in the API stack. */
function topicReferences(): string[] {
  return [
    logicalId(built.dataStack.alerts.topic),
    ...referenceNames(built.dataTemplate, logicalId(built.dataStack.alerts.topic)),
  ];
}

function targetsTopic(target: { Arn: unknown }): boolean {
  const json = JSON.stringify(target.Arn);
  return topicReferences().some((name) => json.includes(`"${name}"`));
}

describe('Alerts', () => {
  describe('topic', () => {
    it('is encrypted with a key of its own, named per stack, and retained', () => {
      built.dataTemplate.hasResource('AWS::SNS::Topic', {
        Properties: Match.objectLike({
          TopicName: 'LedgerlockDataStack-alerts',
          KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(built.dataStack.alerts.key), 'Arn'] },
        }),
        DeletionPolicy: 'Retain',
      });
      const key = resourcesOf(built.dataTemplate)[logicalId(built.dataStack.alerts.key)];
      expect(key?.Properties).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 30 });
    });

    it('refuses publishing without TLS and admits EventBridge rules of this account only', () => {
      const [policy] = Object.values(built.dataTemplate.findResources('AWS::SNS::TopicPolicy'));
      const statements = policy?.Properties.PolicyDocument.Statement as Record<string, any>[];
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          expect.objectContaining({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: { 'aws:SourceArn': 'arn:aws:events:eu-central-1:123456789012:rule/*' },
            },
          }),
        ]),
      );
      const allowed = statements.filter((statement) => statement.Effect === 'Allow');
      expect(allowed.map((statement) => statement.Principal)).toEqual([{ Service: 'events.amazonaws.com' }]);
    });

    it('lets EventBridge use the topic key only for this topic and for rules of this account', () => {
      const key = resourcesOf(built.dataTemplate)[logicalId(built.dataStack.alerts.key)];
      const statements = key?.Properties.KeyPolicy.Statement as Record<string, any>[];
      expect(statements).toContainEqual({
        Sid: 'AllowEventBridgeRulesOfThisAccountToPublish',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:EncryptionContext:aws:sns:topicArn':
              'arn:aws:sns:eu-central-1:123456789012:LedgerlockDataStack-alerts',
          },
          ArnLike: { 'aws:SourceArn': 'arn:aws:events:eu-central-1:123456789012:rule/*' },
        },
      });
      const services = statements.flatMap((statement) =>
        statement.Principal?.Service ? [statement.Principal.Service] : [],
      );
      expect(services).toEqual(['events.amazonaws.com']);
    });

    it('subscribes no one without the ledgerlock:alertEmail context, and says so in an output', () => {
      built.dataTemplate.resourceCountIs('AWS::SNS::Subscription', 0);
      const outputs = built.dataTemplate.toJSON().Outputs as Record<string, { Value: string }>;
      const subscription = Object.entries(outputs).find(([name]) =>
        name.startsWith('AlertsAlertSubscription'),
      );
      expect(subscription?.[1].Value).toMatch(/^none: no ledgerlock:alertEmail context value was set/);
    });

    it('subscribes the address in ledgerlock:alertEmail by email', () => {
      const app = testApp();
      app.node.setContext('ledgerlock:alertEmail', 'ops@example.com');
      const stack = new LedgerlockDataStack(app, 'LedgerlockDataStack', { env: testEnv });
      Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: { Ref: logicalId(stack.alerts.topic) },
      });
    });

    it('refuses an alert email that is not a plain address, naming the context key', () => {
      const app = testApp();
      app.node.setContext('ledgerlock:alertEmail', 'Ops <ops@example.com>');
      expect(() => new LedgerlockDataStack(app, 'LedgerlockDataStack', { env: testEnv })).toThrow(
        /is not a plain email address; set the context value ledgerlock:alertEmail/,
      );
    });
  });

  describe('every alarm', () => {
    const stacks = () =>
      [
        ['data', built.dataTemplate, 'LedgerlockDataStack'],
        ['api', built.apiTemplate, 'LedgerlockApiStack'],
      ] as const;

    function alarms() {
      return stacks().flatMap(([, template, stackName]) =>
        Object.entries(resourcesOf(template))
          .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
          .map(([id, resource]) => ({ id, properties: resource.Properties, template, stackName })),
      );
    }

    function routesOf(template: Template, alarmId: string) {
      return Object.values(resourcesOf(template)).filter(
        (resource) =>
          resource.Type === 'AWS::Events::Rule' &&
          JSON.stringify(resource.Properties.EventPattern?.resources) ===
            JSON.stringify([{ 'Fn::GetAtt': [alarmId, 'Arn'] }]),
      );
    }

    it('exists for each function, failure queue, stream consumer, the API and the alert routes themselves', () => {
      const names = alarms().map((alarm) => alarm.properties.AlarmName as string);
      const expected = [
        ...['authorizer', 'api-read', 'api-write', 'render', 'deliver', 'backup', 'detect', 'chain'].flatMap(
          (entry) => [`LedgerlockApiStack-${entry}-errors`, `LedgerlockApiStack-${entry}-throttles`],
        ),
        ...['deliver', 'backup', 'detect', 'chain'].flatMap((entry) => [
          `LedgerlockApiStack-${entry}-failures`,
          `LedgerlockApiStack-${entry}-lag`,
        ]),
        'LedgerlockApiStack-deliver-outcome-unknown',
        'LedgerlockApiStack-api-5xx-rate',
        'LedgerlockApiStack-waf-blocked-requests',
        'LedgerlockApiStack-alert-delivery-failures',
        'LedgerlockDataStack-alert-delivery-failures',
      ];
      expect(names.sort()).toEqual(expected.sort());
    });

    it('has no action of its own, so nothing publishes CloudWatch’s raw alarm JSON (or notifies twice)', () => {
      for (const alarm of alarms()) {
        const actions = ['AlarmActions', 'OKActions', 'InsufficientDataActions'].filter(
          (name) => alarm.properties[name] !== undefined,
        );
        expect({ alarm: alarm.id, actions }).toEqual({ alarm: alarm.id, actions: [] });
      }
    });

    it('is named <stack>-<name>, and its description opens with its rule id platform-<name>', () => {
      for (const alarm of alarms()) {
        const name = (alarm.properties.AlarmName as string).slice(`${alarm.stackName}-`.length);
        expect(alarm.properties.AlarmName).toBe(`${alarm.stackName}-${name}`);
        expect(alarm.properties.AlarmDescription).toMatch(new RegExp(`^${platformRuleId(name)}: `));
      }
    });

    it('publishes an open alert to the topic when it enters ALARM, and a resolved one when it returns to OK', () => {
      for (const alarm of alarms()) {
        const routes = routesOf(alarm.template, alarm.id);
        expect({ alarm: alarm.id, routes: routes.length }).toEqual({ alarm: alarm.id, routes: 2 });
        const rule = platformRuleId(
          (alarm.properties.AlarmName as string).slice(`${alarm.stackName}-`.length),
        );
        const published = routes.map((route) => {
          const [target] = route.Properties.Targets as {
            Arn: unknown;
            InputTransformer: InputTransformerJson;
            DeadLetterConfig?: unknown;
          }[];
          expect(route.Properties.Targets).toHaveLength(1);
          expect(target && targetsTopic(target)).toBe(true);
          expect(target?.DeadLetterConfig).toBeDefined();
          const state = route.Properties.EventPattern.detail.state.value as string[];
          const event = state.includes('ALARM') ? alarmStateChange('ALARM') : alarmStateChange('OK');
          return {
            pattern: route.Properties.EventPattern.detail,
            alert: renderAlert(target?.InputTransformer as InputTransformerJson, event),
          };
        });
        const open = published.find((entry) => entry.alert.status === 'open');
        const resolved = published.find((entry) => entry.alert.status === 'resolved');
        expect(open?.pattern).toEqual({ state: { value: ['ALARM'] } });
        expect(resolved?.pattern).toEqual({ state: { value: ['OK'] }, previousState: { value: ['ALARM'] } });
        for (const entry of [open, resolved]) {
          expect(entry?.alert).toMatchObject({ ...alertShape, rule, runbook: runbookPath(rule) });
        }
        // The resolution names the alert it resolves.
        expect(resolved?.alert.alertId).toBe(open?.alert.alertId);
        expect(resolved?.alert.severity).toBe(open?.alert.severity);
      }
    });

    it('computes the 5XX rate only over five minutes with at least 20 requests', () => {
      built.apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'LedgerlockApiStack-api-5xx-rate',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'IF(requests >= 20, 100 * serverErrors / requests, 0)' }),
          Match.objectLike({
            Id: 'serverErrors',
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5XXError' }) }),
          }),
          Match.objectLike({
            Id: 'requests',
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Count' }) }),
          }),
        ]),
      });
    });

    it('watches WAF blocks by the web ACL’s metric name', () => {
      built.apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'LedgerlockApiStack-waf-blocked-requests',
        Namespace: 'AWS/WAFV2',
        MetricName: 'BlockedRequests',
        Dimensions: [
          { Name: 'Region', Value: 'eu-central-1' },
          { Name: 'Rule', Value: 'ALL' },
          { Name: 'WebACL', Value: 'LedgerlockApiStack-api' },
        ],
      });
      built.apiTemplate.hasResourceProperties('AWS::WAFv2::WebACL', {
        VisibilityConfig: Match.objectLike({ MetricName: 'LedgerlockApiStack-api' }),
      });
    });
  });

  describe('alert delivery failures', () => {
    it('keep undeliverable alerts in an SSE queue EventBridge rules of this account may write to', () => {
      for (const template of [built.dataTemplate, built.apiTemplate]) {
        template.hasResourceProperties('AWS::SQS::Queue', {
          SqsManagedSseEnabled: true,
          MessageRetentionPeriod: 14 * 24 * 3600,
        });
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '123456789012' } }),
              }),
            ]),
          },
        });
      }
    });
  });

  describe('tampering attempts', () => {
    function rule(construct: 'keyDeletionAttempt' | 'backupPolicyChange' | 'backupVaultChange') {
      return resourcesOf(built.dataTemplate)[
        logicalId(built.dataStack.tamperAlerts[construct])
      ] as ResourceJson;
    }

    it('alerts on KMS key deletion, disabling and policy or rotation changes recorded by CloudTrail', () => {
      expect(rule('keyDeletionAttempt').Properties.EventPattern).toEqual({
        source: ['aws.kms'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['kms.amazonaws.com'],
          eventName: ['ScheduleKeyDeletion', 'DisableKey', 'PutKeyPolicy', 'DisableKeyRotation'],
        },
      });
    });

    it('alerts on policy, Object Lock and lifecycle changes of the backup bucket', () => {
      const pattern = rule('backupPolicyChange').Properties.EventPattern;
      expect(pattern).toMatchObject({ source: ['aws.s3'], 'detail-type': ['AWS API Call via CloudTrail'] });
      expect(pattern.detail.eventName).toEqual(
        expect.arrayContaining([
          'PutBucketPolicy',
          'DeleteBucketPolicy',
          'PutObjectLockConfiguration',
          'PutBucketLifecycle',
        ]),
      );
      expect(pattern.detail.requestParameters).toEqual({
        bucketName: [built.dataStack.resolve(built.dataStack.backups.bucketName)],
      });
    });

    it('alerts on changes of the vault lock, the vault policy and recovery points', () => {
      expect(rule('backupVaultChange').Properties.EventPattern.detail.eventName).toEqual(
        expect.arrayContaining([
          'DeleteBackupVaultLockConfiguration',
          'PutBackupVaultAccessPolicy',
          'DeleteRecoveryPoint',
        ]),
      );
    });

    it.each([
      ['keyDeletionAttempt', 'kms.amazonaws.com', 'ScheduleKeyDeletion', 'platform-key-deletion-attempt'],
      ['backupPolicyChange', 's3.amazonaws.com', 'PutBucketPolicy', 'platform-backup-policy-change'],
      [
        'backupVaultChange',
        'backup.amazonaws.com',
        'DeleteBackupVaultLockConfiguration',
        'platform-backup-policy-change',
      ],
    ] as const)(
      'publishes %s as a critical %s-style alert of the schema to the topic',
      (construct, source, name, ruleId) => {
        const [target] = rule(construct).Properties.Targets as {
          Arn: unknown;
          InputTransformer: InputTransformerJson;
        }[];
        expect(target && targetsTopic(target)).toBe(true);
        const alert = renderAlert(
          target?.InputTransformer as InputTransformerJson,
          apiCallEvent(source, name),
        );
        expect(alert).toMatchObject({
          ...alertShape,
          rule: ruleId,
          severity: 'critical',
          status: 'open',
          evidence: ['3a0f1a5e-6c53-4f0e-8c2b-2f5f7c0f9d11'],
          runbook: runbookPath(ruleId),
        });
        expect(alert.summary).toContain(name);
      },
    );
  });
});
