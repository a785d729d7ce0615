// adapter: DynamoDB → AuditTrail (reads the events DynamoDbLedger wrote).
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type AuditEvent, emptyChain } from '../domain/audit-chain';
import { auditHeadKey, auditPartition } from '../platform/key-layout';
import type { AuditTrail } from '../ports/audit-trail';
import type { Page } from '../ports/page';
import type { Sealer } from '../ports/sealer';
import { PageCursors } from './dynamodb-cursor';

const eventSchema = z.object({
  tenantId: z.string(),
  sequence: z.int(),
  previousHash: z.string(),
  hash: z.string(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  actor: z.object({ clientId: z.string(), sourceIp: z.string(), requestId: z.string() }),
  at: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

/** Parsed leniently on purpose: verification must see a tampered event as it is, not fail to read it. */
function toEvent(item: Record<string, unknown>): AuditEvent {
  const parsed = eventSchema.safeParse(item);
  if (parsed.success) return parsed.data;
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

export class DynamoDbAuditTrail implements AuditTrail {
  private readonly cursors: PageCursors;

  constructor(
    private readonly options: {
      readonly tableName: string;
      readonly client: DynamoDBDocumentClient;
      /** Seals page cursors only: audit events hold no personal data and are stored in the clear. */
      readonly sealer: Sealer;
    },
  ) {
    this.cursors = new PageCursors(options.sealer);
  }

  async list(tenantId: string, limit: number, cursor?: string): Promise<Page<AuditEvent>> {
    const startKey = await this.cursors.decode(tenantId, 'audit-events', cursor, {
      pk: { equals: auditPartition(tenantId) },
      sk: { prefix: 'EVENT#' },
    });
    const page = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :partition AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':partition': auditPartition(tenantId), ':events': 'EVENT#' },
        ScanIndexForward: false,
        Limit: limit,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    const nextCursor = await this.cursors.encode(tenantId, 'audit-events', page.LastEvaluatedKey);
    return { items: (page.Items ?? []).map(toEvent), ...(nextCursor === undefined ? {} : { nextCursor }) };
  }

  async readAll(tenantId: string) {
    const events: AuditEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :partition AND begins_with(sk, :events)',
          ExpressionAttributeValues: { ':partition': auditPartition(tenantId), ':events': 'EVENT#' },
          ConsistentRead: true,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      events.push(...(page.Items ?? []).map(toEvent));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    const { Item: head } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: auditHeadKey(tenantId),
        ConsistentRead: true,
      }),
    );
    return {
      events,
      head: head === undefined ? emptyChain : { sequence: Number(head.sequence), hash: String(head.hash) },
    };
  }
}
