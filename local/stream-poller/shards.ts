// local: the stream's shards — discovery, iterators, reading pages into batches, and parent-before-child order
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { matchesFilter, type StreamSourceDefinition } from '../../functions/platform/stream-source';
import { errorName, type PollerLifecycle } from './lifecycle';
import { type StreamItem, toStreamItem } from './records';
import { defaultRetryBackoff, retryDelayMs } from './retry-backoff';
import { getWireRecords, type WireGetRecordsOutput } from './wire-records';

/** GetRecords' maximum: one call drains what a local shard holds. */
const recordsPerRead = 1_000;

interface ShardState {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  status: 'waiting' | 'running' | 'finished';
  /** Where to start when there is no iterator and nothing was read yet. */
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  iterator: string | undefined;
  /** The last record read (filtered out or not): an expired iterator resumes right after it. */
  lastReadSequenceNumber: string | undefined;
  /** No NextShardIterator came back: the shard is closed and read to its end. */
  ended: boolean;
}

export interface ShardPollingState {
  readonly streams: DynamoDBStreamsClient;
  /** For GetRecords: answers the wire's JSON, in Lambda's record shape already (wire-records.ts). */
  readonly wireStreams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly region: string;
  readonly source: StreamSourceDefinition;
  readonly pollIntervalMs: number;
  readonly lifecycle: PollerLifecycle;
  readonly log: (line: string) => void;
  readonly logPrefix: string;
  /** Resolves once the batch is delivered or handed to the on-failure destination; one at a time per shard. */
  readonly deliver: (shardId: string, batch: readonly StreamItem[]) => Promise<void>;
}

/**
 * Reads every shard in order, one batch in flight per shard; a child shard starts after its parent is read to
 * the end, as Lambda keeps per-item order across splits.
 */
export class ShardPolling {
  private readonly shards = new Map<string, ShardState>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly state: ShardPollingState) {}

  get shardCount(): number {
    return this.shards.size;
  }

  /**
   * Registers shards not seen before. At start the mapping's starting position applies (with LATEST, closed
   * shards are skipped and open ones get their iterator now); shards that appear later are new since we started
   * and are read from their beginning.
   */
  async discover(initial: boolean): Promise<void> {
    for (const shard of await this.listShards()) {
      if (shard.ShardId === undefined || this.shards.has(shard.ShardId)) {
        continue;
      }
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      const latest = initial && this.state.source.startingPosition === 'LATEST';
      const shardState: ShardState = {
        shardId: shard.ShardId,
        parentShardId: shard.ParentShardId,
        status: latest && closed ? 'finished' : 'waiting',
        startingPosition: latest ? 'LATEST' : 'TRIM_HORIZON',
        iterator: undefined,
        lastReadSequenceNumber: undefined,
        ended: latest && closed,
      };
      if (latest && !closed) {
        shardState.iterator = await this.acquireIterator(shardState);
      }
      this.shards.set(shard.ShardId, shardState);
    }
    this.startReadyShards();
  }

  /** Resolves when no shard is being consumed any more (after stop, or when all are read to their end). */
  async settled(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.all([...this.running]);
    }
  }

  private async listShards(): Promise<Shard[]> {
    const listed: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.state.streams.send(
        new DescribeStreamCommand({
          StreamArn: this.state.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
        { abortSignal: this.state.lifecycle.signal },
      );
      listed.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return listed;
  }

  private startReadyShards(): void {
    const { lifecycle, log, logPrefix } = this.state;
    for (const shard of this.shards.values()) {
      const parent = shard.parentShardId === undefined ? undefined : this.shards.get(shard.parentShardId);
      // A parent that is gone (trimmed) is as good as finished.
      if (
        lifecycle.stopping ||
        shard.status !== 'waiting' ||
        (parent !== undefined && parent.status !== 'finished')
      ) {
        continue;
      }
      shard.status = 'running';
      const run = this.consume(shard)
        .catch((error: unknown) => {
          log(`${logPrefix} shard=${shard.shardId} stopped on an unexpected error (${errorName(error)})`);
        })
        .finally(() => {
          this.running.delete(run);
          if (!lifecycle.stopping && shard.ended) {
            shard.status = 'finished';
            log(`${logPrefix} shard=${shard.shardId} read to its end`);
            this.startReadyShards();
          } else if (!lifecycle.stopping) {
            // An unexpected error: start the shard again from where it was, on the next discovery.
            shard.status = 'waiting';
          }
        });
      this.running.add(run);
    }
  }

  private async consume(shard: ShardState): Promise<void> {
    const { source, lifecycle, log, logPrefix, pollIntervalMs } = this.state;
    const pending: StreamItem[] = [];
    const batchingWindowMs = source.maximumBatchingWindowSeconds * 1000;
    let windowEndsAt: number | undefined;
    let readFailures = 0;
    while (!lifecycle.stopping) {
      if (!shard.ended && pending.length < source.batchSize) {
        let received: number;
        try {
          received = await this.readPage(shard, pending);
          readFailures = 0;
        } catch (error) {
          if (lifecycle.stopping) {
            break;
          }
          log(`${logPrefix} shard=${shard.shardId} read failed (${errorName(error)}); retrying`);
          await lifecycle.pause(retryDelayMs(defaultRetryBackoff, readFailures));
          readFailures += 1;
          continue;
        }
        if (pending.length === 0) {
          if (shard.ended) {
            break;
          }
          if (received === 0) {
            await lifecycle.pause(pollIntervalMs);
          }
          continue;
        }
        windowEndsAt ??= Date.now() + batchingWindowMs;
        // Keep gathering until the batch is full or the batching window closes, as Lambda does.
        if (!shard.ended && pending.length < source.batchSize && Date.now() < windowEndsAt) {
          if (received === 0) {
            await lifecycle.pause(Math.min(pollIntervalMs, windowEndsAt - Date.now()));
          }
          continue;
        }
      }
      if (pending.length === 0) {
        break;
      }
      windowEndsAt = undefined;
      await this.state.deliver(shard.shardId, pending.splice(0, source.batchSize));
    }
  }

  private async acquireIterator(shard: ShardState): Promise<string | undefined> {
    const position =
      shard.lastReadSequenceNumber === undefined
        ? { ShardIteratorType: shard.startingPosition }
        : {
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const,
            SequenceNumber: shard.lastReadSequenceNumber,
          };
    const { ShardIterator } = await this.state.streams.send(
      new GetShardIteratorCommand({ StreamArn: this.state.streamArn, ShardId: shard.shardId, ...position }),
      { abortSignal: this.state.lifecycle.signal },
    );
    return ShardIterator;
  }

  /** Reads one page into `pending` (matching records only) and returns how many records the page held. */
  private async readPage(shard: ShardState, pending: StreamItem[]): Promise<number> {
    const { wireStreams, streamArn, region, source, lifecycle, log, logPrefix } = this.state;
    let page: WireGetRecordsOutput;
    try {
      shard.iterator ??= await this.acquireIterator(shard);
      if (shard.iterator === undefined) {
        shard.ended = true;
        return 0;
      }
      page = await getWireRecords(
        wireStreams,
        { ShardIterator: shard.iterator, Limit: recordsPerRead },
        lifecycle.signal,
      );
    } catch (error) {
      switch (errorName(error)) {
        case 'ExpiredIteratorException':
          // Iterators live 15 minutes; resume right after the last record read.
          shard.iterator = undefined;
          return 0;
        case 'TrimmedDataAccessException':
          log(
            `${logPrefix} shard=${shard.shardId} records past the retention were trimmed; resuming at the oldest`,
          );
          shard.iterator = undefined;
          shard.lastReadSequenceNumber = undefined;
          shard.startingPosition = 'TRIM_HORIZON';
          return 0;
        case 'ResourceNotFoundException':
          log(`${logPrefix} shard=${shard.shardId} no longer exists; treating it as ended`);
          shard.ended = true;
          return 0;
        default:
          throw error;
      }
    }
    const records = page.Records ?? [];
    // Converted before any state changes: if one record cannot be, the page is read again, not half-taken.
    const items = records.map((raw) => toStreamItem(raw, streamArn, region));
    const last = items.at(-1);
    if (last !== undefined) {
      shard.lastReadSequenceNumber = last.sequenceNumber;
    }
    // Lambda drops records that match no filter before batching and moves past them.
    pending.push(...items.filter((item) => matchesFilter(item.record, source.filterPatterns)));
    shard.iterator = page.NextShardIterator ?? undefined;
    shard.ended = shard.iterator === undefined;
    return records.length;
  }
}
