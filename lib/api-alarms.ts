// cdk: API alarms — errors and throttles of the API functions, the stage's 5XX rate and WAF blocks, as alerts.
import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { platformAlarm } from './alert-routes';
import { addFunctionAlarms } from './platform-alarms';
import type { ProjectFunction } from './project-function';

export interface ApiAlarmsProps {
  /** The alerts topic every alarm here publishes to. */
  readonly alertTopic: sns.ITopic;
  /** The functions API Gateway invokes: the authorizer and the route functions. */
  readonly functions: readonly ProjectFunction[];
  /** The stage whose 5XX rate is watched. */
  readonly stage: apigateway.Stage;
  /** The web ACL's CloudWatch metric name (its visibility config), the `WebACL` dimension of its metrics. */
  readonly webAclMetricName: string;
  /**
   * Share of requests answered 5XX, in percent over five minutes, that alarms.
   * @default 1
   */
  readonly serverErrorRatePercent?: number;
  /**
   * Below this many requests in five minutes the 5XX rate does not alarm: two errors in ten requests are noise.
   * @default 20
   */
  readonly minimumRequests?: number;
  /**
   * Requests WAF blocks in five minutes that alarm.
   * @default 100
   */
  readonly wafBlockedRequests?: number;
}

/**
 * - `<entry>-errors` and `<entry>-throttles` for each function (`<node id>ErrorsAlarm`, `…ThrottlesAlarm`); the
 *   authorizer's errors are high: every request fails with them.
 * - `ServerErrorRateAlarm` (`api-5xx-rate`, high): more than 1 % of at least 20 requests in five minutes answered
 *   5XX — a metric-math rate, so a quiet API does not alarm on its first error and a busy one does not hide many.
 * - `WafBlockedRequestsAlarm` (`waf-blocked-requests`, medium): WAF blocked 100 or more requests in five minutes
 *   (rate limit, body size, managed rules); detect follows single clients and addresses, this sees the whole.
 */
export class ApiAlarms extends Construct {
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ApiAlarmsProps) {
    super(scope, id);
    const ratePercent = props.serverErrorRatePercent ?? 1;
    const minimumRequests = props.minimumRequests ?? 20;
    const wafBlocked = props.wafBlockedRequests ?? 100;
    if (!(ratePercent > 0 && ratePercent < 100)) {
      throw new Error(
        `ApiAlarms: serverErrorRatePercent ${ratePercent} must be between 0 and 100, such as 1`,
      );
    }
    if (!Number.isInteger(minimumRequests) || minimumRequests < 1) {
      throw new Error(
        `ApiAlarms: minimumRequests ${minimumRequests} must be a positive whole number, such as 20`,
      );
    }
    if (!Number.isInteger(wafBlocked) || wafBlocked < 1) {
      throw new Error(
        `ApiAlarms: wafBlockedRequests ${wafBlocked} must be a positive whole number, such as 100`,
      );
    }
    const alertTopic = props.alertTopic;
    const fiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };

    const functionAlarms = props.functions.flatMap((fn) => {
      const { errors, throttles } = addFunctionAlarms(this, fn.node.id, fn, {
        alertTopic,
        errorsSeverity: fn.entry === 'authorizer' ? 'high' : 'medium',
        throttlesSeverity: 'medium',
        errorsMeaning:
          fn.entry === 'authorizer'
            ? 'The authorizer crashed or timed out: API Gateway answers 500 to every request it could not authorize'
            : `A ${fn.entry} invocation crashed or timed out: the caller got a generic 5XX`,
      });
      return [errors, throttles];
    });

    const serverErrorRate = platformAlarm(this, 'ServerErrorRateAlarm', {
      name: 'api-5xx-rate',
      severity: 'high',
      summary: `More than ${ratePercent} % of API requests failed with 5XX`,
      description: `Over five minutes with at least ${minimumRequests} requests, more than ${ratePercent} % were answered 5XX: check the functions' errors and the access log's errorType`,
      metric: new cloudwatch.MathExpression({
        label: 'share of requests answered 5XX (%)',
        expression: `IF(requests >= ${minimumRequests}, 100 * serverErrors / requests, 0)`,
        usingMetrics: {
          serverErrors: props.stage.metricServerError(fiveMinutes),
          requests: props.stage.metricCount(fiveMinutes),
        },
        period: Duration.minutes(5),
      }),
      threshold: ratePercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      alertTopic,
    });

    const wafBlockedRequests = platformAlarm(this, 'WafBlockedRequestsAlarm', {
      name: 'waf-blocked-requests',
      severity: 'medium',
      summary: `WAF blocked ${wafBlocked} or more API requests in five minutes`,
      description:
        'The web ACL blocked many requests (rate limits per client or address, body size, AWS managed rules): read the WAF log group for the rule and the sources',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/WAFV2',
        metricName: 'BlockedRequests',
        // Rule ALL: every rule of the web ACL; WebACL is the web ACL's metric name, not its id.
        dimensionsMap: { WebACL: props.webAclMetricName, Region: Stack.of(this).region, Rule: 'ALL' },
        ...fiveMinutes,
      }),
      threshold: wafBlocked,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      alertTopic,
    });

    this.alarms = [...functionAlarms, serverErrorRate, wafBlockedRequests];
  }
}
