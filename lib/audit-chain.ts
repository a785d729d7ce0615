// cdk: the audit chain — the chain function on the table's audit entries, its on-failure queue and alarms.
// Stateless apart from the queue and its key, which are retained; the signing key lives in the data stack.
import { Duration, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envNames } from '../functions/platform/config';
import { auditEntriesPartitionPattern, auditPartitionPattern } from '../functions/platform/key-layout';
import { chainStreamSource, type StreamSourceDefinition } from '../functions/platform/stream-source';
import { addFailureQueue } from './failure-queue';
import { addFunctionAlarms, addStreamConsumerAlarms } from './platform-alarms';
import { ProjectFunction } from './project-function';

export interface AuditChainProps {
  /** The table: its stream carries the audit entries, the chain lives in its tenants' `#AUDIT` partitions. */
  readonly table: dynamodb.ITable;
  /** The asymmetric (ECC_NIST_P256, SIGN_VERIFY) key that signs the chain's checkpoints. */
  readonly auditKey: kms.IKey;
  /** Key of the function's log group. */
  readonly logKey: kms.IKey;
  /** The alerts topic every alarm here publishes to. */
  readonly alertTopic: sns.ITopic;
  /**
   * How the audit entries are read from the table's stream.
   * @default - `chainStreamSource` from functions/platform/stream-source.ts (shared with the local poller)
   */
  readonly streamSource?: StreamSourceDefinition;
  /**
   * Reserved concurrency: one invocation per shard at a time is all the mapping uses.
   * @default 10
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * How long failure records (shard and sequence ranges, never entries) wait in the on-failure queue.
   * @default Duration.days(14)
   */
  readonly failureRetention?: Duration;
  /**
   * Chain lag that alarms (`platform-chain-lag`) when it lasts five minutes.
   * @default Duration.minutes(5)
   */
  readonly lagThreshold?: Duration;
}

/**
 * The chain function — the audit chain's single writer. Its role: `GetItem`, `Query`, `PutItem`, `DeleteItem` on
 * the tenants' `*#AUDIT` (events, head, checkpoints) and `*#AUDIT#ENTRIES` (entries it chained) partitions only
 * (IAM `dynamodb:LeadingKeys`; no other item, no update, no index), and `kms:Sign` on the audit key; no data key,
 * no sealed record, no bucket. Invoked by the table's stream (audit-entry inserts), retried until the stream would
 * drop a batch; failed batches' shard ranges go to an encrypted queue. Its security signals (`audit-chain-broken` when
 * the chain's end is not what it left) reach detect. Alarms: the queue (`platform-chain-failures`, critical: audit
 * entries that were never chained), errors, throttles and lag.
 */
export class AuditChain extends Construct {
  readonly chainFunction: ProjectFunction;
  readonly streamSource: lambda.EventSourceMapping;
  readonly failureQueueKey: kms.Key;
  readonly failureQueue: sqs.Queue;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: AuditChainProps) {
    super(scope, id);
    const source = props.streamSource ?? chainStreamSource;
    ({ key: this.failureQueueKey, queue: this.failureQueue } = addFailureQueue(this, {
      consumer: 'chain',
      retention: props.failureRetention ?? Duration.days(14),
    }));

    this.chainFunction = new ProjectFunction(this, 'ChainFunction', {
      entry: 'chain',
      description:
        "Appends the tenants' audit entries to their hash chains and signs each new head; writes only the #AUDIT partitions",
      logKey: props.logKey,
      memorySize: 512,
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions ?? 10,
    });
    const fn = this.chainFunction;
    fn.bindTable(props.table, 'own-partitions', {
      partitionKeyPatterns: [auditPartitionPattern, auditEntriesPartitionPattern],
    });
    fn.bindKey(props.auditKey, envNames.auditKeyArn, 'sign');
    this.streamSource = fn.addTableStreamSource('StreamSource', props.table, {
      source,
      onFailure: this.failureQueue,
    });
    Validations.of(fn.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked synchronously by the DynamoDB stream event source mapping, whose on-failure destination (the encrypted FailureQueue) receives failed batches; an async dead-letter queue would never receive anything',
    });

    // Detect reads the chained events, not the entries: while chain is stopped, business-event rules are blind too.
    const consumerAlarms = addStreamConsumerAlarms(this, fn, this.failureQueue, {
      alertTopic: props.alertTopic,
      failuresSeverity: 'critical',
      failuresMeaning:
        "A batch of audit entries left the stream unchained (retries exhausted or 24 hours old): those changes are in no tenant's audit chain, no checkpoint covers them, detect never judged them, and nothing will chain them. Their ENTRY# items stay under <tenant>#AUDIT#ENTRIES, unprotected by any hash (a verification counts them as pendingEntries); the message names the shard and sequence range, the backups hold the entries as written",
      lagSeverity: 'high',
      lagMeaning:
        "Audit entries are not being chained: the tenants' newest changes are missing from their audit trails (verification counts them as pendingEntries) and reach detect's business-event rules late; chain is failing and retrying (KMS Sign, DynamoDB, a record it cannot parse) or throttled. The stream keeps entries for 24 hours",
      lagThreshold: props.lagThreshold,
    });
    const functionAlarms = addFunctionAlarms(this, 'Function', fn, {
      alertTopic: props.alertTopic,
      errorsSeverity: 'high',
      throttlesSeverity: 'high',
      errorsMeaning:
        'A chain invocation failed (a stream record that is not an audit entry, a timeout, a crash): the batch is retried (bisected) and holds up every entry behind it on its shard until it is chained or leaves the stream',
    });
    this.alarms = [
      consumerAlarms.failures,
      consumerAlarms.lag,
      functionAlarms.errors,
      functionAlarms.throttles,
    ];
  }
}
