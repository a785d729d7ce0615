// cdk: platform alarms — the alarms every function, on-failure queue and stream consumer gets, routed as alerts.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type AlertSeverity, platformAlarm } from './alert-routes';
import type { ProjectFunction } from './project-function';

export interface FunctionAlarmOptions {
  readonly alertTopic: sns.ITopic;
  /** @default 'medium' */
  readonly errorsSeverity?: AlertSeverity;
  /** @default 'medium' */
  readonly throttlesSeverity?: AlertSeverity;
  /** What an error of this function means, for the alarm description. */
  readonly errorsMeaning: string;
}

/**
 * `<entry>-errors` and `<entry>-throttles` under `scope` as `<prefix>ErrorsAlarm` and `<prefix>ThrottlesAlarm`:
 * any failed or throttled invocation in five minutes. Handlers map expected failures to responses or item
 * failures, so an error here is a crash, a timeout or a record the function gave up on.
 */
export function addFunctionAlarms(
  scope: Construct,
  idPrefix: string,
  fn: ProjectFunction,
  options: FunctionAlarmOptions,
): { readonly errors: cloudwatch.Alarm; readonly throttles: cloudwatch.Alarm } {
  const fiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
  const errors = platformAlarm(scope, `${idPrefix}ErrorsAlarm`, {
    name: `${fn.entry}-errors`,
    severity: options.errorsSeverity ?? 'medium',
    summary: `The ${fn.entry} function failed invocations`,
    description: `${options.errorsMeaning}: check the function's logs`,
    metric: fn.function.metricErrors(fiveMinutes),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    alertTopic: options.alertTopic,
  });
  const throttles = platformAlarm(scope, `${idPrefix}ThrottlesAlarm`, {
    name: `${fn.entry}-throttles`,
    severity: options.throttlesSeverity ?? 'medium',
    summary: `The ${fn.entry} function was throttled`,
    description: `Invocations of ${fn.entry} were refused for lack of concurrency (its reservation or the account's): callers saw 429/500s or stream records waited; raise the reservation or find the flood`,
    metric: fn.function.metricThrottles(fiveMinutes),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    alertTopic: options.alertTopic,
  });
  return { errors, throttles };
}

export interface StreamConsumerAlarmOptions {
  readonly alertTopic: sns.ITopic;
  /** `<entry>-failures`: a batch reached the on-failure queue. */
  readonly failuresSeverity: AlertSeverity;
  readonly failuresMeaning: string;
  /** `<entry>-lag`: the oldest record a mapping handed over was older than `lagThreshold`. */
  readonly lagSeverity: AlertSeverity;
  readonly lagMeaning: string;
  /** @default Duration.minutes(5) */
  readonly lagThreshold?: Duration;
}

/**
 * The alarms of a stream consumer's queue and mappings, under `scope`:
 * - `FailureQueueAlarm` (`<entry>-failures`): one message is waiting in the on-failure queue.
 * - `IteratorAgeAlarm` (`<entry>-lag`): the function's IteratorAge (Lambda's, Maximum over every mapping of the
 *   function, per minute) stayed above the threshold for five consecutive minutes. Lambda reports it only while it
 *   invokes, and a failing batch is invoked again and again, so a stuck consumer keeps the metric (and the alarm)
 *   up; an idle stream reports nothing, which is not breaching.
 */
export function addStreamConsumerAlarms(
  scope: Construct,
  fn: ProjectFunction,
  failureQueue: sqs.IQueue,
  options: StreamConsumerAlarmOptions,
): { readonly failures: cloudwatch.Alarm; readonly lag: cloudwatch.Alarm } {
  const lagThreshold = options.lagThreshold ?? Duration.minutes(5);
  const failures = platformAlarm(scope, 'FailureQueueAlarm', {
    name: `${fn.entry}-failures`,
    severity: options.failuresSeverity,
    summary: `A ${fn.entry} batch reached its on-failure queue`,
    description: options.failuresMeaning,
    metric: failureQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    alertTopic: options.alertTopic,
  });
  const lag = platformAlarm(scope, 'IteratorAgeAlarm', {
    name: `${fn.entry}-lag`,
    severity: options.lagSeverity,
    summary: `${fn.entry} is more than ${lagThreshold.toHumanString()} behind its stream`,
    description: options.lagMeaning,
    metric: fn.function.metric('IteratorAge', {
      period: Duration.minutes(1),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    threshold: lagThreshold.toMilliseconds(),
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 5,
    alertTopic: options.alertTopic,
  });
  return { failures, lag };
}
