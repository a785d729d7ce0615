// local: the mapping's SQS on-failure destination — a metadata-only description of each discarded batch
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { errorName, type PollerLifecycle } from './lifecycle';
import { type StreamItem, shortSequenceRange } from './records';
import { defaultRetryBackoff, retryDelayMs } from './retry-backoff';

export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface DiscardedBatch {
  readonly shardId: string;
  readonly records: readonly StreamItem[];
  readonly condition: DiscardCondition;
  readonly requestId: string;
  /** 0 when the records expired before any invocation. */
  readonly invocations: number;
  /** The last invocation threw (rather than answering with failures). */
  readonly functionError: boolean;
}

export interface OnFailureDestinationState {
  /** Undefined when the mapping has no destination: discarded batches are only logged. */
  readonly queue: { readonly sqs: SQSClient; readonly queueUrl: string } | undefined;
  readonly functionArn: string;
  readonly streamArn: string;
  readonly lifecycle: PollerLifecycle;
  readonly log: (line: string) => void;
  readonly logPrefix: string;
}

/** Without seconds fractions, as Lambda writes the arrival times in DDBStreamBatchInfo. */
function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class OnFailureDestination {
  constructor(private readonly state: OnFailureDestinationState) {}

  /** Sends until the queue takes it: a discarded batch must leave a trace before the shard moves on. */
  async send(batch: DiscardedBatch): Promise<void> {
    const { queue, lifecycle, log, logPrefix } = this.state;
    const { shardId, records, condition } = batch;
    const first = records[0];
    const last = records.at(-1);
    if (queue === undefined || first === undefined || last === undefined) {
      log(
        `${logPrefix} shard=${shardId} records=${records.length} outcome=discarded (${condition}, no destination)`,
      );
      return;
    }
    const message = this.describe(batch, first, last);
    for (let attempt = 0; ; attempt += 1) {
      try {
        await queue.sqs.send(
          new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: JSON.stringify(message) }),
        );
        log(
          `${logPrefix} shard=${shardId} records=${records.length} seq=${shortSequenceRange(records)} outcome=sent-to-on-failure-destination (${condition})`,
        );
        return;
      } catch (error) {
        log(`${logPrefix} shard=${shardId} on-failure destination refused the message (${errorName(error)})`);
        if (lifecycle.stopping) {
          return;
        }
        // The poller's own backoff, not the batch's: the destination being down is not the function failing.
        await lifecycle.pause(retryDelayMs(defaultRetryBackoff, attempt));
      }
    }
  }

  /** Metadata only, never the records: they may hold personal data, and the queue is not where it belongs. */
  private describe(batch: DiscardedBatch, first: StreamItem, last: StreamItem): Record<string, unknown> {
    const { requestId, condition, invocations } = batch;
    return {
      requestContext: {
        requestId,
        functionArn: this.state.functionArn,
        condition,
        approximateInvokeCount: invocations,
      },
      ...(invocations === 0
        ? {}
        : {
            responseContext: {
              statusCode: 200,
              executedVersion: '$LATEST',
              ...(batch.functionError ? { functionError: 'Unhandled' } : {}),
            },
          }),
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId: batch.shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: isoSeconds(first.createdAtSeconds),
        approximateArrivalOfLastRecord: isoSeconds(last.createdAtSeconds),
        batchSize: batch.records.length,
        streamArn: this.state.streamArn,
      },
    };
  }
}
