// cdk: detection — the detect function on the table's audit events and on the API's and functions' logs, its
// on-failure queue, the Lambda permissions of its log subscriptions, and its alarms.
// Stateless apart from the queue and its key, which are retained.
import { Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { detectorPartitionPrefix } from '../functions/platform/key-layout';
import { securitySignalFilterPattern } from '../functions/platform/observability';
import { detectStreamSource, type StreamSourceDefinition } from '../functions/platform/stream-source';
import { addFailureQueue } from './failure-queue';
import { addFunctionAlarms, addStreamConsumerAlarms } from './platform-alarms';
import { type AlertTopicReference, ProjectFunction } from './project-function';

export interface DetectionProps {
  /** The table: its stream carries the audit events; detect keeps its windows under `DETECT#` in it. */
  readonly table: dynamodb.ITable;
  /** The alerts topic (and its key) detect publishes to. */
  readonly alerts: AlertTopicReference;
  /** Key of the function's log group. */
  readonly logKey: kms.IKey;
  /** The API's access-log group (JSON lines, one per request): every line reaches detect. */
  readonly accessLogGroup: logs.ILogGroup;
  /**
   * The functions whose security signals (`{ $.securitySignal = * }` lines) reach detect. Detect's own log group
   * is never subscribed: a signal about detect would invoke detect, which could log another.
   */
  readonly signalSources: readonly ProjectFunction[];
  /**
   * How the audit events are read from the table's stream.
   * @default - `detectStreamSource` from functions/platform/stream-source.ts (shared with the local poller)
   */
  readonly streamSource?: StreamSourceDefinition;
  /** @default 10 */
  readonly reservedConcurrentExecutions?: number;
  /** @default Duration.days(14) */
  readonly failureRetention?: Duration;
}

/**
 * The detect function. Its role: `GetItem`, `Query`, `PutItem`, `UpdateItem` on `DETECT#` items of the table only
 * (IAM `dynamodb:LeadingKeys`; no other item, no index, no delete), `sns:Publish` on the alerts topic only and its
 * key through SNS for that topic only. Invoked by the table's stream (audit-event inserts) and, asynchronously, by
 * CloudWatch Logs subscriptions: every access-log line of the API, and the security-signal lines of the other
 * functions. Failed stream batches and failed asynchronous invocations go to one encrypted queue. Alarms:
 * `platform-detect-failures`, `-lag`, `-errors`, `-throttles`.
 */
export class Detection extends Construct {
  readonly detectFunction: ProjectFunction;
  readonly streamSource: lambda.EventSourceMapping;
  readonly failureQueueKey: kms.Key;
  readonly failureQueue: sqs.Queue;
  /** The subscription filters, by the log group they read: the access log first, then each signal source. */
  readonly subscriptions: readonly logs.SubscriptionFilter[];
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The schedule that lets detect resolve quiet alerts. */
  readonly tick: events.Rule;

  constructor(scope: Construct, id: string, props: DetectionProps) {
    super(scope, id);
    const source = props.streamSource ?? detectStreamSource;
    ({ key: this.failureQueueKey, queue: this.failureQueue } = addFailureQueue(this, {
      consumer: 'detect',
      retention: props.failureRetention ?? Duration.days(14),
    }));

    this.detectFunction = new ProjectFunction(this, 'DetectFunction', {
      entry: 'detect',
      description:
        'Applies detection rules to request outcomes, security signals and audit events, and publishes alerts; keeps only DETECT# items',
      logKey: props.logKey,
      memorySize: 512,
      timeout: Duration.seconds(30),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions ?? 10,
    });
    const fn = this.detectFunction;
    fn.bindTable(props.table, 'own-items', { partitionKeyPrefix: detectorPartitionPrefix });
    fn.bindAlertTopic(props.alerts);
    this.streamSource = fn.addTableStreamSource('StreamSource', props.table, {
      source,
      onFailure: this.failureQueue,
    });
    // CloudWatch Logs invokes asynchronously: what fails Lambda's own retries lands in the same queue.
    fn.sendFailedAsyncInvocationsTo(this.failureQueue);
    // Once a minute: resolve alerts whose condition has been quiet (nothing else would tell ops it ended).
    this.tick = new events.Rule(this, 'Tick', {
      description: 'Ledgerlock detect: resolves alerts whose condition has gone quiet',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(fn.function, { retryAttempts: 2, deadLetterQueue: this.failureQueue }),
      ],
    });
    // EventBridge encrypts what it dead-letters under the queue's key, so it needs the key too — scoped to this
    // stack's rules by name (the rule's own ARN would make key, queue and rule depend on each other in a cycle).
    const stack = Stack.of(this);
    this.failureQueueKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeDeadLettersTicks',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: `${stack.stackName}-*`,
            }),
          },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );

    const sources = props.signalSources.filter((signalSource) => signalSource !== fn);
    this.subscriptions = [
      this.subscribe('AccessLogSubscription', props.accessLogGroup, logs.FilterPattern.allEvents()),
      ...sources.map((signalSource) =>
        this.subscribe(
          `${signalSource.node.id}SignalSubscription`,
          signalSource.logGroup,
          logs.FilterPattern.literal(securitySignalFilterPattern),
        ),
      ),
    ];

    const consumerAlarms = addStreamConsumerAlarms(this, fn, this.failureQueue, {
      alertTopic: props.alerts.topic,
      failuresSeverity: 'high',
      failuresMeaning:
        'Audit events or log events could not be checked by detect: anomalies in them raised no alert. The queue holds shard ranges (stream) or the log events themselves (subscriptions); replay them after fixing detect',
      lagSeverity: 'medium',
      lagMeaning:
        'Audit events reach detect late, so business-event alerts (spikes, payout changes) are late: detect is failing and retrying or throttled',
    });
    const functionAlarms = addFunctionAlarms(this, 'Function', fn, {
      alertTopic: props.alerts.topic,
      errorsSeverity: 'high',
      throttlesSeverity: 'high',
      errorsMeaning:
        'A detect invocation failed: stream batches are retried, log events are retried twice and then queued; until it works, attacks go unnoticed',
    });
    this.alarms = [
      consumerAlarms.failures,
      consumerAlarms.lag,
      functionAlarms.errors,
      functionAlarms.throttles,
    ];
  }

  /**
   * A subscription filter from `logGroup` to detect, and the Lambda permission it needs: CloudWatch Logs may invoke
   * detect for this log group of this account only. The permission is made here (not by the L2 destination) so it
   * names the account too, and the filter waits for it: CloudWatch Logs test-invokes when the filter is created.
   */
  private subscribe(id: string, logGroup: logs.ILogGroup, filterPattern: logs.IFilterPattern) {
    const fn = this.detectFunction;
    fn.function.addPermission(`${id}Permission`, {
      principal: new iam.ServicePrincipal('logs.amazonaws.com'),
      sourceArn: logGroup.logGroupArn,
      sourceAccount: Stack.of(this).account,
    });
    const permission = fn.function.node.findChild(`${id}Permission`);
    const filter = new logs.SubscriptionFilter(this, id, {
      logGroup,
      filterPattern,
      destination: { bind: () => ({ arn: fn.function.functionArn }) },
    });
    filter.node.addDependency(permission);
    return filter;
  }
}
