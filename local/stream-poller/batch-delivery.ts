// local: delivering one batch as Lambda does — invoke, read the answer, bisect, retry with backoff, record age,
// and hand what cannot be delivered to the on-failure destination, all in stream order
import { randomUUID } from 'node:crypto';
import type { StreamSourceDefinition } from '../../functions/platform/stream-source';
import { type InvocationOutcome, invokeStreamHandler } from './invocation';
import type { PollerLifecycle } from './lifecycle';
import type { OnFailureDestination } from './on-failure';
import { type StreamItem, shortSequenceRange } from './records';
import { type RetryBackoff, retryDelayMs } from './retry-backoff';
import type { StreamHandler } from './types';

/** A run of consecutive records being retried together, as Lambda retries a batch. */
interface Segment {
  readonly records: readonly StreamItem[];
  readonly retriesUsed: number;
  readonly invocations: number;
}

export interface BatchDeliveryState {
  readonly source: StreamSourceDefinition;
  readonly handler: StreamHandler;
  readonly functionName: string;
  readonly region: string;
  readonly retryBackoff: RetryBackoff;
  readonly onFailure: OnFailureDestination;
  readonly lifecycle: PollerLifecycle;
  readonly log: (line: string) => void;
  readonly logPrefix: string;
}

export class BatchDelivery {
  constructor(private readonly state: BatchDeliveryState) {}

  /**
   * Invokes until every record of the batch is processed or handed to the on-failure destination, in order.
   * Bisection halves a failing batch without spending retries (as on AWS), so it ends after log2(batch size)
   * splits; a batch that cannot be split is retried `retryAttempts` times with the retry backoff.
   */
  async deliver(shardId: string, batch: readonly StreamItem[]): Promise<void> {
    const work: Segment[] = [{ records: batch, retriesUsed: 0, invocations: 0 }];
    while (work.length > 0 && !this.state.lifecycle.stopping) {
      const segment = work[0] as Segment;
      const expiredCount = this.expiredPrefixLength(segment.records);
      if (expiredCount > 0) {
        await this.state.onFailure.send({
          shardId,
          records: segment.records.slice(0, expiredCount),
          condition: 'RecordAgeExceeded',
          requestId: randomUUID(),
          invocations: segment.invocations,
          functionError: false,
        });
        const rest = segment.records.slice(expiredCount);
        work.splice(0, 1, ...(rest.length > 0 ? [{ ...segment, records: rest }] : []));
        continue;
      }
      const requestId = randomUUID();
      const outcome = await invokeStreamHandler(this.state, segment.records, requestId);
      work.splice(0, 1, ...(await this.afterInvocation(shardId, segment, outcome, requestId)));
    }
  }

  /** Records are in age order within a shard, so the expired ones are a prefix. */
  private expiredPrefixLength(records: readonly StreamItem[]): number {
    const { maxRecordAgeSeconds } = this.state.source;
    if (maxRecordAgeSeconds === -1) {
      return 0;
    }
    const nowSeconds = Date.now() / 1000;
    const firstFresh = records.findIndex((item) => nowSeconds - item.createdAtSeconds <= maxRecordAgeSeconds);
    return firstFresh === -1 ? records.length : firstFresh;
  }

  /** What is left to do for `segment` after one invocation: nothing, two halves, or the rest to retry. */
  private async afterInvocation(
    shardId: string,
    segment: Segment,
    outcome: InvocationOutcome,
    requestId: string,
  ): Promise<Segment[]> {
    const { source, log, logPrefix, lifecycle } = this.state;
    const invocations = segment.invocations + 1;
    const described = `${logPrefix} shard=${shardId} records=${segment.records.length} seq=${shortSequenceRange(segment.records)}`;
    if (outcome.kind === 'succeeded') {
      log(`${described} outcome=succeeded`);
      return [];
    }
    const failedFrom = outcome.kind === 'partially-failed' ? outcome.firstFailedIndex : 0;
    const remaining = segment.records.slice(failedFrom);
    const reason = outcome.kind === 'failed' ? outcome.reason : `item failure at ${failedFrom}`;
    // With ReportBatchItemFailures Lambda splits at the checkpoint and retries only the rest, unhalved;
    // halving is for batches that failed as a whole.
    if (outcome.kind === 'failed' && source.bisectBatchOnFunctionError && remaining.length > 1) {
      const middle = Math.ceil(remaining.length / 2);
      log(`${described} outcome=bisected (${reason})`);
      return [
        { records: remaining.slice(0, middle), retriesUsed: segment.retriesUsed, invocations: 0 },
        { records: remaining.slice(middle), retriesUsed: segment.retriesUsed, invocations: 0 },
      ];
    }
    if (source.retryAttempts !== -1 && segment.retriesUsed >= source.retryAttempts) {
      log(`${described} outcome=retries-exhausted (${reason})`);
      await this.state.onFailure.send({
        shardId,
        records: remaining,
        condition: 'RetryAttemptsExhausted',
        requestId,
        invocations,
        functionError: outcome.kind === 'failed' && outcome.functionError,
      });
      return [];
    }
    const delay = retryDelayMs(this.state.retryBackoff, segment.retriesUsed);
    log(
      `${described} outcome=failed (${reason}); retry ${segment.retriesUsed + 1}/${source.retryAttempts === -1 ? 'unlimited' : source.retryAttempts} of ${remaining.length} in ${delay} ms`,
    );
    await lifecycle.pause(delay);
    return [{ records: remaining, retriesUsed: segment.retriesUsed + 1, invocations }];
  }
}
