// adapter: DynamoDB → RestoreTarget and RestoreVerifier. Writes backed-up items into a new, empty table of the
// source's definition, then reads every item back through the same codecs the API uses: a sealed record that
// does not open against its context and digest, or an audit chain that does not verify, fails the restore.
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  ScanCommand,
  type AttributeValue as SdkAttributeValue,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { ScanCommand as DocumentScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from 'aws-lambda';
import { type ChainHead, type SignedCheckpoint, verifyChain } from '../domain/audit-chain';
import { entityTypes } from '../platform/key-layout';
import { keyStoreTableCreation, mainTableCreation, tableDefinition } from '../platform/table-definition';
import type { CheckpointVerifier } from '../ports/checkpoint-signer';
import type {
  RestoreTarget,
  RestoreVerification,
  RestoreVerifier,
  StoredItem,
} from '../ports/restore-target';
import { TargetNotEmptyError } from '../ports/restore-target';
import type { Sealer } from '../ports/sealer';
import { DynamoDbAuditTrail } from './dynamodb-audit-trail';
import {
  creditNoteCodec,
  customerCodec,
  invoiceCodec,
  paymentCodec,
  sellerProfileCodec,
} from './dynamodb-codecs';
import { openIdempotencyRecord } from './dynamodb-idempotency-store';

/** Backups hold binary attributes as base64 text, as the stream does; the SDK wants bytes. */
function toSdk(value: AttributeValue): SdkAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B, 'base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((entry) => Buffer.from(entry, 'base64')) };
  if (value.M !== undefined) return { M: toSdkItem(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toSdk) };
  return value as SdkAttributeValue;
}

function toSdkItem(item: Readonly<Record<string, AttributeValue>>): Record<string, SdkAttributeValue> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, toSdk(value)]));
}

export class DynamoDbRestoreTarget implements RestoreTarget {
  constructor(
    private readonly options: {
      readonly client: DynamoDBClient;
      readonly tableName: string;
      readonly kind: 'main' | 'key-store';
      readonly pause?: (milliseconds: number) => Promise<void>;
      /** BatchWriteItem calls in flight at once. @default 8 */
      readonly writesInFlight?: number;
    },
  ) {}

  get tableName(): string {
    return this.options.tableName;
  }

  async prepare(): Promise<void> {
    const { client, tableName } = this.options;
    try {
      const { Items: items = [] } = await client.send(new ScanCommand({ TableName: tableName, Limit: 1 }));
      if (items.length > 0) {
        throw new TargetNotEmptyError(
          `table ${tableName} already holds items; restore into a new or empty table`,
        );
      }
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await client.send(
      new CreateTableCommand(
        this.options.kind === 'main' ? mainTableCreation(tableName) : keyStoreTableCreation(tableName),
      ),
    );
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
    if (this.options.kind === 'main') {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  }

  /** BatchWriteItem 25 at a time, `writesInFlight` of them at once (default 8), retrying what DynamoDB leaves. */
  async write(items: readonly StoredItem[]): Promise<void> {
    const pause =
      this.options.pause ?? ((milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)));
    const chunks: StoredItem[][] = [];
    for (let start = 0; start < items.length; start += 25) chunks.push(items.slice(start, start + 25));
    let next = 0;
    const writeChunk = async (chunk: readonly StoredItem[]) => {
      let requests = chunk.map((item) => ({ PutRequest: { Item: toSdkItem(item) } }));
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        const { UnprocessedItems: unprocessed } = await this.options.client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.options.tableName]: requests } }),
        );
        requests = (unprocessed?.[this.options.tableName] ?? []) as typeof requests;
        if (requests.length > 0) {
          if (attempt >= 20) throw new Error(`DynamoDB kept ${requests.length} items unprocessed`);
          await pause(Math.min(1000, 25 * 2 ** attempt));
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.options.writesInFlight ?? 8, chunks.length) }, async () => {
        while (next < chunks.length) {
          const chunk = chunks[next] ?? [];
          next += 1;
          await writeChunk(chunk);
        }
      }),
    );
  }
}

const sealedCodecs = {
  [entityTypes.invoice]: (sealer: Sealer, tenantId: string, item: Record<string, unknown>) =>
    invoiceCodec.fromItem(sealer, tenantId, item),
  [entityTypes.customer]: (sealer: Sealer, tenantId: string, item: Record<string, unknown>) =>
    customerCodec.fromItem(sealer, tenantId, item),
  [entityTypes.payment]: (sealer: Sealer, tenantId: string, item: Record<string, unknown>) =>
    paymentCodec.fromItem(sealer, tenantId, item),
  [entityTypes.creditNote]: (sealer: Sealer, tenantId: string, item: Record<string, unknown>) =>
    creditNoteCodec.fromItem(sealer, tenantId, item),
  [entityTypes.sellerProfile]: (sealer: Sealer, tenantId: string, item: Record<string, unknown>) =>
    sellerProfileCodec.fromItem(sealer, tenantId, item),
  [entityTypes.idempotency]: (sealer: Sealer, tenantId: string, item: Record<string, unknown>) =>
    openIdempotencyRecord(sealer, tenantId, item),
} as const;

export class DynamoDbRestoreVerifier implements RestoreVerifier {
  constructor(
    private readonly options: {
      readonly tableName: string;
      readonly client: DynamoDBDocumentClient;
      /** Over the RESTORED key store: the restored records must open with the restored branch keys. */
      readonly sealer: Sealer;
      /** Checks the signatures of the audit checkpoints (the audit key's public key). */
      readonly checkpoints: CheckpointVerifier;
    },
  ) {}

  async verify(
    onProgress?: (checked: number) => void,
    anchors: readonly SignedCheckpoint[] = [],
  ): Promise<RestoreVerification> {
    const counts: Record<string, number> = {};
    const failures: string[] = [];
    const tenants = new Set<string>();
    let sealedChecked = 0;
    let checked = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new DocumentScanCommand({
          TableName: this.options.tableName,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) {
        const entity = String(item.entity ?? 'unknown');
        counts[entity] = (counts[entity] ?? 0) + 1;
        const tenantId = String(item.pk ?? '').split('#')[0] ?? '';
        if (
          entity === entityTypes.auditHead ||
          entity === entityTypes.auditEntry ||
          entity === entityTypes.auditEvent
        ) {
          tenants.add(tenantId);
        }
        const open = sealedCodecs[entity as keyof typeof sealedCodecs];
        if (open !== undefined) {
          try {
            await open(this.options.sealer, tenantId, item);
            sealedChecked += 1;
          } catch (error) {
            failures.push(`${String(item.pk)} / ${String(item.sk)}: ${(error as Error).name}`);
          }
        }
        checked += 1;
        onProgress?.(checked);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);

    for (const anchor of anchors) tenants.add(anchor.tenantId);
    const trail = new DynamoDbAuditTrail(this.options);
    const chains = [];
    for (const tenantId of [...tenants].sort()) {
      const { events, head, checkpoints } = await trail.readAll(tenantId);
      const pending = await trail.pendingEntries(tenantId, 1_000_000);
      const signed = new Map<number, ChainHead>();
      let forged: number | undefined;
      for (const checkpoint of [
        ...checkpoints,
        ...anchors.filter((anchor) => anchor.tenantId === tenantId),
      ]) {
        const genuine =
          checkpoint.tenantId === tenantId && (await this.options.checkpoints.verify(checkpoint));
        const other = signed.get(checkpoint.sequence);
        if (!genuine || (other !== undefined && other.hash !== checkpoint.hash)) {
          forged = Math.min(forged ?? checkpoint.sequence, checkpoint.sequence);
        }
        signed.set(checkpoint.sequence, checkpoint);
      }
      const result = verifyChain(tenantId, events, head, signed);
      const longest = Math.max(0, ...signed.keys());
      const reason =
        forged !== undefined
          ? `checkpoint-forged at ${forged}`
          : !result.valid
            ? `${result.reason} at ${result.firstBrokenSequence}`
            : longest > result.head.sequence
              ? `missing at ${result.head.sequence + 1} (a checkpoint signed ${longest} events)`
              : undefined;
      chains.push({
        tenantId,
        valid: reason === undefined,
        checked: result.checked,
        checkpoints: signed.size,
        pending,
        ...(reason === undefined ? {} : { reason }),
      });
    }
    return { counts, sealedChecked, chains, failures };
  }
}
