// adapter (memory): MemoryTable → IdempotencyStore, with the DynamoDB store's claim rules: a key is free,
// expired, or held by a claim whose lease ran out; the ledger completes it in the commit.
import { randomUUID } from 'node:crypto';
import type { ClaimOutcome, IdempotencyStore } from '../../ports/idempotency-store';
import { MemoryTable } from './memory-table';

const retentionSeconds = 48 * 3600;
const claimLeaseSeconds = 60;

export class MemoryIdempotencyStore implements IdempotencyStore {
  constructor(private readonly table: MemoryTable) {}

  async claim(tenantId: string, key: string, requestHash: string): Promise<ClaimOutcome> {
    await this.table.faults.enter('idempotency.claim');
    const now = Math.floor(this.table.clock() / 1000);
    const id = MemoryTable.key(tenantId, key);
    const current = this.table.idempotency.get(id);
    const free =
      current === undefined ||
      current.expiresAt < now ||
      (current.state === 'in-progress' && current.leaseExpiresAt < now);
    if (free) {
      const claimToken = randomUUID();
      this.table.idempotency.set(id, {
        state: 'in-progress',
        requestHash,
        claimToken,
        leaseExpiresAt: now + claimLeaseSeconds,
        expiresAt: now + retentionSeconds,
      });
      return { outcome: 'claimed', claimToken };
    }
    if (current.state === 'in-progress' || current.response === undefined) {
      return { outcome: 'in-progress', requestHash: current.requestHash };
    }
    return {
      outcome: 'completed',
      requestHash: current.requestHash,
      response: structuredClone(current.response),
    };
  }

  async release(tenantId: string, key: string, claimToken: string): Promise<void> {
    const id = MemoryTable.key(tenantId, key);
    const current = this.table.idempotency.get(id);
    if (current?.state === 'in-progress' && current.claimToken === claimToken)
      this.table.idempotency.delete(id);
  }
}
