// adapter: DynamoDB → IdempotencyStore. A key is claimed with a conditional put; the ledger completes it
// in the same transaction as the change, so a crash can never leave a change without its stored response.
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { entityTypes, idempotencyKey } from '../platform/key-layout';
import type { ClaimOutcome, IdempotencyStore } from '../ports/idempotency-store';
import type { IdempotentResult, StoredResponse } from '../ports/ledger';
import { IntegrityError, type Sealer } from '../ports/sealer';
import { openRecord, sealRecord } from './sealed-record';

/** Keys are kept at least this long (the TTL attribute removes them later). */
export const idempotencyRetentionSeconds = 48 * 3600;
/** A claim whose request died (timeout, crash) may be taken over after this. */
const claimLeaseSeconds = 60;

const identity = (tenantId: string, key: string) => ({
  tenantId,
  entityType: entityTypes.idempotency,
  entityId: idempotencyKey(tenantId, key).pk,
});

/** Stored responses hold personal data (an invoice echoes its customer), so they are sealed too. */
export async function sealIdempotentResponse(
  sealer: Sealer,
  tenantId: string,
  result: IdempotentResult,
): Promise<Uint8Array> {
  return sealRecord(
    sealer,
    identity(tenantId, result.key),
    { requestHash: result.requestHash },
    result.response,
  );
}

const recordSchema = z.object({
  state: z.enum(['in-progress', 'completed']),
  requestHash: z.string(),
  claimToken: z.string(),
  leaseExpiresAt: z.number(),
  expiresAt: z.number(),
  response: z.optional(z.instanceof(Uint8Array)),
});
const responseSchema = z.object({
  statusCode: z.int(),
  body: z.string(),
  headers: z.record(z.string(), z.string()),
});

/**
 * Opens a stored record's response as it lies in the table (for a restore's verification): the sealed part must
 * open under the record's own key and request hash. A claim without a response has nothing sealed.
 */
export async function openIdempotencyRecord(sealer: Sealer, tenantId: string, item: Record<string, unknown>) {
  const record = recordSchema.safeParse(item);
  if (!record.success || typeof item.pk !== 'string' || !item.pk.startsWith(`${tenantId}#`)) {
    throw new IntegrityError('stored idempotency record has an unexpected shape');
  }
  if (record.data.response === undefined) return undefined;
  const opened = await openRecord(
    sealer,
    { tenantId, entityType: entityTypes.idempotency, entityId: item.pk },
    { requestHash: record.data.requestHash },
    record.data.response,
  );
  return responseSchema.parse(opened);
}

export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly options: {
      readonly tableName: string;
      readonly client: DynamoDBDocumentClient;
      readonly sealer: Sealer;
      readonly now?: () => number;
    },
  ) {}

  private nowSeconds(): number {
    return Math.floor((this.options.now?.() ?? Date.now()) / 1000);
  }

  async claim(tenantId: string, key: string, requestHash: string): Promise<ClaimOutcome> {
    const now = this.nowSeconds();
    const claimToken = randomUUID();
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...idempotencyKey(tenantId, key),
            entity: entityTypes.idempotency,
            state: 'in-progress',
            requestHash,
            claimToken,
            leaseExpiresAt: now + claimLeaseSeconds,
            expiresAt: now + idempotencyRetentionSeconds,
          },
          // Free, expired (TTL deletes lazily), or an in-progress claim whose lease ran out.
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :now OR (#state = :inProgress AND leaseExpiresAt < :now)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':now': now, ':inProgress': 'in-progress' },
        }),
      );
      return { outcome: 'claimed', claimToken };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: idempotencyKey(tenantId, key),
        ConsistentRead: true,
      }),
    );
    const record = recordSchema.safeParse(item);
    if (!record.success) {
      // It vanished or changed between our put and get: treat it as still in flight, the client retries.
      return { outcome: 'in-progress', requestHash: '' };
    }
    if (record.data.state === 'in-progress' || record.data.response === undefined) {
      return { outcome: 'in-progress', requestHash: record.data.requestHash };
    }
    const opened = await openRecord(
      this.options.sealer,
      identity(tenantId, key),
      { requestHash: record.data.requestHash },
      record.data.response,
    );
    return {
      outcome: 'completed',
      requestHash: record.data.requestHash,
      response: responseSchema.parse(opened) satisfies StoredResponse,
    };
  }

  async release(tenantId: string, key: string, claimToken: string): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteCommand({
          TableName: this.options.tableName,
          Key: idempotencyKey(tenantId, key),
          ConditionExpression: '#state = :inProgress AND claimToken = :token',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':inProgress': 'in-progress', ':token': claimToken },
        }),
      );
    } catch (error) {
      // Someone else holds or completed it now; nothing of ours to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
