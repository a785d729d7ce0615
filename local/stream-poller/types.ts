// local: the stream poller's public types — the handler it invokes, its options and the running poller
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { StreamSourceDefinition } from '../../functions/platform/stream-source';
import type { RetryBackoff } from './retry-backoff';

/** The stream handler's own type (as `DynamoDBStreamHandler`, minus the legacy callback). */
export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
  // biome-ignore lint/suspicious/noConfusingVoidType: the aws-lambda type itself allows handlers returning nothing
) => Promise<DynamoDBBatchResponse | void>;

export interface StreamPollerOptions {
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  /** Reported as the records' `awsRegion` (DynamoDB Local says "ddblocal") and used in the function ARN. */
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly source: StreamSourceDefinition;
  readonly handler: StreamHandler;
  /** Where discarded batches are described (metadata only), as the mapping's SQS on-failure destination. */
  readonly onFailure?: { readonly sqsEndpoint: string; readonly queueUrl: string };
  readonly functionName: string;
  /** Pause between reads of a shard that had nothing new. @default 250 (Lambda polls four times a second) */
  readonly pollIntervalMs?: number;
  /**
   * Waits between retries of a failed batch (the source's `retryAttempts` bounds how many).
   * @default defaultRetryBackoff - 200 ms doubling up to 5 s
   */
  readonly retryBackoff?: RetryBackoff;
  /** One line per batch outcome and per poller problem; never record contents. @default console.log */
  readonly log?: (line: string) => void;
}

export interface StreamPoller {
  /** Stops polling at once and resolves when the invocation in flight (if any) has finished. Safe to call twice. */
  stop(): Promise<void>;
}
