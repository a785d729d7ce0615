// cdk: alert routes — how platform alarms and recorded API calls reach the alerts topic as alerts of DESIGN.md's
// schema: CloudWatch alarm state changes and CloudTrail events, through EventBridge rules with input transformers.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';

/** Every rule id of a platform alert starts with this (DESIGN.md: `platform-<alarm>`). */
export const platformRulePrefix = 'platform-';

/** `platform-<name>`: the alert rule id of a platform alarm or of a recorded API call. */
export function platformRuleId(name: string): string {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(name)) {
    throw new Error(
      `platform alert "${name}" must be lowercase words joined by hyphens, such as "backup-lag"; it becomes the rule id ${platformRulePrefix}<name>`,
    );
  }
  return `${platformRulePrefix}${name}`;
}

/** Where the runbook of an alert rule lives (DESIGN.md: every rule has one). */
export function runbookPath(ruleId: string): string {
  return `docs/runbooks/${ruleId}.md`;
}

/**
 * `<stack>-<name>`: the CloudWatch alarm name of platform alarm `<name>`, unique per stack and region. Stripping
 * the stack name and prefixing `platform-` gives its rule id, which also opens the alarm's description.
 */
export function platformAlarmName(scope: Construct, name: string): string {
  platformRuleId(name);
  return `${Stack.of(scope).stackName}-${name}`;
}

/**
 * An EventBridge target that publishes `message` to the alerts topic. It grants nothing: the topic's policy admits
 * EventBridge rules of this account (Alerts), so no rule adds a statement of its own to it. What EventBridge cannot
 * deliver within its retries (24 hours) goes to the stack's {@link AlertDeliveryFailures} queue, not nowhere.
 */
export function alertTopicTarget(
  scope: Construct,
  topic: sns.ITopic,
  message: events.RuleTargetInput,
): events.IRuleTarget {
  const deadLetters = AlertDeliveryFailures.of(scope, topic).queue;
  return {
    bind: () => ({ arn: topic.topicArn, input: message, deadLetterConfig: { arn: deadLetters.queueArn } }),
  };
}

/**
 * The dead-letter queue of every alert route in a stack (one per stack, at its root as `AlertDeliveryFailures`):
 * an alert EventBridge could not publish — the topic or its key refusing — waits here 14 days, and the
 * `alert-delivery-failures` alarm says so. Alerts hold no personal data (DESIGN.md), so SQS-managed encryption is
 * enough, and it needs no key policy for EventBridge that could itself be what is broken.
 */
export class AlertDeliveryFailures extends Construct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  /** The stack's queue, created with its alarm on first use. */
  static of(scope: Construct, topic: sns.ITopic): AlertDeliveryFailures {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild('AlertDeliveryFailures');
    return existing instanceof AlertDeliveryFailures ? existing : new AlertDeliveryFailures(stack, topic);
  }

  private constructor(stack: Stack, topic: sns.ITopic) {
    super(stack, 'AlertDeliveryFailures');
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeRulesOfThisAccount',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }),
          },
        },
      }),
    );
    const reason =
      'This queue is itself the dead-letter queue of the alert rules; its messages are alerts a person reads after the alarm, never input to a consumer that could fail again';
    Validations.of(this.queue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason },
      { id: 'Serverless-SQSRedrivePolicy', reason },
    );
    // Created before the alarm, whose own routes land in this same queue if the topic is what fails.
    this.alarm = platformAlarm(this, 'Alarm', {
      name: 'alert-delivery-failures',
      severity: 'high',
      summary: 'Alerts could not be published to the alerts topic',
      description:
        'EventBridge gave up publishing alerts to the topic (its policy or key refusing): they wait in the AlertDeliveryFailures queue of this stack; fix the topic, then read the queue',
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      alertTopic: topic,
    });
  }
}

export interface PlatformAlarmProps {
  /** Lowercase words joined by hyphens: alarm `<stack>-<name>`, rule `platform-<name>`, its runbook. */
  readonly name: string;
  readonly severity: AlertSeverity;
  /** The one line a person reads first; no personal data, no secrets. */
  readonly summary: string;
  /** What it means and what to look at, for the alarm's description (after the rule id). */
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  /** @default - evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** @default cloudwatch.TreatMissingData.NOT_BREACHING (no traffic is not a failure) */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
  /** The alerts topic the open and resolved alerts are published to. */
  readonly alertTopic: sns.ITopic;
}

/** The two rules that turn an alarm's state changes into alerts, as children of the alarm. */
export const alarmRouteIds = { open: 'OpenAlert', resolved: 'ResolvedAlert' } as const;

/**
 * A CloudWatch alarm whose state changes reach the alerts topic as alerts of the DESIGN.md schema: entering ALARM
 * publishes `status: "open"`, returning from ALARM to OK publishes `status: "resolved"` with the same `alertId`.
 * The alarm itself has no actions: a CloudWatch alarm action would publish CloudWatch's own JSON, not an alert, and
 * both routes together would notify twice. Two EventBridge rules (children `OpenAlert` and `ResolvedAlert` of the
 * alarm) match the alarm's "CloudWatch Alarm State Change" events by its ARN and shape the message with an input
 * transformer — which can only copy event fields, so rule id, severity and summary are fixed here per alarm.
 */
export function platformAlarm(scope: Construct, id: string, props: PlatformAlarmProps): cloudwatch.Alarm {
  const rule = platformRuleId(props.name);
  const alarmName = platformAlarmName(scope, props.name);
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmName,
    // The rule id comes first, so people and tools reading the console or the raw alarm find the alert rule.
    alarmDescription: `${rule}: ${props.description}`,
    metric: props.metric,
    threshold: props.threshold,
    comparisonOperator: props.comparisonOperator,
    evaluationPeriods: props.evaluationPeriods,
    datapointsToAlarm: props.datapointsToAlarm ?? props.evaluationPeriods,
    treatMissingData: props.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
  });

  const alert = (status: 'open' | 'resolved', openedAt: string, windowFrom: string) =>
    events.RuleTargetInput.fromObject({
      // The same id for the open alert and its resolution: the ALARM transition's timestamp, which the OK event
      // carries as previousState.timestamp.
      alertId: `${alarmName}@${openedAt}`,
      rule,
      severity: props.severity,
      status,
      subject: 'platform',
      summary: status === 'open' ? props.summary : `Resolved: ${props.summary}`,
      detectedAt: events.EventField.time,
      window: { from: windowFrom, to: events.EventField.time },
      threshold: props.threshold,
      evidence: [`alarm:${alarmName}`],
      runbook: runbookPath(rule),
      source: 'cloudwatch-alarm',
    });
  const stateChange = (detail: Record<string, unknown>): events.EventPattern => ({
    source: ['aws.cloudwatch'],
    detailType: ['CloudWatch Alarm State Change'],
    resources: [alarm.alarmArn],
    detail,
  });
  const stateTimestamp = events.EventField.fromPath('$.detail.state.timestamp');
  const previousTimestamp = events.EventField.fromPath('$.detail.previousState.timestamp');

  new events.Rule(alarm, alarmRouteIds.open, {
    description: `${rule}: alarm ${alarmName} entered ALARM → open alert`,
    eventPattern: stateChange({ state: { value: ['ALARM'] } }),
    targets: [alertTopicTarget(scope, props.alertTopic, alert('open', stateTimestamp, stateTimestamp))],
  });
  new events.Rule(alarm, alarmRouteIds.resolved, {
    description: `${rule}: alarm ${alarmName} went from ALARM back to OK → resolved alert`,
    eventPattern: stateChange({ state: { value: ['OK'] }, previousState: { value: ['ALARM'] } }),
    targets: [
      alertTopicTarget(scope, props.alertTopic, alert('resolved', previousTimestamp, previousTimestamp)),
    ],
  });
  return alarm;
}
