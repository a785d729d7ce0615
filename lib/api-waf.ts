// cdk: API firewall — the regional WAF web ACL in front of the REST API stage, and its logs.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { maxRequestBodyBytes } from '../functions/platform/routes';

export interface ApiWebAclOptions {
  /** The stage the web ACL protects. */
  readonly stage: apigateway.Stage;
  /** Requests one client IP may send in any 5-minute window before WAF blocks it. */
  readonly requestsPerIpPer5Minutes: number;
  /** How long WAF logs are kept. */
  readonly retention: logs.RetentionDays;
  /** Key for the WAF log group. */
  readonly logKey: kms.IKey;
  /** The web ACL's CloudWatch metric name: the `WebACL` dimension its metrics (and the WAF alarm) use. */
  readonly metricName: string;
}

/**
 * Creates, under `scope` (ids `WebAcl`, `WafLogs`, `WafLogging`, `WebAclAssociation`), a web ACL with a per-IP
 * rate limit, a body size limit at the route table's maximum and the AWS common and known-bad-inputs rule sets,
 * logs of what it blocks or counts, and its association with the stage.
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

  const webAcl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
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
        name: 'RateLimitPerIp',
        priority: 1,
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
        name: 'BodySizeLimit',
        priority: 2,
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
      managedRuleGroup('AWSManagedRulesCommonRuleSet', 3, [
        { name: 'SizeRestrictions_BODY', actionToUse: { count: {} } },
      ]),
      managedRuleGroup('AWSManagedRulesKnownBadInputsRuleSet', 4),
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
