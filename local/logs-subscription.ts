// local: the stand-in for CloudWatch Logs subscription filters — log lines put into named log groups are matched
// against each filter's pattern, batched per log group and stream, and delivered to a Lambda handler as
// `{ awslogs: { data: base64(gzip(JSON)) } }`, exactly the payload CloudWatch Logs sends.
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent, Context } from 'aws-lambda';
import { guardedLog } from './emulators/emulator';
import { localLambdaContext } from './lambda-context';
import { compileFilterPattern, type LogFilterPattern } from './logs-subscription/filter-pattern';

export { UnsupportedLogFilterPatternError } from './logs-subscription/filter-pattern';

export interface LogSubscriptionFilter {
  /** The subscription filter's name; CloudWatch lists it in `subscriptionFilters`. */
  readonly name: string;
  readonly logGroup: string;
  /** A CloudWatch Logs filter pattern; see logs-subscription/filter-pattern.ts for what is implemented. */
  readonly pattern: string;
}

export type LogsSubscriptionHandler = (event: CloudWatchLogsEvent, context: Context) => Promise<unknown>;

export interface LogsSubscriptionOptions {
  readonly handler: LogsSubscriptionHandler;
  readonly filters: readonly LogSubscriptionFilter[];
  /**
   * How long the first event of a batch waits for others. CloudWatch Logs delivers roughly once a second; shorter
   * here keeps local detection well inside its 10 s target. @default 200
   */
  readonly batchIntervalMs?: number;
  /** Events per invocation at most; a fuller batch is delivered at once. @default 500 */
  readonly maxBatch?: number;
  /**
   * Waits before each retry of a failed invocation. CloudWatch Logs invokes the destination function
   * asynchronously, and Lambda retries a failed asynchronous invocation twice (after about 1 and 2 minutes);
   * locally the same two retries come sooner. @default [200, 1000]
   */
  readonly retryDelaysMs?: readonly number[];
  /** An invocation running longer fails as a Lambda timeout would. @default 30000 */
  readonly timeoutMs?: number;
  /** @default 'detect' */
  readonly functionName?: string;
  /** @default 'eu-central-1' */
  readonly region?: string;
  /** The account id CloudWatch writes as `owner`. @default '000000000000' */
  readonly owner?: string;
  /**
   * Invoke the handler once per filter at start with the CONTROL_MESSAGE CloudWatch sends when a subscription
   * filter is created, so the handler's "ignore control messages" path runs locally too. @default true
   */
  readonly sendControlMessages?: boolean;
  /** One line per dropped batch, refused put and handler failure. @default - nothing is logged */
  readonly log?: (line: string) => void;
}

export interface LogsSubscriptionStats {
  /** put() calls accepted. */
  readonly received: number;
  /** Events matched by a filter, counted once per filter. */
  readonly matched: number;
  /** Events delivered to a handler invocation that succeeded. */
  readonly delivered: number;
  readonly invocations: number;
  readonly failedInvocations: number;
  /** Events given up on after the last retry (or refused: unknown log group, unserializable, after stop). */
  readonly dropped: number;
  /** Events waiting in a batch or in an invocation not finished yet. */
  readonly pending: number;
}

export interface LogsSubscription {
  /**
   * Adds one log event to `logGroup`; an object is written as its JSON line, as a structured logger would. Never
   * throws: what cannot be taken is counted as dropped and logged.
   */
  put(logGroup: string, message: string | object, timestamp?: number, logStream?: string): void;
  /** Delivers every pending batch now and resolves when each has succeeded or been given up on. */
  flush(): Promise<void>;
  /** Takes no more events, delivers what is pending (retries included) and waits for invocations in flight. */
  stop(): Promise<void>;
  stats(): LogsSubscriptionStats;
}

interface PendingBatch {
  readonly filter: LogSubscriptionFilter;
  readonly logGroup: string;
  readonly logStream: string;
  readonly events: { id: string; timestamp: number; message: string }[];
  timer?: NodeJS.Timeout;
}

interface CompiledFilter {
  readonly filter: LogSubscriptionFilter;
  readonly pattern: LogFilterPattern;
}

/** CloudWatch event ids are 56-digit decimal strings that grow with time; unique per stand-in and ordered per ms. */
function eventIdGenerator(): (timestamp: number) => string {
  let sequence = 0n;
  const instance = BigInt(`0x${randomBytes(6).toString('hex')}`);
  return (timestamp) => {
    sequence += 1n;
    const id = (BigInt(Math.max(0, Math.trunc(timestamp))) << 128n) | (sequence << 48n) | instance;
    return id.toString().padStart(56, '0');
  };
}

/** The `awslogs.data` CloudWatch Logs sends: the JSON document, gzipped, in base64. */
export function encodeLogsPayload(document: CloudWatchLogsDecodedData): CloudWatchLogsEvent {
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(document))).toString('base64') } };
}

export function startLogsSubscription(options: LogsSubscriptionOptions): LogsSubscription {
  const batchIntervalMs = options.batchIntervalMs ?? 200;
  const maxBatch = options.maxBatch ?? 500;
  const retryDelaysMs = options.retryDelaysMs ?? [200, 1000];
  const timeoutMs = options.timeoutMs ?? 30_000;
  const functionName = options.functionName ?? 'detect';
  const region = options.region ?? 'eu-central-1';
  const owner = options.owner ?? '000000000000';
  if (!Number.isInteger(maxBatch) || maxBatch < 1) {
    throw new RangeError(`maxBatch must be a whole number ≥ 1, got ${maxBatch}`);
  }
  const log = guardedLog(options.log ?? (() => undefined), 'logs subscription');
  // Compiled up front: an unsupported pattern fails the start, not the first matching event.
  const filtersByGroup = new Map<string, CompiledFilter[]>();
  const names = new Set<string>();
  for (const filter of options.filters) {
    if (names.has(`${filter.logGroup}\n${filter.name}`)) {
      throw new Error(`subscription filter ${filter.name} is defined twice on ${filter.logGroup}`);
    }
    names.add(`${filter.logGroup}\n${filter.name}`);
    const compiled = { filter, pattern: compileFilterPattern(filter.pattern) };
    filtersByGroup.set(filter.logGroup, [...(filtersByGroup.get(filter.logGroup) ?? []), compiled]);
  }

  const nextEventId = eventIdGenerator();
  const batches = new Map<string, PendingBatch>();
  /** Per filter, group and stream, deliveries run one after another, in order, as one shard's would. */
  const deliveryChains = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  const reportedUnknownGroups = new Set<string>();
  let stopped = false;
  const counters = {
    received: 0,
    matched: 0,
    delivered: 0,
    invocations: 0,
    failedInvocations: 0,
    dropped: 0,
  };
  let inFlightEvents = 0;

  const invokeOnce = async (event: CloudWatchLogsEvent): Promise<void> => {
    const context = localLambdaContext({ functionName, requestId: randomUUID(), region, timeoutMs });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Task timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    counters.invocations += 1;
    try {
      // Wrapped so a handler that throws synchronously fails this invocation like a rejected promise.
      await Promise.race([Promise.resolve().then(() => options.handler(event, context)), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };

  /** One asynchronous invocation with Lambda's retries; never rejects. */
  const deliver = async (
    event: CloudWatchLogsEvent,
    eventCount: number,
    description: string,
  ): Promise<void> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await invokeOnce(event);
        counters.delivered += eventCount;
        return;
      } catch (error) {
        counters.failedInvocations += 1;
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        const delay = retryDelaysMs[attempt];
        if (delay === undefined) {
          counters.dropped += eventCount;
          // What Lambda does with an asynchronous invocation that failed every attempt and has no on-failure
          // destination or dead-letter queue; on AWS one can be configured on the detect function.
          log(
            `${description}: dropped ${eventCount} event(s) after ${attempt + 1} attempt(s), last error ${reason}`,
          );
          return;
        }
        log(`${description}: attempt ${attempt + 1} failed (${reason}); retrying in ${delay} ms`);
        await sleep(delay);
      }
    }
  };

  const dispatch = (key: string): void => {
    const batch = batches.get(key);
    if (batch === undefined) return;
    batches.delete(key);
    clearTimeout(batch.timer);
    const document: CloudWatchLogsDecodedData = {
      messageType: 'DATA_MESSAGE',
      owner,
      logGroup: batch.logGroup,
      logStream: batch.logStream,
      subscriptionFilters: [batch.filter.name],
      logEvents: batch.events,
    };
    const eventCount = batch.events.length;
    inFlightEvents += eventCount;
    const description = `${batch.logGroup} (${batch.filter.name})`;
    const previous = deliveryChains.get(key) ?? Promise.resolve();
    const delivery = previous
      .then(() => deliver(encodeLogsPayload(document), eventCount, description))
      .catch((error: unknown) => log(`${description}: delivery failed unexpectedly: ${String(error)}`))
      .finally(() => {
        inFlightEvents -= eventCount;
        inFlight.delete(delivery);
        if (deliveryChains.get(key) === delivery) deliveryChains.delete(key);
      });
    deliveryChains.set(key, delivery);
    inFlight.add(delivery);
  };

  const sendControlMessages = (): void => {
    for (const compiled of [...filtersByGroup.values()].flat()) {
      // CloudWatch's health check of a new destination; it carries no log data and must be ignored.
      const document: CloudWatchLogsDecodedData = {
        messageType: 'CONTROL_MESSAGE',
        owner: 'CloudwatchLogs',
        logGroup: '',
        logStream: '',
        subscriptionFilters: [],
        logEvents: [
          {
            id: '',
            timestamp: Date.now(),
            message: 'CWL CONTROL MESSAGE: Checking health of destination Lambda function.',
          },
        ],
      };
      const delivery = deliver(
        encodeLogsPayload(document),
        0,
        `${compiled.filter.logGroup} (control message)`,
      );
      inFlight.add(delivery);
      void delivery.finally(() => inFlight.delete(delivery));
    }
  };
  if (options.sendControlMessages ?? true) sendControlMessages();

  const put = (logGroup: string, message: string | object, timestamp?: number, logStream = 'local'): void => {
    try {
      if (stopped) {
        counters.dropped += 1;
        log(`${logGroup}: event after stop() dropped`);
        return;
      }
      const line = typeof message === 'string' ? message : JSON.stringify(message);
      if (typeof line !== 'string') throw new TypeError('the message has no JSON form');
      counters.received += 1;
      const filters = filtersByGroup.get(logGroup);
      if (filters === undefined) {
        // A log group without a subscription filter: CloudWatch stores the event and delivers nothing.
        if (!reportedUnknownGroups.has(logGroup)) {
          reportedUnknownGroups.add(logGroup);
          log(`${logGroup}: no subscription filter; its events are not delivered`);
        }
        return;
      }
      const eventTime = timestamp ?? Date.now();
      for (const { filter, pattern } of filters) {
        if (!pattern.matches(line)) continue;
        counters.matched += 1;
        const key = `${filter.name}\n${logGroup}\n${logStream}`;
        let batch = batches.get(key);
        if (batch === undefined) {
          batch = { filter, logGroup, logStream, events: [] };
          batches.set(key, batch);
          const timer = setTimeout(() => dispatch(key), batchIntervalMs);
          // A waiting batch must not keep the process alive; stop() and flush() deliver it.
          timer.unref();
          batch.timer = timer;
        }
        batch.events.push({ id: nextEventId(eventTime), timestamp: eventTime, message: line });
        if (batch.events.length >= maxBatch) dispatch(key);
      }
    } catch (error) {
      counters.dropped += 1;
      log(`${logGroup}: event dropped, it could not be taken (${String(error)})`);
    }
  };

  const flush = async (): Promise<void> => {
    for (const key of [...batches.keys()]) dispatch(key);
    // Deliveries chain per key, so waiting for the current set waits for everything dispatched so far.
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };

  return {
    put,
    flush,
    stop: async () => {
      stopped = true;
      await flush();
    },
    stats: () => ({
      ...counters,
      pending:
        inFlightEvents + [...batches.values()].reduce((total, batch) => total + batch.events.length, 0),
    }),
  };
}
