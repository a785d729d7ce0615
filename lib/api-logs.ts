// cdk: API logs — the JSON access-log line and the execution-log group the REST API stage writes to.
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { accessLogFields } from '../functions/platform/access-log';

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
