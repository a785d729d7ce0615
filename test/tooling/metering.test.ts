// test: the local metering (local/metering.ts) — through its proxy DynamoDB Local reports the request units DynamoDB
// would bill (transactions twice), transactions priced from their items when asked (the emulator under-reports them),
// the real SDK client still reads every answer, and timed handlers count apart.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { emulatorClientConfig, type RunningDynamoDb, startDynamoDb } from '../../local/emulators';
import { Metering } from '../../local/metering';

describe('metering', () => {
  let dynamoDb: RunningDynamoDb;
  let proxy: { endpoint: string; stop(): Promise<void> };
  const metering = new Metering();
  const table = 'metered-table';
  const indexed = 'metered-indexed-table';

  beforeAll(async () => {
    dynamoDb = await startDynamoDb({ port: 0 });
    proxy = await metering.proxy('dynamodb', dynamoDb.endpoint);
    await new DynamoDBClient(emulatorClientConfig(dynamoDb.endpoint)).send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await new DynamoDBClient(emulatorClientConfig(dynamoDb.endpoint)).send(
      new CreateTableCommand({
        TableName: indexed,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  }, 90_000);

  afterAll(async () => {
    await proxy.stop();
    await dynamoDb.stop();
  });

  beforeEach(() => metering.reset());

  describe('DynamoDB', () => {
    it('counts the units DynamoDB bills: per KB written, twice in a transaction, per 4 KB read consistently', async () => {
      const client = new DynamoDBClient(emulatorClientConfig(proxy.endpoint));
      const threeKilobytes = 'x'.repeat(3000);

      await client.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, v: { S: threeKilobytes } } }),
      );
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { pk: { S: 'b' } } } },
            { Put: { TableName: table, Item: { pk: { S: 'c' }, v: { S: threeKilobytes } } } },
          ],
        }),
      );
      const read = await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: 'a' } }, ConsistentRead: true }),
      );

      expect(read.Item?.v?.S).toBe(threeKilobytes);
      expect(metering.snapshot()).toMatchObject({
        requests: { 'dynamodb:PutItem': 1, 'dynamodb:TransactWriteItems': 1, 'dynamodb:GetItem': 1 },
        dynamodb: { [table]: { writeUnits: 3 + 2 * (1 + 3), readUnits: 1 } },
      });
    });
  });

  describe('DynamoDB transactions, priced from their items (exactTransactions)', () => {
    const client = () => new DynamoDBClient(emulatorClientConfig(proxy.endpoint));
    const kilobytes = (count: number) => 'x'.repeat(count * 1000);

    it('charges every action twice per started KB of the larger of the item before and after', async () => {
      await client().send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { pk: { S: 'big' }, v: { S: kilobytes(3) } } } },
            { Put: { TableName: table, Item: { pk: { S: 'two' }, v: { S: kilobytes(2) } } } },
            { Put: { TableName: table, Item: { pk: { S: 'checked' }, v: { S: 'small' } } } },
          ],
        }),
      );
      metering.reset({ exactTransactions: true });

      await client().send(
        new TransactWriteItemsCommand({
          TransactItems: Array.from({ length: 10 }, (_, index) => ({
            Put: { TableName: table, Item: { pk: { S: `ten-${index}` }, v: { S: 'y'.repeat(600) } } },
          })),
        }),
      );
      expect(metering.snapshot().dynamodb[table]?.writeUnits).toBe(10 * 2);

      metering.reset({ exactTransactions: true });
      await client().send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: { pk: { S: 'big' } },
                UpdateExpression: 'SET flag = :flag',
                ExpressionAttributeValues: { ':flag': { BOOL: true } },
              },
            },
            { Delete: { TableName: table, Key: { pk: { S: 'two' } } } },
            {
              ConditionCheck: {
                TableName: table,
                Key: { pk: { S: 'checked' } },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
          ],
        }),
      );
      expect(metering.snapshot().dynamodb[table]?.writeUnits).toBe(2 * 3 + 2 * 2 + 2 * 1);
    });

    it('adds an index write for a new entry, and a delete and a put when the index key changes', async () => {
      metering.reset({ exactTransactions: true });
      await client().send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: indexed,
                Item: { pk: { S: 'i' }, gsi1pk: { S: 'first' }, v: { S: kilobytes(1.5) } },
              },
            },
          ],
        }),
      );
      expect(metering.snapshot().dynamodb[indexed]?.writeUnits).toBe(2 * 2 + 2);

      metering.reset({ exactTransactions: true });
      await client().send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: indexed,
                Key: { pk: { S: 'i' } },
                UpdateExpression: 'SET gsi1pk = :moved',
                ExpressionAttributeValues: { ':moved': { S: 'second' } },
              },
            },
          ],
        }),
      );
      expect(metering.snapshot().dynamodb[indexed]?.writeUnits).toBe(2 * 2 + 2 + 2);
    });
  });

  describe('write units by the kind of item written', () => {
    it('counts single writes under their item and a transaction under each item it writes', async () => {
      const client = new DynamoDBClient(emulatorClientConfig(proxy.endpoint));
      metering.reset({ exactTransactions: true });

      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: 't1#INVOICE#a' }, v: { S: 'x'.repeat(1500) } },
        }),
      );
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { pk: { S: 't1#INVOICE#b' } } } },
            { Put: { TableName: table, Item: { pk: { S: 'DELIVERY#0001' } } } },
          ],
        }),
      );

      expect(metering.snapshot().dynamodbWriteUnitsByItem).toEqual({ INVOICE: 2 + 2, DELIVERY: 2 });
      expect(metering.snapshot().dynamodb[table]?.writeUnits).toBe(2 + 2 + 2);
    });
  });

  describe('timed handlers', () => {
    it('counts each invocation with its duration, failures too, and detect’s tick apart', async () => {
      const handler = metering.timed(
        'detect',
        async (event: { tick?: boolean; fail?: boolean }, _context: unknown) => {
          if (event.fail) throw new Error('failed');
          return 'ok';
        },
      );

      await handler({}, undefined as never);
      await handler({ tick: true }, undefined as never);
      await expect(handler({ fail: true }, undefined as never)).rejects.toThrow('failed');

      const { lambda } = metering.snapshot();
      expect({ detect: lambda.detect?.invocations, tick: lambda['detect:tick']?.invocations }).toEqual({
        detect: 2,
        tick: 1,
      });
    });
  });
  describe('a connection the service drops', () => {
    it('is dropped for the caller too, never answered with a status of the proxy’s own', async () => {
      // A fault proxy's "drop-after": the caller must see a lost answer (outcome unknown), not a 502 it would retry.
      const dropping = createServer((request) => request.socket.destroy());
      await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
      const relay = await metering.proxy(
        'sesv2',
        `http://127.0.0.1:${(dropping.address() as AddressInfo).port}`,
      );
      try {
        const failure = await fetch(`${relay.endpoint}/v2/email/outbound-emails`, {
          method: 'POST',
          body: '{}',
        }).then(
          (response) => `answered ${response.status}`,
          (error: Error) =>
            `failed: ${(error.cause as { code?: string } | undefined)?.code ?? error.message}`,
        );
        expect(failure).toBe('failed: UND_ERR_SOCKET');
      } finally {
        await relay.stop();
        await new Promise((resolve) => dropping.close(resolve));
      }
    });
  });
});
