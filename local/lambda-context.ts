// local: the Lambda context object the local gateway and stream poller hand to the real handlers.
import type { Context } from 'aws-lambda';

export function localLambdaContext(options: {
  readonly functionName: string;
  readonly requestId: string;
  readonly region: string;
  readonly timeoutMs: number;
}): Context {
  const deadline = Date.now() + options.timeoutMs;
  const { functionName } = options;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: options.requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
