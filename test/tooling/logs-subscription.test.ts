// test: the local CloudWatch Logs subscription stand-in delivers log lines to a handler as CloudWatch Logs does —
// the exact payload (decoded and compared), batching per log group and stream, filter patterns, Lambda's
// asynchronous retries with a deterministic fault, flush() and stop(). In this process; no emulator needed.
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent, Context } from 'aws-lambda';
import {
  type LogsSubscription,
  type LogsSubscriptionOptions,
  startLogsSubscription,
  UnsupportedLogFilterPatternError,
} from '../../local/logs-subscription';

const accessLogGroup = 'api-access';
const writeLogGroup = '/aws/lambda/ledgerlock-api-write';
const signalFilter = {
  name: 'security-signals',
  logGroup: writeLogGroup,
  pattern: '{ $.securitySignal = "*" }',
};
const accessFilter = { name: 'request-outcomes', logGroup: accessLogGroup, pattern: '' };

function decode(event: CloudWatchLogsEvent): CloudWatchLogsDecodedData {
  return JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'));
}

/** Records every invocation; fails the next `failNext` ones (deterministic fault), after recording them. */
class RecordingHandler {
  readonly events: CloudWatchLogsEvent[] = [];
  readonly contexts: Context[] = [];
  failNext = 0;

  readonly handle = async (event: CloudWatchLogsEvent, context: Context): Promise<void> => {
    this.events.push(event);
    this.contexts.push(context);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('detector unavailable');
    }
  };

  data(): CloudWatchLogsDecodedData[] {
    return this.events.map(decode).filter((document) => document.messageType === 'DATA_MESSAGE');
  }

  messages(): string[][] {
    return this.data().map((document) => document.logEvents.map((logEvent) => logEvent.message));
  }
}

async function waitUntil(condition: () => boolean, description: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${description}`);
    await sleep(10);
  }
}

describe('local CloudWatch Logs subscription', () => {
  let handler: RecordingHandler;
  let logLines: string[];
  let subscription: LogsSubscription | undefined;

  function start(options: Partial<LogsSubscriptionOptions> = {}): LogsSubscription {
    subscription = startLogsSubscription({
      handler: handler.handle,
      filters: [accessFilter, signalFilter],
      batchIntervalMs: 20,
      retryDelaysMs: [10, 20],
      sendControlMessages: false,
      log: (line) => logLines.push(line),
      ...options,
    });
    return subscription;
  }

  beforeEach(() => {
    handler = new RecordingHandler();
    logLines = [];
  });

  afterEach(async () => {
    await subscription?.stop();
    subscription = undefined;
  });

  describe('payload', () => {
    it('delivers a batch as base64(gzip(JSON)) in the DATA_MESSAGE shape CloudWatch Logs sends', async () => {
      const logs = start();

      logs.put(accessLogGroup, '{"requestId":"r-1","status":401}', 1_764_000_000_000);
      logs.put(accessLogGroup, '{"requestId":"r-2","status":200}', 1_764_000_000_001);
      await logs.flush();

      expect(handler.events).toHaveLength(1);
      expect(Object.keys(handler.events[0] ?? {})).toEqual(['awslogs']);
      const document = decode(handler.events[0] as CloudWatchLogsEvent);
      expect(document).toEqual({
        messageType: 'DATA_MESSAGE',
        owner: '000000000000',
        logGroup: accessLogGroup,
        logStream: 'local',
        subscriptionFilters: ['request-outcomes'],
        logEvents: [
          {
            id: expect.any(String),
            timestamp: 1_764_000_000_000,
            message: '{"requestId":"r-1","status":401}',
          },
          {
            id: expect.any(String),
            timestamp: 1_764_000_000_001,
            message: '{"requestId":"r-2","status":200}',
          },
        ],
      });
      const [first, second] = document.logEvents.map((logEvent) => BigInt(logEvent.id));
      expect(document.logEvents.every((logEvent) => /^\d{56}$/.test(logEvent.id))).toBe(true);
      expect((first ?? 0n) < (second ?? 0n)).toBe(true);
    });

    it('invokes the handler with a Lambda context of the detect function', async () => {
      const logs = start();

      logs.put(accessLogGroup, '{}');
      await logs.flush();

      expect(handler.contexts[0]).toMatchObject({
        functionName: 'detect',
        invokedFunctionArn: 'arn:aws:lambda:eu-central-1:000000000000:function:detect',
        awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(handler.contexts[0]?.getRemainingTimeInMillis()).toBeGreaterThan(0);
    });

    it('writes an object message as its JSON line, as a structured logger would', async () => {
      const logs = start();

      logs.put(writeLogGroup, { level: 'WARN', securitySignal: 'token-rejected' });
      await logs.flush();

      expect(handler.messages()).toEqual([['{"level":"WARN","securitySignal":"token-rejected"}']]);
    });

    it('sends each filter one CONTROL_MESSAGE at start, without log data', async () => {
      const logs = start({ sendControlMessages: true });

      await logs.flush();

      const documents = handler.events.map(decode);
      expect(documents).toHaveLength(2);
      for (const document of documents) {
        expect(document).toMatchObject({
          messageType: 'CONTROL_MESSAGE',
          owner: 'CloudwatchLogs',
          logGroup: '',
          logStream: '',
          subscriptionFilters: [],
          logEvents: [{ id: '', message: expect.stringMatching(/^CWL CONTROL MESSAGE/) }],
        });
      }
      expect(logs.stats().delivered).toBe(0);
    });
  });

  describe('batching', () => {
    it('makes one invocation per log group and stream', async () => {
      const logs = start();

      logs.put(accessLogGroup, '{"n":1}');
      logs.put(writeLogGroup, '{"securitySignal":"scope-denied"}');
      logs.put(accessLogGroup, '{"n":2}');
      logs.put(accessLogGroup, '{"n":3}', undefined, 'stage-b');
      await logs.flush();

      const byStream = handler
        .data()
        .map((document) => `${document.logGroup}/${document.logStream}:${document.logEvents.length}`)
        .sort();
      expect(byStream).toEqual(
        [`${writeLogGroup}/local:1`, `${accessLogGroup}/local:2`, `${accessLogGroup}/stage-b:1`].sort(),
      );
    });

    it('delivers a batch by itself once batchIntervalMs has passed', async () => {
      const logs = start({ batchIntervalMs: 50 });

      logs.put(accessLogGroup, '{"n":1}');
      logs.put(accessLogGroup, '{"n":2}');

      expect(handler.events).toHaveLength(0);
      await waitUntil(() => handler.events.length === 1, 'the batch is delivered without flush()');
      expect(handler.messages()).toEqual([['{"n":1}', '{"n":2}']]);
    });

    it('delivers at once when a batch reaches maxBatch, in order', async () => {
      const logs = start({ maxBatch: 3, batchIntervalMs: 60_000 });

      for (let n = 1; n <= 7; n += 1) logs.put(accessLogGroup, `{"n":${n}}`);
      await waitUntil(() => handler.events.length === 2, 'the two full batches are delivered');
      const pendingBeforeFlush = logs.stats().pending;
      await logs.flush();

      expect(pendingBeforeFlush).toBe(1);
      expect(handler.messages()).toEqual([
        ['{"n":1}', '{"n":2}', '{"n":3}'],
        ['{"n":4}', '{"n":5}', '{"n":6}'],
        ['{"n":7}'],
      ]);
    });
  });

  describe('filters', () => {
    it('delivers only the events its pattern matches, naming the filter', async () => {
      const logs = start();

      logs.put(writeLogGroup, '{"level":"INFO","message":"invoice issued"}');
      logs.put(writeLogGroup, '{"level":"WARN","securitySignal":"card-number-rejected"}');
      logs.put(writeLogGroup, 'START RequestId: 1b2c Version: $LATEST');
      await logs.flush();

      expect(handler.data().map((document) => document.subscriptionFilters)).toEqual([['security-signals']]);
      expect(handler.messages()).toEqual([['{"level":"WARN","securitySignal":"card-number-rejected"}']]);
      expect(logs.stats()).toMatchObject({ received: 3, matched: 1, delivered: 1 });
    });

    it('delivers an event two filters on one log group match once to each', async () => {
      const logs = start({
        filters: [
          { name: 'everything', logGroup: accessLogGroup, pattern: '' },
          { name: 'refusals', logGroup: accessLogGroup, pattern: '{ $.status >= 400 }' },
        ],
      });

      logs.put(accessLogGroup, '{"status":403}');
      logs.put(accessLogGroup, '{"status":200}');
      await logs.flush();

      const delivered = handler
        .data()
        .map((document) => `${document.subscriptionFilters[0]}:${document.logEvents.length}`)
        .sort();
      expect(delivered).toEqual(['everything:2', 'refusals:1']);
    });

    it('delivers nothing from a log group without a filter, and says so once', async () => {
      const logs = start();

      logs.put('/aws/lambda/unsubscribed', '{"securitySignal":"x"}');
      logs.put('/aws/lambda/unsubscribed', '{"securitySignal":"y"}');
      await logs.flush();

      expect(handler.events).toHaveLength(0);
      expect(logLines.filter((line) => line.includes('/aws/lambda/unsubscribed'))).toHaveLength(1);
    });

    it('refuses to start with a pattern it does not implement', () => {
      expect(() =>
        start({ filters: [{ name: 'errors', logGroup: writeLogGroup, pattern: '?ERROR ?WARN' }] }),
      ).toThrow(UnsupportedLogFilterPatternError);
    });
  });

  describe('failures', () => {
    it('retries a failed invocation with the same payload until it succeeds', async () => {
      const logs = start();
      handler.failNext = 2;

      logs.put(accessLogGroup, '{"requestId":"r-1"}');
      await logs.flush();

      expect(handler.events).toHaveLength(3);
      expect(new Set(handler.events.map((event) => event.awslogs.data)).size).toBe(1);
      expect(logs.stats()).toMatchObject({ invocations: 3, failedInvocations: 2, delivered: 1, dropped: 0 });
    });

    it('drops the batch after the last retry and logs it, as Lambda does without an on-failure destination', async () => {
      const logs = start();
      handler.failNext = 3;

      logs.put(accessLogGroup, '{"requestId":"r-1"}');
      logs.put(accessLogGroup, '{"requestId":"r-2"}');
      await logs.flush();

      expect(handler.events).toHaveLength(3);
      expect(logs.stats()).toMatchObject({ delivered: 0, dropped: 2, pending: 0 });
      expect(logLines.at(-1)).toMatch(
        /dropped 2 event\(s\) after 3 attempt\(s\), last error Error: detector unavailable/,
      );
    });

    it('fails an invocation that runs past timeoutMs, as a Lambda timeout', async () => {
      let calls = 0;
      const logs = start({
        timeoutMs: 50,
        retryDelaysMs: [],
        handler: async () => {
          calls += 1;
          await sleep(10_000, undefined, { ref: false });
        },
      });

      logs.put(accessLogGroup, '{}');
      await logs.flush();

      expect(calls).toBe(1);
      expect(logLines.at(-1)).toMatch(/Task timed out after 50 ms/);
    });

    it('survives a handler that throws synchronously, a message with no JSON form and a log sink that throws', async () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const logs = start({
        retryDelaysMs: [],
        handler: () => {
          throw new Error('synchronous failure');
        },
        log: () => {
          throw new Error('disk full');
        },
      });

      logs.put(accessLogGroup, '{}');
      logs.put(accessLogGroup, circular);
      logs.put(accessLogGroup, 1n as unknown as object);
      await logs.flush();

      expect(logs.stats()).toMatchObject({ received: 1, invocations: 1, failedInvocations: 1, dropped: 3 });
    });
  });

  describe('flush and stop', () => {
    it('flush() delivers every pending batch, retries included', async () => {
      const logs = start({ batchIntervalMs: 60_000 });
      handler.failNext = 1;

      logs.put(accessLogGroup, '{"n":1}');
      logs.put(writeLogGroup, '{"securitySignal":"throttled"}');
      await logs.flush();

      expect(logs.stats()).toMatchObject({ delivered: 2, pending: 0 });
    });

    it('stop() waits for the batch in flight and takes no later events', async () => {
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let finished = false;
      const logs = start({
        handler: async () => {
          await released;
          finished = true;
        },
      });
      logs.put(accessLogGroup, '{"n":1}');
      await waitUntil(() => logs.stats().invocations === 1, 'the batch is in flight');

      const stopping = logs.stop();
      logs.put(accessLogGroup, '{"n":2}');
      setTimeout(release, 30);
      await stopping;

      expect(finished).toBe(true);
      expect(logs.stats()).toMatchObject({ invocations: 1, delivered: 1, dropped: 1, pending: 0 });
    });
  });
});
