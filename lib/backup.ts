// cdk: backup — the backup function on the two table streams, its on-failure queue and alarms.
// Stateless apart from the queue and its key, which are retained.
import { Duration, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envNames } from '../functions/platform/config';
import { backupObjectPrefix } from '../functions/platform/key-layout';
import { backupStreamSource, type StreamSourceDefinition } from '../functions/platform/stream-source';
import { addFailureQueue } from './failure-queue';
import { wildcardResourceFinding } from './nag-findings';
import { addFunctionAlarms, addStreamConsumerAlarms } from './platform-alarms';
import { ProjectFunction } from './project-function';

export interface BackupProps {
  /** The main table; its stream carries every change. */
  readonly table: dynamodb.ITable;
  /** The branch key store table; its stream carries every branch-key change. */
  readonly keyStoreTable: dynamodb.ITable;
  /**
   * The Object-Locked backup bucket (SSE-KMS). From another stack, pass `Backups.importBucket`, so the policy's
   * object ARN resolves in this stack.
   */
  readonly backupBucket: s3.IBucket;
  /** Key of the function's log group. */
  readonly logKey: kms.IKey;
  /** The alerts topic every alarm here publishes to. */
  readonly alertTopic: sns.ITopic;
  /**
   * How both streams are consumed.
   * @default - `backupStreamSource` from functions/platform/stream-source.ts (shared with the local poller)
   */
  readonly streamSource?: StreamSourceDefinition;
  /**
   * Reserved concurrency: one invocation per shard and stream at a time is all the mappings use.
   * @default 10
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * How long failure records (shard and sequence ranges, never item data) wait in the on-failure queue.
   * @default Duration.days(14)
   */
  readonly failureRetention?: Duration;
  /**
   * Backup lag that alarms (`platform-backup-lag`) when it lasts five minutes.
   * @default Duration.minutes(5)
   */
  readonly lagThreshold?: Duration;
}

/**
 * The backup function (its own role: `s3:PutObject` under `changes/v1/` of the backup bucket and nothing else there
 * — no read, list, delete, retention, legal hold or lock configuration; the backup key's GenerateDataKey through S3
 * for that bucket only; no data key, no table read) on the main table's and the key store's streams, every record
 * unfiltered, retried until the stream would drop it. Failure records go to an encrypted queue. Alarms: the queue
 * (`platform-backup-failures`, critical: a change may be missing from the backups), errors, throttles and lag.
 */
export class Backup extends Construct {
  readonly backupFunction: ProjectFunction;
  readonly backupBucket: s3.IBucket;
  readonly tableStreamSource: lambda.EventSourceMapping;
  readonly keyStoreStreamSource: lambda.EventSourceMapping;
  readonly failureQueueKey: kms.Key;
  readonly failureQueue: sqs.Queue;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: BackupProps) {
    super(scope, id);
    const source = props.streamSource ?? backupStreamSource;
    this.backupBucket = props.backupBucket;
    ({ key: this.failureQueueKey, queue: this.failureQueue } = addFailureQueue(this, {
      consumer: 'backup',
      retention: props.failureRetention ?? Duration.days(14),
    }));

    this.backupFunction = new ProjectFunction(this, 'BackupFunction', {
      entry: 'backup',
      description:
        'Copies every change of the table and the key store, as stored, to the Object-Locked backup bucket; writes only new objects under changes/v1/',
      logKey: props.logKey,
      memorySize: 1024,
      // Up to batchSize records: serialize, gzip, one PUT.
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions ?? 10,
    });
    const fn = this.backupFunction;
    fn.bindBucket(props.backupBucket, envNames.backupBucket, 'put', { keyPrefix: backupObjectPrefix });
    Validations.of(fn.runtimePolicy).acknowledge({
      id: wildcardResourceFinding(
        fn.runtimePolicy,
        props.backupBucket.arnForObjects(`${backupObjectPrefix}*`),
      ),
      reason:
        'Object keys are changes/v1/<table>/<day>/<first>-<last>.json.gz, one per stream batch; the grant is s3:PutObject alone (no read, delete, retention or legal hold) under that prefix of this one bucket',
    });
    this.tableStreamSource = fn.bindTableStream('TableStreamSource', props.table, envNames.tableName, {
      source,
      onFailure: this.failureQueue,
    });
    this.keyStoreStreamSource = fn.bindTableStream(
      'KeyStoreStreamSource',
      props.keyStoreTable,
      envNames.keyStoreTable,
      { source, onFailure: this.failureQueue },
    );
    Validations.of(fn.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked synchronously by the two DynamoDB stream event source mappings, whose on-failure destination (the encrypted FailureQueue) receives failed batches; an async dead-letter queue would never receive anything',
    });

    const consumerAlarms = addStreamConsumerAlarms(this, fn, this.failureQueue, {
      alertTopic: props.alertTopic,
      failuresSeverity: 'critical',
      failuresMeaning:
        'A stream batch failed for 24 hours and left the stream: its changes may be missing from the backup bucket. The message names the shard and sequence range; copy them from point-in-time recovery or the AWS Backup vault',
      lagSeverity: 'high',
      lagMeaning:
        'Changes are not reaching the backup bucket: backup is failing and retrying (a record it cannot write, S3 or KMS refusing) or throttled. The stream keeps records for 24 hours',
      lagThreshold: props.lagThreshold,
    });
    const functionAlarms = addFunctionAlarms(this, 'Function', fn, {
      alertTopic: props.alertTopic,
      errorsSeverity: 'high',
      throttlesSeverity: 'high',
      errorsMeaning:
        'A backup invocation failed: the batch is retried (bisected) until it is written or the stream drops it',
    });
    this.alarms = [
      consumerAlarms.failures,
      consumerAlarms.lag,
      functionAlarms.errors,
      functionAlarms.throttles,
    ];
  }
}
