// adapter: DynamoDB → AuditChainStore. The chain writer's reads (head, newest event, which entries are chained —
// consistent) and its append: events with their entries' markers and removals, the head and the checkpoint, in
// TransactWriteItems of at most 100 items, each conditioned on the head the one before left.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ChainHead } from '../domain/audit-chain';
import {
  auditChainedKey,
  auditCheckpointKey,
  auditEntryKey,
  auditEventKey,
  auditEventPrefix,
  auditHeadKey,
  auditPartition,
  entityTypes,
} from '../platform/key-layout';
import {
  type AuditChainStore,
  type ChainAppend,
  ChainMovedError,
  type ChainTail,
} from '../ports/audit-chain-store';
import { toAuditEvent } from './dynamodb-audit-trail';

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

/**
 * Events per transaction: each is its put, its entry's marker and the entry's removal, plus the head and the
 * checkpoint — 3 × 32 + 2 ≤ 100.
 */
const eventsPerTransaction = 32;

export class DynamoDbAuditChainStore implements AuditChainStore {
  constructor(
    private readonly options: { readonly tableName: string; readonly client: DynamoDBDocumentClient },
  ) {}

  async tail(tenantId: string, count: number): Promise<ChainTail> {
    const { tableName: TableName, client } = this.options;
    const [{ Item: head }, { Items: items = [] }] = await Promise.all([
      client.send(new GetCommand({ TableName, Key: auditHeadKey(tenantId), ConsistentRead: true })),
      client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :partition AND begins_with(sk, :events)',
          ExpressionAttributeValues: { ':partition': auditPartition(tenantId), ':events': auditEventPrefix },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: count,
        }),
      ),
    ]);
    return {
      head: head === undefined ? undefined : { sequence: Number(head.sequence), hash: String(head.hash) },
      events: items.map(toAuditEvent),
    };
  }

  async chained(tenantId: string, entryIds: readonly string[]): Promise<ReadonlySet<string>> {
    const { tableName: TableName, client } = this.options;
    const found = new Set<string>();
    const unique = [...new Set(entryIds)];
    for (let start = 0; start < unique.length; start += 100) {
      let keys: Record<string, unknown>[] = unique
        .slice(start, start + 100)
        .map((entryId) => auditChainedKey(tenantId, entryId));
      for (let attempt = 0; keys.length > 0; attempt += 1) {
        if (attempt >= 10) throw new Error(`DynamoDB kept ${keys.length} keys unprocessed`);
        const { Responses: responses, UnprocessedKeys: unprocessed } = await client.send(
          new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of responses?.[TableName] ?? []) {
          found.add(String(item.sk).slice(auditChainedKey(tenantId, '').sk.length));
        }
        keys = (unprocessed?.[TableName]?.Keys ?? []) as Record<string, unknown>[];
        if (keys.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      }
    }
    return found;
  }

  async append(tenantId: string, append: ChainAppend): Promise<void> {
    const { tableName: TableName, client } = this.options;
    let expected = append.expectedHead;
    for (let start = 0; start < append.events.length; start += eventsPerTransaction) {
      const events = append.events.slice(start, start + eventsPerTransaction);
      const last = events.at(-1);
      if (last === undefined) return;
      const changedAt = new Date().toISOString();
      const items: TransactItem[] = [];
      for (const [index, event] of events.entries()) {
        items.push({
          Put: {
            TableName,
            Item: {
              ...auditEventKey(tenantId, event.sequence),
              entity: entityTypes.auditEvent,
              ...event,
              changedAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        });
        const entryId = append.chainedEntryIds[start + index];
        if (entryId !== undefined) {
          // The marker `chained` looks for: conditional, so an entry chained before can never be chained again,
          // however the stream is replayed (the transaction fails instead, and the writer re-reads).
          items.push({
            Put: {
              TableName,
              Item: {
                ...auditChainedKey(tenantId, entryId),
                entity: entityTypes.auditChained,
                sequence: event.sequence,
                changedAt,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          });
          // Unconditional: the entry was chained from the stream's image of it, whatever the table holds now. An
          // entry listed with others has no item of its own; theirs is keyed by the last, and goes with it.
          items.push({ Delete: { TableName, Key: auditEntryKey(tenantId, entryId) } });
        }
      }
      const next: ChainHead = { sequence: last.sequence, hash: last.hash };
      items.push({
        Put: {
          TableName,
          Item: { ...auditHeadKey(tenantId), entity: entityTypes.auditHead, ...next, changedAt },
          ...(expected === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#sequence = :sequence AND #hash = :hash',
                ExpressionAttributeNames: { '#sequence': 'sequence', '#hash': 'hash' },
                ExpressionAttributeValues: { ':sequence': expected.sequence, ':hash': expected.hash },
              }),
        },
      });
      const { checkpoint } = append;
      if (checkpoint !== undefined && start + eventsPerTransaction >= append.events.length) {
        items.push({
          Put: {
            TableName,
            Item: {
              ...auditCheckpointKey(tenantId, checkpoint.sequence),
              entity: entityTypes.auditCheckpoint,
              ...checkpoint,
              changedAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        });
      }
      try {
        await client.send(new TransactWriteCommand({ TransactItems: items }));
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          throw new ChainMovedError('the chain head moved while appending', { cause: error });
        }
        throw error;
      }
      expected = next;
    }
  }
}
