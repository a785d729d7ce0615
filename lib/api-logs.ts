// cdk: API logs — the JSON access-log line and the execution-log group the REST API stage writes to.
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * Fields of one access-log line: who called what and how it ended. Never bodies, never the token, never a
 * validation message (it may quote the body). Each line is one JSON object; detect reads every line through a
 * CloudWatch Logs subscription and parses it by these names (functions/detect/observations.ts: requestId,
 * requestTime, sourceIp, httpMethod, resourcePath, path, status, tenantId, principalId). API Gateway writes every
 * value as a string ("200", "-" for one it does not have).
 */
export const accessLogFields = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  // Milliseconds since the epoch: detect orders requests by it.
  requestTime: '$context.requestTimeEpoch',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  principalId: '$context.authorizer.principalId',
  // Set by the authorizer's context (functions/authorizer): the tenant and API client the token maps to; the
  // principal id is the client id too.
  tenantId: '$context.authorizer.tenantId',
  clientId: '$context.authorizer.clientId',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  authorizerError: '$context.authorizer.error',
  wafResponseCode: '$context.wafResponseCode',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
  xrayTraceId: '$context.xrayTraceId',
};

/** The stage's access-log format: one JSON object of {@link accessLogFields} per request. */
export function accessLogFormat(): apigateway.AccessLogFormat {
  return apigateway.AccessLogFormat.custom(JSON.stringify(accessLogFields));
}

/**
 * API Gateway would create the execution-log group itself, unencrypted and kept forever; own it instead (as
 * `ExecutionLogs` under `scope`), and let the stage wait for it.
 */
export function addExecutionLogGroup(
  scope: Construct,
  restApi: apigateway.RestApi,
  options: { readonly stageName: string; readonly retention: logs.RetentionDays; readonly logKey: kms.IKey },
): logs.LogGroup {
  const executionLogs = new logs.LogGroup(scope, 'ExecutionLogs', {
    logGroupName: `API-Gateway-Execution-Logs_${restApi.restApiId}/${options.stageName}`,
    retention: options.retention,
    encryptionKey: options.logKey,
  });
  restApi.deploymentStage.node.addDependency(executionLogs);
  return executionLogs;
}
