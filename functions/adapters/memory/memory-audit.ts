// adapter (memory): MemoryTable → the audit ports — AuditTrail (reads), AuditChainStore (the chain writer's
// tail and atomic append) — and an in-process ECDSA P-256 key as CheckpointSigner and CheckpointVerifier.
import { createHmac, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import * as z from 'zod/mini';
import {
  type AuditEvent,
  type ChainHead,
  checkpointMessage,
  emptyChain,
  type SignedCheckpoint,
} from '../../domain/audit-chain';
import {
  type AuditChainStore,
  type ChainAppend,
  ChainMovedError,
  type ChainTail,
} from '../../ports/audit-chain-store';
import type { AuditTrail } from '../../ports/audit-trail';
import type {
  CheckpointSignature,
  CheckpointSigner,
  CheckpointVerifier,
} from '../../ports/checkpoint-signer';
import { InvalidCursorError, type Page } from '../../ports/page';
import { Faults } from './faults';
import { pageOf } from './memory-cursor';
import type { MemoryTable } from './memory-table';

const positionSchema = z.object({
  tenant: z.string(),
  sequence: z.int().check(z.minimum(0)),
  hash: z.string(),
});

export class MemoryAuditTrail implements AuditTrail {
  private readonly cursorKey = randomUUID();

  constructor(private readonly table: MemoryTable) {}

  async list(tenantId: string, limit: number, cursor?: string): Promise<Page<AuditEvent>> {
    const events = structuredClone(this.table.auditOf(tenantId)).reverse();
    return pageOf(events, tenantId, 'audit-events', limit, cursor);
  }

  async readAll(tenantId: string) {
    return {
      events: structuredClone(this.table.auditOf(tenantId)),
      head: await this.head(tenantId),
      checkpoints: structuredClone(this.table.checkpointsOf(tenantId)),
    };
  }

  async segment(tenantId: string, afterSequence: number, limit: number): Promise<readonly AuditEvent[]> {
    // Stored order, as a range query over the sort key returns it.
    return structuredClone(
      this.table
        .auditOf(tenantId)
        .filter((event) => event.sequence > afterSequence)
        .sort((a, b) => a.sequence - b.sequence)
        .slice(0, limit),
    );
  }

  async head(tenantId: string): Promise<ChainHead> {
    return { ...(this.table.auditHeads.get(tenantId) ?? emptyChain) };
  }

  async checkpoints(tenantId: string, after: number, through: number): Promise<readonly SignedCheckpoint[]> {
    return structuredClone(
      this.table
        .checkpointsOf(tenantId)
        .filter((checkpoint) => checkpoint.sequence > after && checkpoint.sequence <= through)
        .sort((a, b) => a.sequence - b.sequence),
    );
  }

  async latestCheckpoint(tenantId: string): Promise<SignedCheckpoint | undefined> {
    const sorted = [...this.table.checkpointsOf(tenantId)].sort((a, b) => a.sequence - b.sequence);
    const latest = sorted.at(-1);
    return latest === undefined ? undefined : structuredClone(latest);
  }

  async pendingEntries(tenantId: string, atMost: number): Promise<number> {
    return Math.min(this.table.pendingAuditOf(tenantId).length, atMost);
  }

  private mac(data: string): string {
    return createHmac('sha256', this.cursorKey).update(data).digest('base64url');
  }

  async encodePosition(tenantId: string, position: ChainHead): Promise<string> {
    const data = Buffer.from(JSON.stringify({ tenant: tenantId, ...position })).toString('base64url');
    return `${data}.${this.mac(data)}`;
  }

  async decodePosition(tenantId: string, cursor: string): Promise<ChainHead> {
    const [data = '', mac] = cursor.split('.');
    try {
      if (mac !== this.mac(data)) throw new Error('not ours');
      const position = positionSchema.parse(JSON.parse(Buffer.from(data, 'base64url').toString('utf8')));
      if (position.tenant !== tenantId) throw new Error('another tenant');
      return { sequence: position.sequence, hash: position.hash };
    } catch (error) {
      throw new InvalidCursorError('the cursor is not one this API issued for this verification', {
        cause: error,
      });
    }
  }
}

export class MemoryAuditChainStore implements AuditChainStore {
  constructor(private readonly table: MemoryTable) {}

  async tail(tenantId: string, count: number): Promise<ChainTail> {
    await this.table.faults.enter('chain.tail');
    const events = [...this.table.auditOf(tenantId)].sort((a, b) => b.sequence - a.sequence).slice(0, count);
    const head = this.table.auditHeads.get(tenantId);
    return { head: head === undefined ? undefined : { ...head }, events: structuredClone(events) };
  }

  async chained(tenantId: string, entryIds: readonly string[]): Promise<ReadonlySet<string>> {
    const chained = new Set(this.table.auditOf(tenantId).flatMap((event) => event.entryId ?? []));
    return new Set(entryIds.filter((entryId) => chained.has(entryId)));
  }

  async append(tenantId: string, append: ChainAppend): Promise<void> {
    await this.table.faults.enter('chain.append');
    const current = this.table.auditHeads.get(tenantId);
    const expected = append.expectedHead;
    const headHolds =
      expected === undefined
        ? current === undefined
        : current?.sequence === expected.sequence && current.hash === expected.hash;
    const events = this.table.auditOf(tenantId);
    const taken = new Set(events.map((event) => event.sequence));
    if (!headHolds || append.events.some((event) => taken.has(event.sequence))) {
      throw new ChainMovedError('the chain head moved while appending');
    }
    const last = append.events.at(-1);
    if (last === undefined) return;
    events.push(...structuredClone(append.events));
    this.table.auditHeads.set(tenantId, { sequence: last.sequence, hash: last.hash });
    const chained = new Set(append.chainedEntryIds);
    const pending = this.table.pendingAuditOf(tenantId);
    this.table.auditEntries.set(
      tenantId,
      pending.filter((entry) => !chained.has(entry.entryId)),
    );
    if (append.checkpoint !== undefined)
      this.table.checkpointsOf(tenantId).push(structuredClone(append.checkpoint));
  }
}

/** A P-256 key pair made for this process: signs like the KMS key, so tests can forge what it did not sign. */
export class MemoryCheckpointKeys implements CheckpointSigner, CheckpointVerifier {
  readonly faults = new Faults();
  readonly keyId = `memory-checkpoint-key-${randomUUID()}`;
  private readonly pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  async sign(message: Uint8Array): Promise<CheckpointSignature> {
    await this.faults.enter('sign');
    return {
      signature: sign('sha256', message, { key: this.pair.privateKey, dsaEncoding: 'der' }).toString(
        'base64',
      ),
      keyId: this.keyId,
      algorithm: 'ECDSA_SHA_256',
    };
  }

  async verify(checkpoint: SignedCheckpoint): Promise<boolean> {
    try {
      return verify(
        'sha256',
        checkpointMessage(checkpoint),
        { key: this.pair.publicKey, dsaEncoding: 'der' },
        Buffer.from(checkpoint.signature, 'base64'),
      );
    } catch {
      return false;
    }
  }
}
