// test: audit chain — the chain writer's alarms: its on-failure queue (critical: entries that were never chained),
// its lag behind the stream, its errors and throttles, each routed to the alerts topic with its severity.
import { alarmStateChange, type InputTransformerJson, renderAlert } from './alert-input';
import { buildLedgerlock, type LedgerlockTestApp, logicalId } from './ledgerlock-app';

type ResourceJson = { Type: string; Properties: Record<string, any> };

let built: LedgerlockTestApp;
let resources: Record<string, ResourceJson>;
beforeAll(() => {
  built = buildLedgerlock();
  resources = built.apiTemplate.toJSON().Resources as Record<string, ResourceJson>;
});

/** The severity of the open alert the alarm named `name` publishes. */
function openAlertSeverity(name: string): unknown {
  const alarmId = Object.entries(resources).find(
    ([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm' && resource.Properties.AlarmName === name,
  )?.[0];
  const open = Object.values(resources).find(
    (resource) =>
      resource.Type === 'AWS::Events::Rule' &&
      JSON.stringify(resource.Properties.EventPattern?.resources) ===
        JSON.stringify([{ 'Fn::GetAtt': [alarmId, 'Arn'] }]) &&
      JSON.stringify(resource.Properties.EventPattern?.detail?.state) ===
        JSON.stringify({ value: ['ALARM'] }),
  );
  const [target] = (open?.Properties.Targets ?? []) as { InputTransformer: InputTransformerJson }[];
  return target === undefined
    ? undefined
    : renderAlert(target.InputTransformer, alarmStateChange('ALARM')).severity;
}

describe('AuditChain', () => {
  describe('alarms', () => {
    it('alarms critically as soon as one failure record waits in its encrypted, retained queue', () => {
      const { failureQueue, failureQueueKey } = built.apiStack.auditChain;
      expect(resources[logicalId(failureQueue)]).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: { KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(failureQueueKey), 'Arn'] } },
      });
      built.apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'LedgerlockApiStack-chain-failures',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(failureQueue), 'QueueName'] } }],
      });
      expect(openAlertSeverity('LedgerlockApiStack-chain-failures')).toBe('critical');
    });

    it('alarms on chain lag: the Maximum IteratorAge per minute above five minutes, five minutes running', () => {
      built.apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'LedgerlockApiStack-chain-lag',
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 300_000,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        Dimensions: [
          {
            Name: 'FunctionName',
            Value: { Ref: logicalId(built.apiStack.auditChain.chainFunction.function) },
          },
        ],
      });
      expect(openAlertSeverity('LedgerlockApiStack-chain-lag')).toBe('high');
    });

    it.each(['errors', 'throttles'])('alarms as high on any %s of the chain function', (kind) => {
      built.apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `LedgerlockApiStack-chain-${kind}`,
        Namespace: 'AWS/Lambda',
        MetricName: kind === 'errors' ? 'Errors' : 'Throttles',
        Threshold: 1,
        Dimensions: [
          {
            Name: 'FunctionName',
            Value: { Ref: logicalId(built.apiStack.auditChain.chainFunction.function) },
          },
        ],
      });
      expect(openAlertSeverity(`LedgerlockApiStack-chain-${kind}`)).toBe('high');
    });

    it('lists the four alarms it makes', () => {
      const names = built.apiStack.auditChain.alarms.map(
        (alarm) => resources[logicalId(alarm)]?.Properties.AlarmName,
      );
      expect(names).toEqual([
        'LedgerlockApiStack-chain-failures',
        'LedgerlockApiStack-chain-lag',
        'LedgerlockApiStack-chain-errors',
        'LedgerlockApiStack-chain-throttles',
      ]);
    });
  });
});
