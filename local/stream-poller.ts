// local: stand-in for a Lambda event source mapping on a DynamoDB Stream — polls the Streams API of DynamoDB
// Local and invokes the real stream handler with Lambda's event shape, filters and failure semantics.
// The parts live in stream-poller/: records (event shape), shards (reading, order), batch-delivery (invoke,
// bisect, retry, record age), on-failure (the SQS destination), retry-backoff (the schedule, as data).
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import { sdkLogger } from '../functions/adapters/aws-clients';
import { assertValidStreamSource } from '../functions/platform/stream-source';
import { guardedLog } from './emulators/emulator';
import { BatchDelivery } from './stream-poller/batch-delivery';
import { errorName, PollerLifecycle } from './stream-poller/lifecycle';
import { OnFailureDestination } from './stream-poller/on-failure';
import { assertValidRetryBackoff, defaultRetryBackoff } from './stream-poller/retry-backoff';
import { ShardPolling } from './stream-poller/shards';
import type { StreamPoller, StreamPollerOptions } from './stream-poller/types';
import { wireJsonStreamsClient } from './stream-poller/wire-records';

export {
  defaultRetryBackoff,
  InvalidRetryBackoffError,
  type RetryBackoff,
  retryDelaysMs,
} from './stream-poller/retry-backoff';
export type { StreamHandler, StreamPoller, StreamPollerOptions } from './stream-poller/types';

const defaultPollIntervalMs = 250;
const shardDiscoveryIntervalMs = 1_000;

/** DynamoDB Local's ARNs carry account 000000000000; the function ARN uses the same account. */
function accountIdOf(streamArn: string): string {
  return streamArn.split(':')[4] || '000000000000';
}

async function describeStreamArn(dynamoDb: DynamoDBClient, tableName: string): Promise<string> {
  const { Table } = await dynamoDb.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.LatestStreamArn === undefined || Table.StreamSpecification?.StreamEnabled !== true) {
    throw new Error(
      `table ${tableName} has no stream; create it with StreamSpecification { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' }`,
    );
  }
  return Table.LatestStreamArn;
}

/**
 * Starts polling `tableName`'s stream and resolves once every open shard has an iterator, so with LATEST any
 * record written after this resolves is delivered. Shards are read in order, one batch in flight per shard;
 * a child shard starts after its parent is read to the end, as Lambda keeps per-item order across splits.
 */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const { source, functionName, region } = options;
  assertValidStreamSource(source);
  const retryBackoff = options.retryBackoff ?? defaultRetryBackoff;
  assertValidRetryBackoff(retryBackoff);
  const logPrefix = `[stream-poller ${functionName}]`;
  // A log that cannot be written must not stop deliveries (nor reject inside the shards' error handlers).
  const log = guardedLog(options.log ?? ((line: string) => console.log(line)), logPrefix);
  const clientConfig = {
    region,
    credentials: { ...options.credentials },
    // The poller has its own retry loops; the SDK's would only hide a dead emulator for longer.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    // It shares the stack's CPU with the handlers: no schema walk of every GetRecords answer for a silent log.
    logger: sdkLogger,
  };
  const dynamoDb = new DynamoDBClient({ ...clientConfig, endpoint: options.dynamoDbEndpoint });
  const streams = new DynamoDBStreamsClient({ ...clientConfig, endpoint: options.dynamoDbEndpoint });
  const wireStreams = wireJsonStreamsClient({ ...clientConfig, endpoint: options.dynamoDbEndpoint });
  // An explicit endpoint: fauxqs' queue URLs name a host that does not resolve everywhere.
  const sqs =
    options.onFailure === undefined
      ? undefined
      : new SQSClient({ ...clientConfig, maxAttempts: 3, endpoint: options.onFailure.sqsEndpoint });
  const destroyClients = (): void => {
    dynamoDb.destroy();
    streams.destroy();
    wireStreams.destroy();
    sqs?.destroy();
  };

  let streamArn: string;
  try {
    streamArn = await describeStreamArn(dynamoDb, options.tableName);
  } catch (error) {
    destroyClients();
    throw error;
  }
  const lifecycle = new PollerLifecycle();
  const onFailure = new OnFailureDestination({
    queue:
      sqs === undefined || options.onFailure === undefined
        ? undefined
        : { sqs, queueUrl: options.onFailure.queueUrl },
    functionArn: `arn:aws:lambda:${region}:${accountIdOf(streamArn)}:function:${functionName}`,
    streamArn,
    lifecycle,
    log,
    logPrefix,
  });
  const delivery = new BatchDelivery({
    source,
    handler: options.handler,
    functionName,
    region,
    retryBackoff,
    onFailure,
    lifecycle,
    log,
    logPrefix,
  });
  const shards = new ShardPolling({
    streams,
    wireStreams,
    streamArn,
    region,
    source,
    pollIntervalMs: options.pollIntervalMs ?? defaultPollIntervalMs,
    lifecycle,
    log,
    logPrefix,
    deliver: (shardId, batch) => delivery.deliver(shardId, batch),
  });

  try {
    await shards.discover(true);
  } catch (error) {
    destroyClients();
    throw error;
  }
  log(`${logPrefix} polling ${streamArn} (${shards.shardCount} shard(s), ${source.startingPosition})`);

  const discovery = (async () => {
    while (!lifecycle.stopping) {
      await lifecycle.pause(shardDiscoveryIntervalMs);
      if (lifecycle.stopping) {
        break;
      }
      try {
        await shards.discover(false);
      } catch (error) {
        if (!lifecycle.stopping) {
          log(`${logPrefix} shard discovery failed (${errorName(error)}); retrying`);
        }
      }
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    stop(): Promise<void> {
      stopped ??= (async () => {
        // Ends sleeps and requests in flight; an invocation in flight is awaited, never interrupted.
        lifecycle.stop();
        await discovery;
        await shards.settled();
        destroyClients();
        log(`${logPrefix} stopped`);
      })();
      return stopped;
    },
  };
}
