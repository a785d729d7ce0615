// test: the local stream poller drives a stream handler as a Lambda event source mapping does — DynamoDB Local
// (in memory) and fauxqs started here, one table with a NEW_AND_OLD_IMAGES stream and one queue per test.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { deliverStreamSource, type StreamSourceDefinition } from '../../functions/platform/stream-source';
import { type RunningDynamoDb, startDynamoDb } from '../../local/emulators/dynamodb';
import { emulatorClientConfig, localAwsIdentity, type RunningEmulator } from '../../local/emulators/emulator';
import { startSnsSqs } from '../../local/emulators/sns-sqs';
import {
  defaultRetryBackoff,
  InvalidRetryBackoffError,
  type RetryBackoff,
  retryDelaysMs,
  type StreamHandler,
  type StreamPoller,
  startStreamPoller,
} from '../../local/stream-poller';
import { getWireRecords, wireJsonStreamsClient } from '../../local/stream-poller/wire-records';

const javaStartTimeoutMs = 90_000;
const functionName = 'deliver-under-test';

/** Polls until `condition` holds; the message names what never happened, with the poller's log for context. */
async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  description: string,
  logLines: readonly string[] = [],
  timeoutMs = 40_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting until ${description}; poller log:\n${logLines.join('\n')}`);
    }
    await sleep(50);
  }
}

function idOf(record: DynamoDBRecord): string | undefined {
  return (record.dynamodb?.NewImage ?? record.dynamodb?.OldImage)?.sk?.S?.replace('INVOICE#', '');
}

function idsOf(event: DynamoDBStreamEvent): (string | undefined)[] {
  return event.Records.map(idOf);
}

function sequenceOf(record: DynamoDBRecord | undefined): string {
  const sequenceNumber = record?.dynamodb?.SequenceNumber;
  if (sequenceNumber === undefined) {
    throw new Error('record without a sequence number');
  }
  return sequenceNumber;
}

/** Records every invocation; `respond` decides the outcome, after the event was recorded. */
class RecordingHandler {
  readonly events: DynamoDBStreamEvent[] = [];
  readonly contexts: Context[] = [];
  /** Events whose invocation succeeded without item failures. */
  readonly succeeded: DynamoDBStreamEvent[] = [];

  constructor(
    private readonly respond: (
      event: DynamoDBStreamEvent,
      invocation: number,
    ) => Promise<DynamoDBBatchResponse | undefined> | DynamoDBBatchResponse | undefined = () => undefined,
  ) {}

  readonly handle: StreamHandler = async (event, context) => {
    // A copy: the poller must hand every invocation its own event anyway, and we assert on what arrived.
    this.events.push(structuredClone(event));
    this.contexts.push(context);
    const response = await this.respond(event, this.events.length);
    if (response === undefined || response.batchItemFailures.length === 0) {
      this.succeeded.push(structuredClone(event));
    }
    return response;
  };

  deliveredIds(): (string | undefined)[] {
    return this.succeeded.flatMap(idsOf);
  }

  invocationIds(): (string | undefined)[][] {
    return this.events.map(idsOf);
  }
}

function invoiceItem(
  id: string,
  options: { deliveryStatus?: string; entity?: string } = {},
): Record<string, AttributeValue> {
  return {
    pk: { S: 'TENANT#ten_stream_poller' },
    sk: { S: `INVOICE#${id}` },
    entity: { S: options.entity ?? 'invoice' },
    delivery: { M: { status: { S: options.deliveryStatus ?? 'queued' } } },
    customerEmail: { S: `${id}.customer@example.com` },
    total: { N: '28560' },
    digest: { B: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) },
    tags: { SS: ['eu', 'b2b'] },
  };
}

describe('stream poller', () => {
  let dynamoDb: RunningDynamoDb;
  let snsSqs: RunningEmulator;
  let db: DynamoDBClient;
  let sqs: SQSClient;
  let streams: DynamoDBStreamsClient;
  let wire: DynamoDBStreamsClient;
  let pollers: StreamPoller[] = [];

  beforeAll(async () => {
    [dynamoDb, snsSqs] = await Promise.all([startDynamoDb({ port: 0 }), startSnsSqs({ port: 0 })]);
    db = new DynamoDBClient(emulatorClientConfig(dynamoDb.endpoint));
    sqs = new SQSClient(emulatorClientConfig(snsSqs.endpoint));
    streams = new DynamoDBStreamsClient({ ...emulatorClientConfig(dynamoDb.endpoint), maxAttempts: 1 });
    wire = wireJsonStreamsClient({ ...emulatorClientConfig(dynamoDb.endpoint), maxAttempts: 1 });
  }, javaStartTimeoutMs);

  afterEach(async () => {
    await Promise.all(pollers.map((poller) => poller.stop()));
    pollers = [];
  });

  afterAll(async () => {
    db?.destroy();
    sqs?.destroy();
    streams?.destroy();
    wire?.destroy();
    await Promise.all([dynamoDb?.stop(), snsSqs?.stop()]);
  });

  async function newTable(): Promise<{ tableName: string; streamArn: string }> {
    const tableName = `stream-poller-${randomUUID().slice(0, 8)}`;
    await db.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const { Table } = await db.send(new DescribeTableCommand({ TableName: tableName }));
    return { tableName, streamArn: Table?.LatestStreamArn ?? 'no stream' };
  }

  async function newQueue(): Promise<string> {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `deliver-failures-${randomUUID().slice(0, 8)}` }),
    );
    if (QueueUrl === undefined) {
      throw new Error('fauxqs returned no queue URL');
    }
    return QueueUrl;
  }

  async function put(tableName: string, item: Record<string, AttributeValue>): Promise<void> {
    await db.send(new PutItemCommand({ TableName: tableName, Item: item }));
  }

  async function startPoller(
    tableName: string,
    handler: RecordingHandler,
    options: {
      source?: StreamSourceDefinition;
      queueUrl?: string;
      log?: string[];
      retryBackoff?: RetryBackoff;
    } = {},
  ): Promise<StreamPoller> {
    const poller = await startStreamPoller({
      dynamoDbEndpoint: dynamoDb.endpoint,
      tableName,
      region: localAwsIdentity.region,
      credentials: localAwsIdentity.credentials,
      source: options.source ?? deliverStreamSource,
      handler: handler.handle,
      functionName,
      ...(options.queueUrl === undefined
        ? {}
        : { onFailure: { sqsEndpoint: snsSqs.endpoint, queueUrl: options.queueUrl } }),
      pollIntervalMs: 50,
      ...(options.retryBackoff === undefined ? {} : { retryBackoff: options.retryBackoff }),
      log: (line) => options.log?.push(line),
    });
    pollers.push(poller);
    return poller;
  }

  async function receiveAll(queueUrl: string): Promise<string[]> {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages ?? []) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
    return (Messages ?? []).map((message) => message.Body ?? '');
  }

  async function queueDepth(queueUrl: string): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages ?? Number.NaN) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? Number.NaN)
    );
  }

  describe('filtering, order and event shape', () => {
    it('delivers only matching records, in stream order, in batches of at most batchSize, as Lambda shapes them', async () => {
      const { tableName, streamArn } = await newTable();
      await put(tableName, invoiceItem('a1'));
      await put(tableName, invoiceItem('c1', { entity: 'customer' }));
      await put(tableName, invoiceItem('a2'));
      await put(tableName, invoiceItem('a3', { deliveryStatus: 'none' }));
      await put(tableName, invoiceItem('a4'));
      await put(tableName, invoiceItem('x1', { deliveryStatus: 'sent' }));
      // MODIFY: a3 is now queued.
      await put(tableName, invoiceItem('a3'));
      await put(tableName, invoiceItem('a5'));
      // REMOVE of a queued invoice: no NewImage, so the filter drops it.
      await db.send(
        new DeleteItemCommand({
          TableName: tableName,
          Key: { pk: { S: 'TENANT#ten_stream_poller' }, sk: { S: 'INVOICE#a1' } },
        }),
      );
      await put(tableName, invoiceItem('a6'));
      await put(tableName, invoiceItem('a7'));
      const handler = new RecordingHandler();
      const log: string[] = [];

      await startPoller(tableName, handler, { source: { ...deliverStreamSource, batchSize: 3 }, log });
      await waitUntil(() => handler.deliveredIds().length >= 7, 'seven matching records arrived', log);

      expect(handler.deliveredIds()).toEqual(['a1', 'a2', 'a4', 'a3', 'a5', 'a6', 'a7']);
      // All eleven records were in the stream before the poller started, so batching is deterministic.
      expect(handler.events.map((event) => event.Records.length)).toEqual([3, 3, 1]);
      const records = handler.events.flatMap((event) => event.Records);
      expect(records.map((record) => record.eventName)).toEqual([
        'INSERT',
        'INSERT',
        'INSERT',
        'MODIFY',
        'INSERT',
        'INSERT',
        'INSERT',
      ]);
      const sequenceNumbers = records.map((record) => BigInt(sequenceOf(record)));
      expect(sequenceNumbers).toEqual([...sequenceNumbers].sort((left, right) => (left < right ? -1 : 1)));
      expect(new Set(sequenceNumbers).size).toBe(sequenceNumbers.length);

      expect(records[0]).toEqual({
        eventID: expect.any(String),
        eventName: 'INSERT',
        eventVersion: expect.stringMatching(/^1\.\d$/),
        eventSource: 'aws:dynamodb',
        awsRegion: localAwsIdentity.region,
        eventSourceARN: streamArn,
        dynamodb: {
          ApproximateCreationDateTime: expect.any(Number),
          Keys: { pk: { S: 'TENANT#ten_stream_poller' }, sk: { S: 'INVOICE#a1' } },
          NewImage: {
            pk: { S: 'TENANT#ten_stream_poller' },
            sk: { S: 'INVOICE#a1' },
            entity: { S: 'invoice' },
            delivery: { M: { status: { S: 'queued' } } },
            customerEmail: { S: 'a1.customer@example.com' },
            total: { N: '28560' },
            // Binary attributes travel as base64 text in Lambda events.
            digest: { B: '3q2+7w==' },
            tags: { SS: expect.arrayContaining(['eu', 'b2b']) },
          },
          SequenceNumber: expect.stringMatching(/^\d+$/),
          SizeBytes: expect.any(Number),
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      });
      // Epoch seconds, as Lambda sends them, not a Date or milliseconds.
      const createdAt = records[0]?.dynamodb?.ApproximateCreationDateTime ?? Number.NaN;
      expect(Number.isInteger(createdAt)).toBe(true);
      expect(createdAt).toBeGreaterThan(1_700_000_000);
      expect(createdAt).toBeLessThan(10_000_000_000);
      const modify = records[3];
      expect(modify?.dynamodb?.OldImage?.delivery).toEqual({ M: { status: { S: 'none' } } });
      expect(modify?.dynamodb?.NewImage?.delivery).toEqual({ M: { status: { S: 'queued' } } });

      expect(handler.contexts[0]).toMatchObject({
        functionName,
        invokedFunctionArn: expect.stringMatching(
          new RegExp(`^arn:aws:lambda:${localAwsIdentity.region}:\\d{12}:function:${functionName}$`),
        ),
      });
      expect(new Set(handler.contexts.map((context) => context.awsRequestId)).size).toBe(3);
      expect(log.filter((line) => line.includes('outcome=succeeded'))).toHaveLength(3);
      expect(log.join('\n')).not.toContain('customer@example.com');
    });

    it('with LATEST, delivers only what is written after the poller has started', async () => {
      const { tableName } = await newTable();
      await put(tableName, invoiceItem('before'));
      const handler = new RecordingHandler();
      const log: string[] = [];

      await startPoller(tableName, handler, {
        source: { ...deliverStreamSource, startingPosition: 'LATEST' },
        log,
      });
      await put(tableName, invoiceItem('after'));
      await waitUntil(
        () => handler.deliveredIds().includes('after'),
        'the record written after start arrived',
        log,
      );

      // Stream order: had 'before' been read, it would have arrived first.
      expect(handler.deliveredIds()).toEqual(['after']);
    });
  });

  describe('reading the wire', () => {
    // The poller reads GetRecords as JSON, without the SDK's deserializer (wire-records.ts): it must see what the
    // SDK sees, and name a refusal as the SDK does, since it recovers by the name.
    async function iteratorOf(streamArn: string, type: 'TRIM_HORIZON' | 'LATEST'): Promise<string> {
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      const shardId = StreamDescription?.Shards?.[0]?.ShardId;
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type }),
      );
      if (ShardIterator === undefined) throw new Error('no shard iterator');
      return ShardIterator;
    }

    async function refusalOf(client: DynamoDBStreamsClient, iterator: string): Promise<string> {
      try {
        await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      } catch (error) {
        return (error as Error).name;
      }
      return 'no refusal';
    }

    it('answers the records the SDK reads, with the images as the wire has them', async () => {
      const { tableName, streamArn } = await newTable();
      await put(tableName, invoiceItem('w1'));
      await put(tableName, invoiceItem('w2', { deliveryStatus: 'sent' }));
      const iterator = await iteratorOf(streamArn, 'TRIM_HORIZON');

      const [viaSdk, viaWire] = await Promise.all([
        streams.send(new GetRecordsCommand({ ShardIterator: iterator })),
        getWireRecords(wire, { ShardIterator: iterator }),
      ]);

      expect(viaWire.Records?.map((record) => record.dynamodb?.SequenceNumber)).toEqual(
        viaSdk.Records?.map((record) => record.dynamodb?.SequenceNumber),
      );
      expect(viaWire.Records).toHaveLength(2);
      const [sdkFirst, wireFirst] = [viaSdk.Records?.[0], viaWire.Records?.[0]];
      expect(wireFirst?.dynamodb?.NewImage?.digest).toEqual({
        B: Buffer.from(sdkFirst?.dynamodb?.NewImage?.digest?.B ?? []).toString('base64'),
      });
      expect(wireFirst?.dynamodb?.NewImage?.tags?.SS?.sort()).toEqual(
        sdkFirst?.dynamodb?.NewImage?.tags?.SS?.sort(),
      );
      expect(wireFirst?.dynamodb?.ApproximateCreationDateTime).toBe(
        (sdkFirst?.dynamodb?.ApproximateCreationDateTime?.getTime() ?? Number.NaN) / 1000,
      );
      expect(typeof viaWire.NextShardIterator).toBe('string');
    });

    it('names a refused read as the SDK does', async () => {
      const { tableName, streamArn } = await newTable();
      const iterator = await iteratorOf(streamArn, 'LATEST');
      const malformed = `${iterator.slice(0, 10)}not-an-iterator`;
      expect(await refusalOf(wire, malformed)).toBe(await refusalOf(streams, malformed));
      expect(await refusalOf(wire, malformed)).not.toBe('no refusal');

      await db.send(new DeleteTableCommand({ TableName: tableName }));
      const gone = await refusalOf(streams, iterator);
      expect(await refusalOf(wire, iterator)).toBe(gone);
    });
  });

  describe('partial batch responses', () => {
    it('retries from the lowest reported item failure, and only from there', async () => {
      const { tableName } = await newTable();
      for (const id of ['p1', 'p2', 'p3', 'p4', 'p5']) {
        await put(tableName, invoiceItem(id));
      }
      const handler = new RecordingHandler((event, invocation) =>
        invocation === 1
          ? {
              // Out of order on purpose: the checkpoint is the lowest sequence number, not the first listed.
              batchItemFailures: [
                { itemIdentifier: sequenceOf(event.Records[4]) },
                { itemIdentifier: sequenceOf(event.Records[2]) },
              ],
            }
          : undefined,
      );
      const log: string[] = [];

      await startPoller(tableName, handler, { log });
      await waitUntil(() => handler.events.length >= 2, 'the batch was retried', log);
      await put(tableName, invoiceItem('p6'));
      await waitUntil(() => handler.deliveredIds().includes('p6'), 'the next record arrived', log);

      expect(handler.invocationIds()).toEqual([['p1', 'p2', 'p3', 'p4', 'p5'], ['p3', 'p4', 'p5'], ['p6']]);
    });

    it.each([
      ['an empty itemIdentifier', ''],
      ['an itemIdentifier that is not in the batch', '99999999999999999999999'],
      ['no itemIdentifier at all', undefined],
    ])('retries the whole batch after %s', async (_description, itemIdentifier) => {
      const { tableName } = await newTable();
      for (const id of ['w1', 'w2', 'w3']) {
        await put(tableName, invoiceItem(id));
      }
      const handler = new RecordingHandler((_event, invocation) =>
        invocation === 1
          ? ({ batchItemFailures: [{ itemIdentifier }] } as unknown as DynamoDBBatchResponse)
          : undefined,
      );
      const log: string[] = [];

      // Without bisection, so the retried batch is the whole batch rather than its first half.
      await startPoller(tableName, handler, {
        source: { ...deliverStreamSource, bisectBatchOnFunctionError: false },
        log,
      });
      await waitUntil(() => handler.events.length >= 2, 'the batch was retried', log);
      await put(tableName, invoiceItem('w4'));
      await waitUntil(() => handler.deliveredIds().includes('w4'), 'the next record arrived', log);

      expect(handler.invocationIds()).toEqual([['w1', 'w2', 'w3'], ['w1', 'w2', 'w3'], ['w4']]);
    });
  });

  describe('failures', () => {
    it('isolates a poison record, sends only its metadata to the on-failure queue, and carries on', async () => {
      const { tableName, streamArn } = await newTable();
      const queueUrl = await newQueue();
      const before = ['g1', 'g2', 'g3', 'g4'];
      const after = ['g6', 'g7', 'g8'];
      for (const id of before) {
        await put(tableName, invoiceItem(id));
      }
      await put(tableName, invoiceItem('poison'));
      for (const id of after) {
        await put(tableName, invoiceItem(id));
      }
      const poisonInvocations: number[] = [];
      const handler = new RecordingHandler((event, invocation) => {
        const poison = event.Records.find((record) => idOf(record) === 'poison');
        if (poison !== undefined) {
          if (event.Records.length === 1) {
            poisonInvocations.push(invocation);
          }
          // The message quotes personal data, as careless errors do; it must not reach the log or the queue.
          throw new TypeError(`cannot deliver to ${poison.dynamodb?.NewImage?.customerEmail?.S}`);
        }
        return undefined;
      });
      const log: string[] = [];

      await startPoller(tableName, handler, { queueUrl, log });
      const messages: string[] = [];
      await waitUntil(
        async () => {
          messages.push(...(await receiveAll(queueUrl)));
          return messages.length > 0;
        },
        'the poison record reached the on-failure queue',
        log,
      );
      await put(tableName, invoiceItem('g9'));
      await put(tableName, invoiceItem('g10'));
      await waitUntil(() => handler.deliveredIds().includes('g10'), 'records written later arrived', log);

      expect(handler.deliveredIds()).toEqual([...before, ...after, 'g9', 'g10']);
      // Bisection isolates it without spending retries; alone, it is tried once plus retryAttempts times.
      expect(poisonInvocations).toHaveLength(deliverStreamSource.retryAttempts + 1);
      expect(messages).toHaveLength(1);
      const body = messages[0] ?? '';
      const poisonSequence = sequenceOf(
        handler.events.flatMap((event) => event.Records).find((record) => idOf(record) === 'poison'),
      );
      expect(JSON.parse(body)).toEqual({
        requestContext: {
          requestId: expect.any(String),
          functionArn: expect.stringMatching(new RegExp(`:function:${functionName}$`)),
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: deliverStreamSource.retryAttempts + 1,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: expect.any(String),
        DDBStreamBatchInfo: {
          shardId: expect.stringMatching(/^shardId-/),
          startSequenceNumber: poisonSequence,
          endSequenceNumber: poisonSequence,
          approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
          approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
          batchSize: 1,
          streamArn,
        },
      });
      for (const value of [
        'poison.customer@example.com',
        'INVOICE#poison',
        'TENANT#ten_stream_poller',
        '28560',
      ]) {
        expect(body).not.toContain(value);
      }
      expect(log.join('\n')).not.toContain('customer@example.com');
      expect(await queueDepth(queueUrl)).toBe(0);
    });

    it('retries a transient failure with backoff until it succeeds, with nothing on the on-failure queue', async () => {
      const { tableName } = await newTable();
      const queueUrl = await newQueue();
      await put(tableName, invoiceItem('t1'));
      let failuresLeft = 2;
      const handler = new RecordingHandler(() => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('dependency unavailable');
        }
        return undefined;
      });
      const log: string[] = [];

      await startPoller(tableName, handler, { queueUrl, log });
      await waitUntil(() => handler.deliveredIds().includes('t1'), 'the record was delivered', log);
      await put(tableName, invoiceItem('t2'));
      await waitUntil(() => handler.deliveredIds().includes('t2'), 'the next record arrived', log);

      expect(handler.invocationIds()).toEqual([['t1'], ['t1'], ['t1'], ['t2']]);
      // The waits come from the schedule as data, so they are asserted without measuring time.
      const [firstDelay, secondDelay] = retryDelaysMs(defaultRetryBackoff, 2);
      expect(log.filter((line) => line.includes('outcome=failed'))).toEqual([
        expect.stringMatching(new RegExp(`retry 1/5 of 1 in ${firstDelay} ms$`)),
        expect.stringMatching(new RegExp(`retry 2/5 of 1 in ${secondDelay} ms$`)),
      ]);
      // Anything sent for t1 would have been sent before t2 was read: the shard moves on only after sending.
      expect(await queueDepth(queueUrl)).toBe(0);
    });
  });

  describe('retry backoff', () => {
    it('is explicit data: 200 ms doubling up to 5 s by default, any first delay, factor and ceiling otherwise', () => {
      expect(defaultRetryBackoff).toEqual({ firstDelayMs: 200, factor: 2, maximumDelayMs: 5_000 });
      expect(retryDelaysMs(defaultRetryBackoff, 7)).toEqual([200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
      expect(retryDelaysMs({ firstDelayMs: 100, factor: 3, maximumDelayMs: 1_000 }, 4)).toEqual([
        100, 300, 900, 1_000,
      ]);
    });

    it('waits as the options say between retries of a failed batch', async () => {
      const { tableName } = await newTable();
      const queueUrl = await newQueue();
      await put(tableName, invoiceItem('b1'));
      const handler = new RecordingHandler(() => {
        throw new Error('always failing');
      });
      const log: string[] = [];
      const retryBackoff = { firstDelayMs: 1, factor: 3, maximumDelayMs: 5 };

      await startPoller(tableName, handler, {
        source: { ...deliverStreamSource, retryAttempts: 3 },
        queueUrl,
        log,
        retryBackoff,
      });
      await waitUntil(
        () => log.some((line) => line.includes('outcome=sent-to-on-failure-destination')),
        'the batch was given up on',
        log,
      );

      const waits = log
        .filter((line) => line.includes('outcome=failed'))
        .map((line) => Number(/ in (\d+) ms$/.exec(line)?.[1]));
      expect(waits).toEqual(retryDelaysMs(retryBackoff, 3));
      expect(waits).toEqual([1, 3, 5]);
      expect(handler.events).toHaveLength(4);
    });

    it.each([
      ['a negative first delay', { firstDelayMs: -1, factor: 2, maximumDelayMs: 10 }],
      ['a shrinking factor', { firstDelayMs: 10, factor: 0.5, maximumDelayMs: 10 }],
      ['a ceiling below the first delay', { firstDelayMs: 10, factor: 2, maximumDelayMs: 5 }],
      ['an infinite ceiling', { firstDelayMs: 10, factor: 2, maximumDelayMs: Number.POSITIVE_INFINITY }],
    ])('refuses a backoff with %s', async (_description, retryBackoff) => {
      const { tableName } = await newTable();

      await expect(startPoller(tableName, new RecordingHandler(), { retryBackoff })).rejects.toBeInstanceOf(
        InvalidRetryBackoffError,
      );
    });
  });

  describe('its own log', () => {
    it('keeps delivering when the log cannot be written, and says so once on stderr', async () => {
      const { tableName } = await newTable();
      await put(tableName, invoiceItem('l1'));
      let failuresLeft = 1;
      const handler = new RecordingHandler(() => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('dependency unavailable');
        }
        return undefined;
      });
      const stderrLines: string[] = [];
      const writeToStderr = process.stderr.write;
      process.stderr.write = ((chunk: string | Uint8Array) => {
        stderrLines.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      try {
        const poller = await startStreamPoller({
          dynamoDbEndpoint: dynamoDb.endpoint,
          tableName,
          region: localAwsIdentity.region,
          credentials: localAwsIdentity.credentials,
          source: deliverStreamSource,
          handler: handler.handle,
          functionName,
          pollIntervalMs: 50,
          log: () => {
            throw new Error('ENOSPC: no space left on device');
          },
        });
        pollers.push(poller);
        await put(tableName, invoiceItem('l2'));
        await waitUntil(() => handler.deliveredIds().includes('l2'), 'both records were delivered');
        await poller.stop();
      } finally {
        process.stderr.write = writeToStderr;
      }

      expect(handler.deliveredIds()).toEqual(['l1', 'l2']);
      expect(stderrLines).toEqual([expect.stringContaining('cannot write its log (Error: ENOSPC')]);
    });
  });

  describe('stopping', () => {
    it('waits for the invocation in flight before it resolves', async () => {
      const { tableName } = await newTable();
      await put(tableName, invoiceItem('s1'));
      const order: string[] = [];
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const handler = new RecordingHandler(async () => {
        order.push('invocation started');
        await released;
        order.push('invocation finished');
        return undefined;
      });
      const poller = await startPoller(tableName, handler);
      await waitUntil(() => order.includes('invocation started'), 'the handler was invoked');

      const stopping = poller.stop().then(() => order.push('stopped'));
      // Give stop() every chance to resolve early: a macrotask turn, then release the handler.
      await sleep(0);
      order.push('released');
      release();
      await stopping;

      expect(order).toEqual(['invocation started', 'released', 'invocation finished', 'stopped']);
    });
  });
});
