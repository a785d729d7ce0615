// adapter: DynamoDB → AuditTrail (reads the events, head and checkpoints the chain writer wrote, and counts the
// entries the business transactions wrote that are not chained yet).
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { type AuditEvent, type ChainHead, emptyChain, type SignedCheckpoint } from '../domain/audit-chain';
import {
  auditCheckpointKey,
  auditCheckpointPrefix,
  auditEntriesPartition,
  auditEntryPrefix,
  auditEventKey,
  auditEventPrefix,
  auditHeadKey,
  auditPartition,
} from '../platform/key-layout';
import type { AuditTrail } from '../ports/audit-trail';
import { InvalidCursorError, type Page } from '../ports/page';
import type { Sealer } from '../ports/sealer';
import { PageCursors } from './dynamodb-cursor';

const eventSchema = z.object({
  tenantId: z.string(),
  sequence: z.int(),
  entryId: z.optional(z.string()),
  previousHash: z.string(),
  hash: z.string(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  actor: z.object({ clientId: z.string(), sourceIp: z.string(), requestId: z.string() }),
  at: z.string(),
  details: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
});

/** Parsed leniently on purpose: verification must see a tampered event as it is, not fail to read it. */
export function toAuditEvent(item: Record<string, unknown>): AuditEvent {
  const parsed = eventSchema.safeParse(item);
  if (parsed.success) {
    const { entryId, ...event } = parsed.data;
    return entryId === undefined ? event : { ...event, entryId };
  }
  return {
    tenantId: String(item.tenantId ?? ''),
    sequence: Number(item.sequence ?? -1),
    previousHash: String(item.previousHash ?? ''),
    hash: String(item.hash ?? ''),
    action: String(item.action ?? ''),
    entityType: String(item.entityType ?? ''),
    entityId: String(item.entityId ?? ''),
    actor: { clientId: '', sourceIp: '', requestId: '' },
    at: String(item.at ?? ''),
  };
}

function toCheckpoint(item: Record<string, unknown>): SignedCheckpoint {
  return {
    tenantId: String(item.tenantId ?? ''),
    sequence: Number(item.sequence ?? -1),
    hash: String(item.hash ?? ''),
    signedAt: String(item.signedAt ?? ''),
    signature: String(item.signature ?? ''),
    keyId: String(item.keyId ?? ''),
    algorithm: String(item.algorithm ?? ''),
  };
}

const positionList = 'audit-verification';

export class DynamoDbAuditTrail implements AuditTrail {
  private readonly cursors: PageCursors;

  constructor(
    private readonly options: {
      readonly tableName: string;
      readonly client: DynamoDBDocumentClient;
      /** Seals cursors only: audit events hold no personal data and are stored in the clear. */
      readonly sealer: Sealer;
    },
  ) {
    this.cursors = new PageCursors(options.sealer);
  }

  async list(tenantId: string, limit: number, cursor?: string): Promise<Page<AuditEvent>> {
    const startKey = await this.cursors.decode(tenantId, 'audit-events', cursor, {
      pk: { equals: auditPartition(tenantId) },
      sk: { prefix: auditEventPrefix },
    });
    const page = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :partition AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':partition': auditPartition(tenantId), ':events': auditEventPrefix },
        ScanIndexForward: false,
        Limit: limit,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    const nextCursor = await this.cursors.encode(tenantId, 'audit-events', page.LastEvaluatedKey);
    return {
      items: (page.Items ?? []).map(toAuditEvent),
      ...(nextCursor === undefined ? {} : { nextCursor }),
    };
  }

  /** Items of the audit partition between two sort keys (exclusive, inclusive), ascending, up to `limit`. */
  private async range(
    tenantId: string,
    after: string,
    through: string,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    while (items.length < limit) {
      const page: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> } =
        await this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: 'pk = :partition AND sk BETWEEN :after AND :through',
            ExpressionAttributeValues: {
              ':partition': auditPartition(tenantId),
              ':after': after,
              ':through': through,
            },
            ConsistentRead: true,
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
            ...(Number.isFinite(limit) ? { Limit: limit - items.length } : {}),
          }),
        );
      items.push(...(page.Items ?? []).filter((item) => item.sk !== after));
      startKey = page.LastEvaluatedKey;
      if (startKey === undefined) break;
    }
    return items;
  }

  async segment(tenantId: string, afterSequence: number, limit: number): Promise<readonly AuditEvent[]> {
    const items = await this.range(
      tenantId,
      auditEventKey(tenantId, afterSequence).sk,
      `${auditEventPrefix}\uffff`,
      limit,
    );
    return items.map(toAuditEvent);
  }

  async head(tenantId: string): Promise<ChainHead> {
    const { Item: head } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: auditHeadKey(tenantId),
        ConsistentRead: true,
      }),
    );
    return head === undefined ? emptyChain : { sequence: Number(head.sequence), hash: String(head.hash) };
  }

  async checkpoints(tenantId: string, after: number, through: number): Promise<readonly SignedCheckpoint[]> {
    const items = await this.range(
      tenantId,
      auditCheckpointKey(tenantId, after).sk,
      auditCheckpointKey(tenantId, through).sk,
    );
    return items.map(toCheckpoint);
  }

  async latestCheckpoint(tenantId: string): Promise<SignedCheckpoint | undefined> {
    const { Items: items = [] } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :partition AND begins_with(sk, :checkpoints)',
        ExpressionAttributeValues: {
          ':partition': auditPartition(tenantId),
          ':checkpoints': auditCheckpointPrefix,
        },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const [item] = items;
    return item === undefined ? undefined : toCheckpoint(item);
  }

  async pendingEntries(tenantId: string, atMost: number): Promise<number> {
    const { Items: items = [] } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :partition AND begins_with(sk, :entries)',
        ExpressionAttributeValues: {
          ':partition': auditEntriesPartition(tenantId),
          ':entries': auditEntryPrefix,
        },
        // An item holds one entry, or lists `entryCount` of one transaction (see auditEntriesItem).
        ProjectionExpression: 'entryCount',
        ConsistentRead: true,
        Limit: atMost,
      }),
    );
    const count = items.reduce((sum, item) => sum + (Number(item.entryCount) || 1), 0);
    return Math.min(count, atMost);
  }

  async readAll(tenantId: string) {
    const [events, head, checkpoints] = await Promise.all([
      this.segment(tenantId, 0, Number.POSITIVE_INFINITY),
      this.head(tenantId),
      this.checkpoints(tenantId, 0, 999_999_999_999),
    ]);
    return { events, head, checkpoints };
  }

  async encodePosition(tenantId: string, position: ChainHead): Promise<string> {
    const cursor = await this.cursors.encode(tenantId, positionList, {
      sequence: String(position.sequence),
      hash: position.hash,
    });
    if (cursor === undefined) throw new Error('a position always encodes');
    return cursor;
  }

  async decodePosition(tenantId: string, cursor: string): Promise<ChainHead> {
    const position = await this.cursors.decode(tenantId, positionList, cursor, {
      sequence: { prefix: '' },
      hash: { prefix: '' },
    });
    const sequence = Number(position?.sequence);
    if (!Number.isSafeInteger(sequence) || sequence < 0 || position?.hash === undefined) {
      throw new InvalidCursorError('the cursor is not one this API issued for this verification');
    }
    return { sequence, hash: position.hash };
  }
}
