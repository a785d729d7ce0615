// local: stand-in for a Lambda event source mapping on a DynamoDB Stream — polls the Streams API of DynamoDB
// Local and invokes the real stream handler with Lambda's event shape, filters and failure semantics.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as SdkStreamRecord,
  type Shard,
  type AttributeValue as StreamAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type {
  AttributeValue,
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import {
  assertValidStreamSource,
  matchesFilter,
  type StreamSourceDefinition,
} from '../functions/platform/stream-source';
import { localLambdaContext } from './lambda-context';

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
  /** One line per batch outcome and per poller problem; never record contents. @default console.log */
  readonly log?: (line: string) => void;
}

export interface StreamPoller {
  /** Stops polling at once and resolves when the invocation in flight (if any) has finished. Safe to call twice. */
  stop(): Promise<void>;
}

/** A record in the shape Lambda sends, with the two fields the poller keeps consulting pulled out. */
interface StreamItem {
  readonly record: DynamoDBRecord;
  readonly sequenceNumber: string;
  /** Epoch seconds; DynamoDB Local rounds them down to the minute, so local records look up to 59 s older. */
  readonly createdAtSeconds: number;
}

type InvocationOutcome =
  | { readonly kind: 'succeeded' }
  /** A valid `batchItemFailures` answer: every record before `firstFailedIndex` is done. */
  | { readonly kind: 'partially-failed'; readonly firstFailedIndex: number }
  /** The function threw, or its answer cannot be trusted: the whole batch failed. */
  | { readonly kind: 'failed'; readonly reason: string; readonly functionError: boolean };

/** A run of consecutive records being retried together, as Lambda retries a batch. */
interface Segment {
  readonly records: readonly StreamItem[];
  readonly retriesUsed: number;
  readonly invocations: number;
}

const defaultPollIntervalMs = 250;
const shardDiscoveryIntervalMs = 1_000;
const firstRetryDelayMs = 200;
/** Doubling from 200 ms gives a dependency about six seconds to come back over five retries. */
const maximumRetryDelayMs = 5_000;
/** The handlers do not read it for anything but logging; Lambda would say the configured timeout. */
const nominalTimeoutMs = 60_000;
/** GetRecords' maximum: one call drains what a local shard holds. */
const recordsPerRead = 1_000;

function retryDelayMs(retryIndex: number): number {
  return Math.min(firstRetryDelayMs * 2 ** retryIndex, maximumRetryDelayMs);
}

/** Duck-typed: errors from Node's timers or another realm (jest's VM contexts) fail `instanceof Error`. */
function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : typeof error;
}

function isAbort(error: unknown): boolean {
  return errorName(error) === 'AbortError';
}

/** The SDK decodes binary attributes; Lambda sends them as base64 text, as the wire format has them. */
function toLambdaAttribute(value: StreamAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map((bytes) => Buffer.from(bytes).toString('base64')) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttribute) };
  throw new Error(`stream record holds an attribute type this poller does not know: ${Object.keys(value)}`);
}

function toLambdaImage(image: Record<string, StreamAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaAttribute(value)]));
}

/** Converts what the Streams API returns into the record Lambda puts in `event.Records`. */
function toStreamItem(record: SdkStreamRecord, streamArn: string, region: string): StreamItem {
  const change = record.dynamodb;
  const sequenceNumber = change?.SequenceNumber;
  if (change === undefined || sequenceNumber === undefined) {
    throw new Error(`stream record ${record.eventID ?? '(no id)'} has no sequence number`);
  }
  // The SDK parses the timestamp into a Date; Lambda sends epoch seconds.
  const createdAtSeconds = Math.floor((change.ApproximateCreationDateTime?.getTime() ?? Date.now()) / 1000);
  const lambdaRecord: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ApproximateCreationDateTime: createdAtSeconds,
      ...(change.Keys === undefined ? {} : { Keys: toLambdaImage(change.Keys) }),
      ...(change.NewImage === undefined ? {} : { NewImage: toLambdaImage(change.NewImage) }),
      ...(change.OldImage === undefined ? {} : { OldImage: toLambdaImage(change.OldImage) }),
      SequenceNumber: sequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType,
    },
    eventSourceARN: streamArn,
    // Present only for deletions by TTL, as on AWS.
    ...(record.userIdentity === undefined
      ? {}
      : { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }),
  };
  return { record: lambdaRecord, sequenceNumber, createdAtSeconds };
}

/**
 * Lambda's rules for a stream function's answer: nothing, `{}` or an empty/null `batchItemFailures` is success;
 * an entry with a missing, empty or unknown `itemIdentifier` makes the whole batch a failure; otherwise the
 * lowest reported sequence number is the checkpoint.
 */
function interpretResponse(response: unknown, records: readonly StreamItem[]): InvocationOutcome {
  if (response === undefined || response === null) {
    return { kind: 'succeeded' };
  }
  if (typeof response !== 'object' || Array.isArray(response)) {
    // Not a StreamsEventResponse at all: fail closed rather than checkpoint past records nobody vouched for.
    return { kind: 'failed', reason: 'invalid response', functionError: false };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null || (Array.isArray(failures) && failures.length === 0)) {
    return { kind: 'succeeded' };
  }
  if (!Array.isArray(failures)) {
    return { kind: 'failed', reason: 'invalid batchItemFailures', functionError: false };
  }
  let firstFailedIndex = records.length;
  for (const failure of failures) {
    const identifier = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index =
      typeof identifier === 'string' && identifier !== ''
        ? records.findIndex((item) => item.sequenceNumber === identifier)
        : -1;
    if (index === -1) {
      return { kind: 'failed', reason: 'itemIdentifier missing or not in the batch', functionError: false };
    }
    firstFailedIndex = Math.min(firstFailedIndex, index);
  }
  return { kind: 'partially-failed', firstFailedIndex };
}

/** Without seconds fractions, as Lambda writes the arrival times in DDBStreamBatchInfo. */
function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** DynamoDB Local's ARNs carry account 000000000000; the function ARN uses the same account. */
function accountIdOf(streamArn: string): string {
  return streamArn.split(':')[4] || '000000000000';
}

function shortSequenceRange(records: readonly StreamItem[]): string {
  const first = records[0]?.sequenceNumber ?? '?';
  const last = records.at(-1)?.sequenceNumber ?? '?';
  return first === last ? first : `${first}..${last}`;
}

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

/**
 * Starts polling `tableName`'s stream and resolves once every open shard has an iterator, so with LATEST any
 * record written after this resolves is delivered. Shards are read in order, one batch in flight per shard;
 * a child shard starts after its parent is read to the end, as Lambda keeps per-item order across splits.
 */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const { source, functionName, region } = options;
  assertValidStreamSource(source);
  const log = options.log ?? ((line: string) => console.log(line));
  const pollIntervalMs = options.pollIntervalMs ?? defaultPollIntervalMs;
  const clientConfig = {
    region,
    credentials: { ...options.credentials },
    // The poller has its own retry loops; the SDK's would only hide a dead emulator for longer.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
  };
  const dynamoDb = new DynamoDBClient({ ...clientConfig, endpoint: options.dynamoDbEndpoint });
  const streams = new DynamoDBStreamsClient({ ...clientConfig, endpoint: options.dynamoDbEndpoint });
  // An explicit endpoint: fauxqs' queue URLs name a host that does not resolve everywhere.
  const sqs =
    options.onFailure === undefined
      ? undefined
      : new SQSClient({ ...clientConfig, maxAttempts: 3, endpoint: options.onFailure.sqsEndpoint });
  const destroyClients = (): void => {
    dynamoDb.destroy();
    streams.destroy();
    sqs?.destroy();
  };

  let streamArn: string;
  try {
    const { Table } = await dynamoDb.send(new DescribeTableCommand({ TableName: options.tableName }));
    if (Table?.LatestStreamArn === undefined || Table.StreamSpecification?.StreamEnabled !== true) {
      throw new Error(
        `table ${options.tableName} has no stream; create it with StreamSpecification { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' }`,
      );
    }
    streamArn = Table.LatestStreamArn;
  } catch (error) {
    destroyClients();
    throw error;
  }
  const functionArn = `arn:aws:lambda:${region}:${accountIdOf(streamArn)}:function:${functionName}`;
  const prefix = `[stream-poller ${functionName}]`;

  const abort = new AbortController();
  let stopping = false;
  const shards = new Map<string, ShardState>();
  const runningShards = new Set<Promise<void>>();

  /** Sleeps unless stop() comes first; never throws. */
  async function pause(milliseconds: number): Promise<void> {
    try {
      await sleep(Math.max(0, milliseconds), undefined, { signal: abort.signal });
    } catch (error) {
      if (!isAbort(error)) {
        throw error;
      }
    }
  }

  function lambdaContext(requestId: string): Context {
    return localLambdaContext({ functionName, requestId, region, timeoutMs: nominalTimeoutMs });
  }

  async function invoke(records: readonly StreamItem[], requestId: string): Promise<InvocationOutcome> {
    // A fresh copy each time, as Lambda sends fresh JSON: a handler (or middleware) that mutates the event
    // must not change what a retry sees.
    const event: DynamoDBStreamEvent = { Records: structuredClone(records.map((item) => item.record)) };
    try {
      return interpretResponse(await options.handler(event, lambdaContext(requestId)), records);
    } catch (error) {
      // Only the error's name: its message may quote record contents.
      return { kind: 'failed', reason: `function error ${errorName(error)}`, functionError: true };
    }
  }

  /** Sends until the queue takes it: a discarded batch must leave a trace before the shard moves on. */
  async function sendToOnFailureDestination(
    shardId: string,
    records: readonly StreamItem[],
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded',
    requestId: string,
    invocations: number,
    lastOutcome: InvocationOutcome | undefined,
  ): Promise<void> {
    const first = records[0];
    const last = records.at(-1);
    if (sqs === undefined || options.onFailure === undefined || first === undefined || last === undefined) {
      log(
        `${prefix} shard=${shardId} records=${records.length} outcome=discarded (${condition}, no destination)`,
      );
      return;
    }
    // Metadata only, never the records: they may hold personal data, and the queue is not where it belongs.
    const message = {
      requestContext: { requestId, functionArn, condition, approximateInvokeCount: invocations },
      ...(invocations === 0
        ? {}
        : {
            responseContext: {
              statusCode: 200,
              executedVersion: '$LATEST',
              ...(lastOutcome?.kind === 'failed' && lastOutcome.functionError
                ? { functionError: 'Unhandled' }
                : {}),
            },
          }),
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: isoSeconds(first.createdAtSeconds),
        approximateArrivalOfLastRecord: isoSeconds(last.createdAtSeconds),
        batchSize: records.length,
        streamArn,
      },
    };
    for (let attempt = 0; ; attempt += 1) {
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: options.onFailure.queueUrl,
            MessageBody: JSON.stringify(message),
          }),
        );
        log(
          `${prefix} shard=${shardId} records=${records.length} seq=${shortSequenceRange(records)} outcome=sent-to-on-failure-destination (${condition})`,
        );
        return;
      } catch (error) {
        log(`${prefix} shard=${shardId} on-failure destination refused the message (${errorName(error)})`);
        if (stopping) {
          return;
        }
        await pause(retryDelayMs(attempt));
      }
    }
  }

  /**
   * Invokes until every record of the batch is processed or handed to the on-failure destination, in order.
   * Bisection halves a failing batch without spending retries (as on AWS), so it ends after log2(batch size)
   * splits; a batch that cannot be split is retried `retryAttempts` times with exponential backoff.
   */
  async function deliverBatch(shardId: string, batch: readonly StreamItem[]): Promise<void> {
    const work: Segment[] = [{ records: batch, retriesUsed: 0, invocations: 0 }];
    while (work.length > 0 && !stopping) {
      const segment = work[0] as Segment;
      const nowSeconds = Date.now() / 1000;
      const firstFresh =
        source.maxRecordAgeSeconds === -1
          ? 0
          : segment.records.findIndex(
              (item) => nowSeconds - item.createdAtSeconds <= source.maxRecordAgeSeconds,
            );
      const expiredCount = firstFresh === -1 ? segment.records.length : firstFresh;
      if (expiredCount > 0) {
        // Records are in age order within a shard, so the expired ones are a prefix.
        await sendToOnFailureDestination(
          shardId,
          segment.records.slice(0, expiredCount),
          'RecordAgeExceeded',
          randomUUID(),
          segment.invocations,
          undefined,
        );
        const rest = segment.records.slice(expiredCount);
        work.splice(0, 1, ...(rest.length > 0 ? [{ ...segment, records: rest }] : []));
        continue;
      }

      const requestId = randomUUID();
      const outcome = await invoke(segment.records, requestId);
      const invocations = segment.invocations + 1;
      const described = `${prefix} shard=${shardId} records=${segment.records.length} seq=${shortSequenceRange(segment.records)}`;
      if (outcome.kind === 'succeeded') {
        log(`${described} outcome=succeeded`);
        work.shift();
        continue;
      }
      const failedFrom = outcome.kind === 'partially-failed' ? outcome.firstFailedIndex : 0;
      const remaining = segment.records.slice(failedFrom);
      const reason = outcome.kind === 'failed' ? outcome.reason : `item failure at ${failedFrom}`;
      // With ReportBatchItemFailures Lambda splits at the checkpoint and retries only the rest, unhalved;
      // halving is for batches that failed as a whole.
      if (outcome.kind === 'failed' && source.bisectBatchOnFunctionError && remaining.length > 1) {
        const middle = Math.ceil(remaining.length / 2);
        log(`${described} outcome=bisected (${reason})`);
        work.splice(
          0,
          1,
          { records: remaining.slice(0, middle), retriesUsed: segment.retriesUsed, invocations: 0 },
          { records: remaining.slice(middle), retriesUsed: segment.retriesUsed, invocations: 0 },
        );
        continue;
      }
      if (source.retryAttempts !== -1 && segment.retriesUsed >= source.retryAttempts) {
        log(`${described} outcome=retries-exhausted (${reason})`);
        await sendToOnFailureDestination(
          shardId,
          remaining,
          'RetryAttemptsExhausted',
          requestId,
          invocations,
          outcome,
        );
        work.shift();
        continue;
      }
      const delay = retryDelayMs(segment.retriesUsed);
      log(
        `${described} outcome=failed (${reason}); retry ${segment.retriesUsed + 1}/${source.retryAttempts === -1 ? 'unlimited' : source.retryAttempts} of ${remaining.length} in ${delay} ms`,
      );
      await pause(delay);
      work[0] = { records: remaining, retriesUsed: segment.retriesUsed + 1, invocations };
    }
  }

  async function acquireIterator(shard: ShardState): Promise<string | undefined> {
    const position =
      shard.lastReadSequenceNumber === undefined
        ? { ShardIteratorType: shard.startingPosition }
        : {
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const,
            SequenceNumber: shard.lastReadSequenceNumber,
          };
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.shardId, ...position }),
      { abortSignal: abort.signal },
    );
    return ShardIterator;
  }

  /** Reads one page into `pending` (matching records only) and returns how many records the page held. */
  async function readPage(shard: ShardState, pending: StreamItem[]): Promise<number> {
    let page: GetRecordsCommandOutput;
    try {
      shard.iterator ??= await acquireIterator(shard);
      if (shard.iterator === undefined) {
        shard.ended = true;
        return 0;
      }
      page = await streams.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: recordsPerRead }),
        { abortSignal: abort.signal },
      );
    } catch (error) {
      switch (errorName(error)) {
        case 'ExpiredIteratorException':
          // Iterators live 15 minutes; resume right after the last record read.
          shard.iterator = undefined;
          return 0;
        case 'TrimmedDataAccessException':
          log(
            `${prefix} shard=${shard.shardId} records past the retention were trimmed; resuming at the oldest`,
          );
          shard.iterator = undefined;
          shard.lastReadSequenceNumber = undefined;
          shard.startingPosition = 'TRIM_HORIZON';
          return 0;
        case 'ResourceNotFoundException':
          log(`${prefix} shard=${shard.shardId} no longer exists; treating it as ended`);
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

  async function consumeShard(shard: ShardState): Promise<void> {
    const pending: StreamItem[] = [];
    const batchingWindowMs = source.maximumBatchingWindowSeconds * 1000;
    let windowEndsAt: number | undefined;
    let readFailures = 0;
    while (!stopping) {
      if (!shard.ended && pending.length < source.batchSize) {
        let received: number;
        try {
          received = await readPage(shard, pending);
          readFailures = 0;
        } catch (error) {
          if (stopping) {
            break;
          }
          log(`${prefix} shard=${shard.shardId} read failed (${errorName(error)}); retrying`);
          await pause(retryDelayMs(readFailures));
          readFailures += 1;
          continue;
        }
        if (pending.length === 0) {
          if (shard.ended) {
            break;
          }
          if (received === 0) {
            await pause(pollIntervalMs);
          }
          continue;
        }
        windowEndsAt ??= Date.now() + batchingWindowMs;
        // Keep gathering until the batch is full or the batching window closes, as Lambda does.
        if (!shard.ended && pending.length < source.batchSize && Date.now() < windowEndsAt) {
          if (received === 0) {
            await pause(Math.min(pollIntervalMs, windowEndsAt - Date.now()));
          }
          continue;
        }
      }
      if (pending.length === 0) {
        break;
      }
      windowEndsAt = undefined;
      await deliverBatch(shard.shardId, pending.splice(0, source.batchSize));
    }
  }

  function startReadyShards(): void {
    for (const shard of shards.values()) {
      const parent = shard.parentShardId === undefined ? undefined : shards.get(shard.parentShardId);
      // A parent that is gone (trimmed) is as good as finished.
      if (stopping || shard.status !== 'waiting' || (parent !== undefined && parent.status !== 'finished')) {
        continue;
      }
      shard.status = 'running';
      const run = consumeShard(shard)
        .catch((error: unknown) => {
          log(`${prefix} shard=${shard.shardId} stopped on an unexpected error (${errorName(error)})`);
        })
        .finally(() => {
          runningShards.delete(run);
          if (!stopping && shard.ended) {
            shard.status = 'finished';
            log(`${prefix} shard=${shard.shardId} read to its end`);
            startReadyShards();
          } else if (!stopping) {
            // An unexpected error: start the shard again from where it was, on the next discovery.
            shard.status = 'waiting';
          }
        });
      runningShards.add(run);
    }
  }

  async function listShards(): Promise<Shard[]> {
    const listed: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
        { abortSignal: abort.signal },
      );
      listed.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return listed;
  }

  /**
   * Registers shards not seen before. At start the mapping's starting position applies (with LATEST, closed
   * shards are skipped and open ones get their iterator now); shards that appear later are new since we started
   * and are read from their beginning.
   */
  async function discoverShards(initial: boolean): Promise<void> {
    for (const shard of await listShards()) {
      if (shard.ShardId === undefined || shards.has(shard.ShardId)) {
        continue;
      }
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      const latest = initial && source.startingPosition === 'LATEST';
      const state: ShardState = {
        shardId: shard.ShardId,
        parentShardId: shard.ParentShardId,
        status: latest && closed ? 'finished' : 'waiting',
        startingPosition: latest ? 'LATEST' : 'TRIM_HORIZON',
        iterator: undefined,
        lastReadSequenceNumber: undefined,
        ended: latest && closed,
      };
      if (latest && !closed) {
        state.iterator = await acquireIterator(state);
      }
      shards.set(shard.ShardId, state);
    }
    startReadyShards();
  }

  try {
    await discoverShards(true);
  } catch (error) {
    destroyClients();
    throw error;
  }
  log(`${prefix} polling ${streamArn} (${shards.size} shard(s), ${source.startingPosition})`);

  const discovery = (async () => {
    while (!stopping) {
      await pause(shardDiscoveryIntervalMs);
      if (stopping) {
        break;
      }
      try {
        await discoverShards(false);
      } catch (error) {
        if (!stopping) {
          log(`${prefix} shard discovery failed (${errorName(error)}); retrying`);
        }
      }
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    stop(): Promise<void> {
      stopped ??= (async () => {
        stopping = true;
        // Ends sleeps and requests in flight; an invocation in flight is awaited, never interrupted.
        abort.abort();
        await discovery;
        while (runningShards.size > 0) {
          await Promise.all([...runningShards]);
        }
        destroyClients();
        log(`${prefix} stopped`);
      })();
      return stopped;
    },
  };
}
