// test: backup — the function on both table streams, built from the shared backup stream source, and its queue.
import { backupStreamSource } from '../../functions/platform/stream-source';
import { buildLedgerlock, type LedgerlockTestApp, logicalId, referenceNames } from './ledgerlock-app';

type ResourceJson = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };

let built: LedgerlockTestApp;
let resources: Record<string, ResourceJson>;
beforeAll(() => {
  built = buildLedgerlock();
  resources = built.apiTemplate.toJSON().Resources as Record<string, ResourceJson>;
});

function backupMappings(): ResourceJson[] {
  const backupRef = { Ref: logicalId(built.apiStack.backup.backupFunction.function) };
  return Object.values(resources).filter(
    (resource) =>
      resource.Type === 'AWS::Lambda::EventSourceMapping' &&
      JSON.stringify(resource.Properties.FunctionName) === JSON.stringify(backupRef),
  );
}

describe('Backup', () => {
  it('reads the main table’s stream and the key store’s stream', () => {
    const { table, keyStore } = built.dataStack.dataStore;
    const streamOutputs = [table, keyStore.table].map((streamed) =>
      referenceNames(built.dataTemplate, logicalId(streamed)).filter((name) => name.includes('StreamArn')),
    );
    const sources = backupMappings().map((mapping) => JSON.stringify(mapping.Properties.EventSourceArn));
    expect(sources).toHaveLength(2);
    for (const outputs of streamOutputs) {
      expect(
        sources.filter((source) => outputs.some((output) => source.includes(`"${output}"`))),
      ).toHaveLength(1);
    }
  });

  it('takes every record, 500 at a time or every 10 s, retried until the stream drops it, from the shared backup stream source', () => {
    for (const mapping of backupMappings()) {
      expect(mapping.Properties).toMatchObject({
        BatchSize: 500,
        MaximumBatchingWindowInSeconds: 10,
        MaximumRetryAttempts: 10_000,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        StartingPosition: 'TRIM_HORIZON',
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [logicalId(built.apiStack.backup.failureQueue), 'Arn'] },
          },
        },
      });
      expect(mapping.Properties.FilterCriteria).toBeUndefined();
      expect(mapping.Properties.MaximumRecordAgeInSeconds).toBeUndefined();
      expect(mapping.Properties).toMatchObject({
        BatchSize: backupStreamSource.batchSize,
        MaximumRetryAttempts: backupStreamSource.retryAttempts,
      });
    }
  });

  it('alarms on backup lag: the Maximum IteratorAge per minute above five minutes, five minutes running', () => {
    built.apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'LedgerlockApiStack-backup-lag',
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 300_000,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: logicalId(built.apiStack.backup.backupFunction.function) } },
      ],
    });
  });

  it('alarms critically as soon as one failure record waits in its encrypted, retained queue', () => {
    const { failureQueue, failureQueueKey } = built.apiStack.backup;
    expect(resources[logicalId(failureQueue)]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(failureQueueKey), 'Arn'] } },
    });
    built.apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'LedgerlockApiStack-backup-failures',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(failureQueue), 'QueueName'] } }],
    });
  });
});
