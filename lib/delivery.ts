// cdk: delivery — the deliver function on the table's stream, its on-failure queue, alarms and SES sender identity.
// Stateless apart from the queue and its key, which are retained.
import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envNames } from '../functions/platform/config';
import {
  deliveryReminderPartitionPrefix,
  invoiceKey,
  sellerProfileKey,
} from '../functions/platform/key-layout';
import { deliverStreamSource, type StreamSourceDefinition } from '../functions/platform/stream-source';
import { platformAlarm } from './alert-routes';
import { addFailureQueue } from './failure-queue';
import type { BranchKeyStoreReference } from './key-store';
import { wildcardResourceFinding } from './nag-findings';
import { addFunctionAlarms, addStreamConsumerAlarms } from './platform-alarms';
import { emailAddressPattern, ProjectFunction } from './project-function';

/** The CDK context key that names the sender address (cdk.json, or `cdk synth -c ledgerlock:mailFrom=…`). */
export const mailFromContextKey = 'ledgerlock:mailFrom';

/** The only attribute of an invoice item the deliver function may change. */
export const deliveryAttribute = 'delivery';

/**
 * Partition-key patterns of the items `deliver` reads, from the key layout itself: invoices (`<tenant>#INVOICE#<id>`)
 * and seller profiles (`<tenant>#PROFILE`). Tenant ids contain no `#`, so no other item type matches.
 */
export const deliverReadablePartitionKeys = [invoiceKey('*', '*').pk, sellerProfileKey('*').pk] as const;
/** Partition-key patterns of the items `deliver` may update: invoices only. */
export const deliverUpdatablePartitionKeys = [invoiceKey('*', '*').pk] as const;

export interface DeliveryProps {
  /** The table whose stream carries queued invoices; deliver reads invoices and profiles and updates `delivery`. */
  readonly table: dynamodb.ITable;
  /** Branch key store of the sealed fields; deliver reads branch keys from it (see `ProjectFunction.bindKeyStore`). */
  readonly keyStore: BranchKeyStoreReference;
  /** Key of the function's log group. */
  readonly logKey: kms.IKey;
  /**
   * Bucket (SSE-KMS) the rendered PDFs are written to; deliver may only put objects. From another stack, pass
   * `Documents.importBucket` so the policy's object ARN resolves in this stack.
   */
  readonly documentsBucket: s3.IBucket;
  /** Sender address of invoice emails, verified in SES as an email identity. A plain address, no display name. */
  readonly mailFrom: string;
  /** The render function, which draws each PDF for deliver (so pdfkit and its fonts live in render alone). */
  readonly renderFunction: ProjectFunction;
  /** The alerts topic every alarm here publishes its open and resolved alerts to (see `platformAlarm`). */
  readonly alertTopic: sns.ITopic;
  /**
   * How the stream is consumed.
   * @default - `deliverStreamSource` from functions/platform/stream-source.ts (shared with the local poller)
   */
  readonly streamSource?: StreamSourceDefinition;
  /**
   * Reserved concurrency: bounds SES sending rate and table load during a backlog.
   * @default 10
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * How long failed-batch records wait in the on-failure queue (SQS allows 60 s to 14 days).
   * @default Duration.days(14)
   */
  readonly failureRetention?: Duration;
}

/**
 * The deliver function (its own role: read invoices and seller profiles, read branch keys to open them, update only
 * the `delivery` attribute, put into the documents bucket, send from the configured address), subscribed to the
 * table's stream with the shared filter and failure settings. Batches that exhaust retries or record age go to
 * a KMS-encrypted queue with an alarm; failed or throttled invocations (a poison record, a failed cold start) and
 * a lagging mapping alarm too. Every alarm reaches the alerts topic as `platform-deliver-*` alerts.
 */
export class Delivery extends Construct {
  readonly deliverFunction: ProjectFunction;
  /** The bucket deliver writes to, as passed in. */
  readonly documentsBucket: s3.IBucket;
  readonly mailIdentity: ses.EmailIdentity;
  readonly streamSource: lambda.EventSourceMapping;
  readonly failureQueueKey: kms.Key;
  readonly failureQueue: sqs.Queue;
  readonly failureQueueAlarm: cloudwatch.Alarm;
  readonly functionErrorsAlarm: cloudwatch.Alarm;
  readonly functionThrottlesAlarm: cloudwatch.Alarm;
  readonly iteratorAgeAlarm: cloudwatch.Alarm;
  /** An email whose outcome is unknown: only a person can decide whether to send it again. */
  readonly outcomeUnknownAlarm: cloudwatch.Alarm;
  /** Once a minute: the sweeper re-queues due retries and settles requests whose deliverer died. */
  readonly sweep: events.Rule;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const source = props.streamSource ?? deliverStreamSource;
    this.documentsBucket = props.documentsBucket;
    const retention = props.failureRetention ?? Duration.days(14);
    if (!emailAddressPattern.test(props.mailFrom)) {
      throw new Error(
        `Delivery: mailFrom "${props.mailFrom}" is not a plain email address; set the context value ${mailFromContextKey} (cdk.json or -c ${mailFromContextKey}=invoices@your-domain.example) to the sender address, without a display name`,
      );
    }
    this.mailIdentity = new ses.EmailIdentity(this, 'MailIdentity', {
      identity: ses.Identity.email(props.mailFrom),
    });

    ({ key: this.failureQueueKey, queue: this.failureQueue } = addFailureQueue(this, {
      consumer: 'delivery',
      retention,
    }));

    this.deliverFunction = new ProjectFunction(this, 'DeliverFunction', {
      entry: 'deliver',
      description:
        'Has queued invoices rendered to PDF, stores them and emails them once; reads invoices, writes only their delivery status',
      logKey: props.logKey,
      memorySize: 1024,
      // Up to batchSize invoices one after another, each: decrypt, render (by render), store, send, record.
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions ?? 10,
    });
    const deliver = this.deliverFunction;
    deliver.bindRenderFunction(props.renderFunction);
    deliver.bindTable(props.table, 'update-attributes', {
      partitionKeyPatterns: deliverReadablePartitionKeys,
      updatablePartitionKeyPatterns: deliverUpdatablePartitionKeys,
      updatableAttributes: [deliveryAttribute],
    });
    // The sweeper's reminders: ids and due times under DELIVERY#, dropped once a request settles.
    deliver.bindTable(props.table, 'own-items', {
      partitionKeyPrefix: deliveryReminderPartitionPrefix,
      deletable: true,
    });
    deliver.bindKeyStore(props.keyStore);
    deliver.bindBucket(props.documentsBucket, envNames.documentsBucket, 'put');
    Validations.of(deliver.runtimePolicy).acknowledge({
      id: wildcardResourceFinding(deliver.runtimePolicy, props.documentsBucket.arnForObjects('*')),
      reason:
        'Object keys are <tenant>/invoices/<invoice>/<request token>.pdf, chosen per delivery; the grant is s3:PutObject alone (no read, delete or list) on this one bucket',
    });
    deliver.bindMailIdentity(this.mailIdentity, props.mailFrom);
    this.streamSource = deliver.addTableStreamSource('StreamSource', props.table, {
      source,
      onFailure: this.failureQueue,
    });
    const reason =
      'Invoked synchronously by the DynamoDB stream event source mapping, whose on-failure destination (the encrypted FailureQueue) receives failed batches; an async dead-letter queue would never receive anything';
    Validations.of(deliver.function).acknowledge({ id: 'Serverless-LambdaDLQ', reason });

    // A missed sweep is covered by the next one a minute later; EventBridge's own retries are enough.
    this.sweep = new events.Rule(this, 'Sweep', {
      description:
        'Ledgerlock deliver: re-queues due delivery retries and settles requests whose deliverer stopped, so none stays queued',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(deliver.function, { retryAttempts: 2 })],
    });
    Validations.of(this.sweep).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'The sweep event carries no data, only "run now": an invocation EventBridge could not make is replaced by the next minute\'s, and reminders stay in the table until a sweep handles them, so a dead-letter queue would hold nothing worth replaying',
    });

    const consumerAlarms = addStreamConsumerAlarms(this, deliver, this.failureQueue, {
      alertTopic: props.alertTopic,
      failuresSeverity: 'high',
      failuresMeaning:
        'An invoice batch could not be delivered within the retries and record age of the stream mapping: read the failure queue, fix the cause, then resend the invoices',
      lagSeverity: 'medium',
      lagMeaning:
        'Queued invoices wait longer than usual for their email: deliver is failing and retrying, throttled, or SES is slow',
    });
    this.failureQueueAlarm = consumerAlarms.failures;
    this.iteratorAgeAlarm = consumerAlarms.lag;
    const functionAlarms = addFunctionAlarms(this, 'Function', deliver, {
      alertTopic: props.alertTopic,
      errorsMeaning:
        'A deliver invocation failed: a record it cannot deliver (the mapping then bisects, retries and sends it to the failure queue) or a failed cold start',
    });
    this.functionErrorsAlarm = functionAlarms.errors;
    this.functionThrottlesAlarm = functionAlarms.throttles;
    // deliver counts each email it settles as failed with `outcome: unknown` (SES may have taken it: a dropped
    // connection or a timeout mid-send, or a deliverer that stopped while handing it over). Nothing retries such
    // an email, by design; a person must find out, so each one is told.
    this.outcomeUnknownAlarm = platformAlarm(this, 'OutcomeUnknownAlarm', {
      name: 'deliver-outcome-unknown',
      severity: 'medium',
      summary: 'Invoice emails whose outcome is unknown',
      description:
        'SES may or may not have taken one or more invoice emails (a dropped connection or timeout mid-send, or a deliverer stopped while sending): those invoices are failed with outcome unknown and are sent again only by a resend',
      metric: new cloudwatch.Metric({
        namespace: 'Ledgerlock',
        metricName: 'DeliveryOutcomeUnknown',
        dimensionsMap: { service: 'ledgerlock-deliver' },
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      alertTopic: props.alertTopic,
    });
  }

  /** The alarms operations should be told about. */
  get alarms(): readonly cloudwatch.Alarm[] {
    return [
      this.failureQueueAlarm,
      this.functionErrorsAlarm,
      this.functionThrottlesAlarm,
      this.iteratorAgeAlarm,
      this.outcomeUnknownAlarm,
    ];
  }
}
