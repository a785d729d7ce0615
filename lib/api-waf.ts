// cdk: API firewall — the regional WAF web ACL in front of the REST API stage, and its logs.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { gatewayProblem } from '../functions/platform/gateway-responses';
import { maxRequestBodyBytes } from '../functions/platform/routes';

export interface ApiWebAclOptions {
  /** The stage the web ACL protects. */
  readonly stage: apigateway.Stage;
  /** Requests one client IP may send in any 5-minute window before WAF blocks it, tokens or not. */
  readonly requestsPerIpPer5Minutes: number;
  /** Requests without a bearer token one client IP may send in any 5-minute window before WAF blocks it. */
  readonly unauthenticatedRequestsPerIpPer5Minutes: number;
  /** Requests one bearer token may send in any minute before WAF answers 429 with Retry-After. */
  readonly requestsPerClientPerMinute: number;
  /** How long WAF logs are kept. */
  readonly retention: logs.RetentionDays;
  /** Key for the WAF log group. */
  readonly logKey: kms.IKey;
  /** The web ACL's CloudWatch metric name: the `WebACL` dimension its metrics (and the WAF alarm) use. */
  readonly metricName: string;
}

/** The custom response body of the per-client rate limit: the stage's own 429 problem, word for word. */
const tooManyRequestsBodyKey = 'too-many-requests';

/**
 * Creates, under `scope` (ids `WebAcl`, `WafLogs`, `WafLogging`, `WebAclAssociation`), a web ACL with rate limits
 * per client (bearer token), per IP and per IP without a token, a body size limit at the route table's maximum
 * and the AWS common and known-bad-inputs rule sets, logs of what it blocks or counts, and its association with
 * the stage.
 */
export function addApiWebAcl(scope: Construct, options: ApiWebAclOptions): wafv2.CfnWebACL {
  const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
    cloudWatchMetricsEnabled: true,
    metricName,
    sampledRequestsEnabled: true,
  });
  const managedRuleGroup = (
    name: string,
    priority: number,
    ruleActionOverrides?: wafv2.CfnWebACL.RuleActionOverrideProperty[],
  ): wafv2.CfnWebACL.RuleProperty => ({
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ruleActionOverrides } },
    visibilityConfig: visibility(name),
  });

  // Addresses operations block during an incident (docs/runbooks): created empty, filled with
  // `aws wafv2 update-ip-set`; a deployment leaves the addresses alone unless this definition itself changes.
  const blockedAddresses = (id: string, ipAddressVersion: 'IPV4' | 'IPV6') =>
    new wafv2.CfnIPSet(scope, id, {
      scope: 'REGIONAL',
      ipAddressVersion,
      addresses: [],
      description: `Ledgerlock: ${ipAddressVersion} addresses blocked by operations`,
    });
  const blockedV4 = blockedAddresses('BlockedAddressesV4', 'IPV4');
  const blockedV6 = blockedAddresses('BlockedAddressesV6', 'IPV6');

  // WAF sends its own answers with a content type of its choosing (application/json here; it may not be set as a
  // header), so this 429 carries the stage's problem body but not its application/problem+json.
  const throttled = gatewayProblem('throttled');
  const webAcl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    customResponseBodies: {
      [tooManyRequestsBodyKey]: { contentType: 'APPLICATION_JSON', content: throttled.body },
    },
    visibilityConfig: visibility(options.metricName),
    // WAF reads the first 16 KB of a body by default; read up to the route table's limit so the size rule
    // and the managed rules see the whole of any body the API accepts.
    associationConfig: { requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: 'KB_64' } } },
    rules: [
      {
        name: 'BlockedAddresses',
        priority: 0,
        action: { block: {} },
        statement: {
          orStatement: {
            statements: [
              { ipSetReferenceStatement: { arn: blockedV4.attrArn } },
              { ipSetReferenceStatement: { arn: blockedV6.attrArn } },
            ],
          },
        },
        visibilityConfig: visibility('BlockedAddresses'),
      },
      {
        // One client's fair share, whatever its address: a billing run from one NAT gets the whole of it, and
        // one client cannot take the stage from the others. Keyed by the Authorization header, which WAF counts
        // and never logs (redacted below); a request without one is not counted here.
        name: 'RateLimitPerClient',
        priority: 1,
        action: {
          block: {
            customResponse: {
              responseCode: 429,
              customResponseBodyKey: tooManyRequestsBodyKey,
              responseHeaders: [
                { name: 'Retry-After', value: '60' },
                ...Object.entries(throttled.headers)
                  .filter(([name]) => name.toLowerCase() !== 'content-type')
                  .map(([name, value]) => ({ name, value })),
              ],
            },
          },
        },
        statement: {
          rateBasedStatement: {
            aggregateKeyType: 'CUSTOM_KEYS',
            customKeys: [
              { header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } },
            ],
            limit: options.requestsPerClientPerMinute,
            evaluationWindowSec: 60,
          },
        },
        visibilityConfig: visibility('RateLimitPerClient'),
      },
      {
        name: 'RateLimitPerIp',
        priority: 2,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            aggregateKeyType: 'IP',
            limit: options.requestsPerIpPer5Minutes,
            evaluationWindowSec: 300,
          },
        },
        visibilityConfig: visibility('RateLimitPerIp'),
      },
      {
        // Without a token a request is refused at the gateway or reads the health check: an address sending many
        // is scanning or guessing, and is held to far less than one that authenticates.
        name: 'RateLimitPerIpUnauthenticated',
        priority: 3,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            aggregateKeyType: 'IP',
            limit: options.unauthenticatedRequestsPerIpPer5Minutes,
            evaluationWindowSec: 300,
            scopeDownStatement: {
              notStatement: {
                statement: {
                  byteMatchStatement: {
                    fieldToMatch: { singleHeader: { Name: 'authorization' } },
                    positionalConstraint: 'STARTS_WITH',
                    searchString: 'Bearer ',
                    textTransformations: [{ priority: 0, type: 'NONE' }],
                  },
                },
              },
            },
          },
        },
        visibilityConfig: visibility('RateLimitPerIpUnauthenticated'),
      },
      {
        name: 'BodySizeLimit',
        priority: 4,
        action: { block: {} },
        statement: {
          sizeConstraintStatement: {
            fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
            comparisonOperator: 'GT',
            size: maxRequestBodyBytes,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
        visibilityConfig: visibility('BodySizeLimit'),
      },
      // The common rule set blocks bodies over 8 KB; an invoice with many lines is larger. Count instead and
      // let BodySizeLimit enforce the route table's limit.
      managedRuleGroup('AWSManagedRulesCommonRuleSet', 5, [
        { name: 'SizeRestrictions_BODY', actionToUse: { count: {} } },
      ]),
      managedRuleGroup('AWSManagedRulesKnownBadInputsRuleSet', 6),
    ],
  });

  // WAF log groups must be named aws-waf-logs-*; only blocked and counted requests are kept.
  const wafLogs = new logs.LogGroup(scope, 'WafLogs', {
    logGroupName: `aws-waf-logs-${Stack.of(scope).stackName}`,
    retention: options.retention,
    encryptionKey: options.logKey,
  });
  new wafv2.CfnLoggingConfiguration(scope, 'WafLogging', {
    resourceArn: webAcl.attrArn,
    // WAF wants the log group ARN without the ":*" suffix CloudFormation's Arn attribute carries.
    logDestinationConfigs: [
      Stack.of(scope).formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: wafLogs.logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ],
    redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    loggingFilter: {
      DefaultBehavior: 'DROP',
      Filters: [
        {
          Behavior: 'KEEP',
          Requirement: 'MEETS_ANY',
          Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
        },
      ],
    },
  });

  new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', {
    resourceArn: options.stage.stageArn,
    webAclArn: webAcl.attrArn,
  });
  return webAcl;
}
