// test: the chain writer's store (adapters/dynamodb-audit-chain-store.ts) on DynamoDB Local, through the real
// chainer — an entry is chained once however often the stream hands it over: a retried batch, or the stream read
// again from its start after the entries were removed. The in-memory store cannot show this: it is the
// CHAINED#<entry id> marker in DynamoDB that the chainer relies on.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditChainStore } from '../../functions/adapters/dynamodb-audit-chain-store';
import { MemoryCheckpointKeys } from '../../functions/adapters/memory/memory-audit';
import { MemorySecuritySignals } from '../../functions/adapters/memory/memory-services';
import { makeAuditChainer } from '../../functions/application/chain-audit-entries';
import type { PendingAuditEntry } from '../../functions/domain/audit-chain';
import { auditEventPrefix, auditPartition, randomId } from '../../functions/platform/key-layout';
import { emulatorClientConfig, type RunningDynamoDb, startDynamoDb } from '../../local/emulators';

const TableName = 'chain-store';
const tenantId = 'ten_chainStoreTest01';

function entries(count: number): PendingAuditEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    tenantId,
    entryId: randomId('auditEntry'),
    action: 'invoice.created',
    entityType: 'invoice',
    entityId: `inv_${String(index).padStart(32, '0')}`,
    at: new Date(Date.UTC(2026, 11, 1, 12, 0, index)).toISOString(),
    actor: { clientId: 'cli_chainStoreTest01', sourceIp: '192.0.2.1', requestId: `request-${index}` },
  }));
}

describe('the chain store on DynamoDB Local', () => {
  let dynamoDb: RunningDynamoDb;
  let raw: DynamoDBClient;
  let client: DynamoDBDocumentClient;
  let signals: MemorySecuritySignals;
  let chain: ReturnType<typeof makeAuditChainer>;

  beforeAll(async () => {
    dynamoDb = await startDynamoDb({ port: 0 });
    raw = new DynamoDBClient(emulatorClientConfig(dynamoDb.endpoint));
    client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    await raw.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    signals = new MemorySecuritySignals();
    chain = makeAuditChainer({
      store: new DynamoDbAuditChainStore({ tableName: TableName, client }),
      signer: new MemoryCheckpointKeys(),
      signals,
      now: () => new Date(),
    });
  }, 90_000);

  afterAll(async () => {
    raw?.destroy();
    await dynamoDb?.stop();
  });

  const storedEvents = async () =>
    (
      await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
          ExpressionAttributeValues: { ':pk': auditPartition(tenantId), ':events': auditEventPrefix },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];

  it('chains each entry once when the same entries come again, in a retried batch or a replayed stream', async () => {
    // 40 entries: more than one transaction of 32 events.
    const first = entries(40);
    expect(await chain(tenantId, first)).toMatchObject({ appended: 40, head: { sequence: 40 } });

    // The same batch again (the mapping retried it after a later tenant failed), then the stream from its start
    // with the first entries and new ones behind them.
    expect(await chain(tenantId, first)).toMatchObject({ appended: 0, alreadyChained: 40 });
    const later = entries(5);
    expect(await chain(tenantId, [...first.slice(10), ...later])).toMatchObject({
      appended: 5,
      alreadyChained: 30,
      head: { sequence: 45 },
    });

    const events = await storedEvents();
    expect(events.map((event) => event.entryId)).toEqual([...first, ...later].map((entry) => entry.entryId));
    expect(events.map((event) => event.sequence)).toEqual(
      Array.from({ length: 45 }, (_, index) => index + 1),
    );
    expect(signals.recorded).toEqual([]);
  }, 60_000);
});
