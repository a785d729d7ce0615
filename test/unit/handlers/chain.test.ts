// test (fast): the audit chain — writes leave entries, the chain writer (through makeHandler, fed stream records)
// chains them once, signs checkpoints and raises audit-chain-broken; the bounded verification — no network.
import {
  auditEntriesRecordOf,
  auditEntryRecordOf,
  memoryWorld,
  sampleInvoice,
  tenantA,
  tenantB,
} from '../support/memory-world';

function setup() {
  const world = memoryWorld();
  const writer = world.as(world.client(tenantA));
  const other = world.as(world.client(tenantB));
  const admin = world.as(world.client(tenantA, ['invoices:read', 'invoices:write', 'admin']));
  const creates = async (count: number, as = writer) => {
    for (let index = 0; index < count; index += 1) {
      expect((await as.post('/v1/invoices', sampleInvoice())).status).toBe(201);
    }
  };
  return { world, writer, other, admin, creates };
}

describe('audit chain', () => {
  describe('writes', () => {
    it('leaves an entry, not a chained event, until the chain writer takes it off the stream', async () => {
      const { world, admin, creates } = setup();
      world.chaining.automatic = false;
      await creates(2);
      expect(world.table.auditOf(tenantA)).toEqual([]);
      expect(world.table.pendingAuditOf(tenantA).map((entry) => entry.action)).toEqual([
        'invoice.created',
        'invoice.created',
      ]);
      expect((await admin.get('/v1/audit-events/verification')).body).toMatchObject({
        valid: true,
        checked: 0,
        pendingEntries: 2,
      });
      expect((await world.chain()).batchItemFailures).toEqual([]);
      expect(world.table.auditOf(tenantA).map((event) => event.sequence)).toEqual([1, 2]);
      expect(world.table.pendingAuditOf(tenantA)).toEqual([]);
      expect((await admin.get('/v1/audit-events/verification')).body).toMatchObject({
        valid: true,
        checked: 2,
        pendingEntries: 0,
        complete: true,
      });
    });

    it('chains the entries of concurrent writes over two tenants each once, per tenant without gaps', async () => {
      const { world, writer, other } = setup();
      world.chaining.automatic = false;
      const created = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          (index % 2 === 0 ? writer : other).post('/v1/invoices', sampleInvoice()),
        ),
      );
      expect(created.map((answer) => answer.status)).toEqual(Array(12).fill(201));
      await world.chain();
      for (const tenantId of [tenantA, tenantB]) {
        const events = world.table.auditOf(tenantId);
        expect(events.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(new Set(events.map((event) => event.entityId)).size).toBe(6);
        expect(events.every((event) => event.tenantId === tenantId)).toBe(true);
      }
    });

    it('appends nothing twice when the stream delivers a batch again', async () => {
      const { world, creates } = setup();
      world.chaining.automatic = false;
      await creates(3);
      const records = world.pendingAuditRecords();
      await world.chain(records);
      await world.chain(records);
      await world.chain(records.slice(1));
      expect(world.table.auditOf(tenantA).map((event) => event.sequence)).toEqual([1, 2, 3]);
      expect(world.table.checkpointsOf(tenantA)).toHaveLength(1);
    });

    it('chains nothing twice when the stream is read again from its start, long after', async () => {
      const { world, creates } = setup();
      world.chaining.automatic = false;
      await creates(3);
      const early = world.pendingAuditRecords();
      await world.chain(early);
      world.chaining.automatic = true;
      await creates(5);
      // A new event source mapping (or a restarted poller) starting at TRIM_HORIZON delivers the first ones again.
      expect((await world.chain(early)).batchItemFailures).toEqual([]);
      const events = world.table.auditOf(tenantA);
      expect(events.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(new Set(events.map((event) => event.entryId)).size).toBe(8);
    });

    it('signs the head at the end of each batch', async () => {
      const { world, creates } = setup();
      await creates(2);
      const checkpoints = world.table.checkpointsOf(tenantA);
      expect(checkpoints.map((checkpoint) => checkpoint.sequence)).toEqual([1, 2]);
      const head = world.table.auditOf(tenantA).at(-1);
      expect(checkpoints.at(-1)).toMatchObject({
        tenantId: tenantA,
        hash: head?.hash,
        keyId: world.checkpointKeys.keyId,
        algorithm: 'ECDSA_SHA_256',
      });
      expect(await world.checkpointKeys.verify(checkpoints.at(-1) as (typeof checkpoints)[number])).toBe(
        true,
      );
    });
    it('chains each entry an item lists (one transaction’s, as a bulk issue writes them) once, in order', async () => {
      const { world, creates } = setup();
      world.chaining.automatic = false;
      await creates(4);
      const entries = world.table.pendingAuditOf(tenantA);
      const [single] = world.pendingAuditRecords();
      if (single === undefined) throw new Error('expected an entry');
      const listed = auditEntriesRecordOf(entries.slice(1), 1);
      expect((await world.chain([single, listed])).batchItemFailures).toEqual([]);
      await world.chain([listed]);
      expect(world.table.auditOf(tenantA).map((event) => [event.sequence, event.entryId])).toEqual(
        entries.map((entry, index) => [index + 1, entry.entryId]),
      );
      expect(world.table.pendingAuditOf(tenantA)).toEqual([]);
    });

    it('fails the invocation for an item of entries not keyed by its last entry, chaining none of them', async () => {
      const { world, creates } = setup();
      world.chaining.automatic = false;
      await creates(2);
      const entries = world.table.pendingAuditOf(tenantA);
      const [first, second] = entries;
      if (first === undefined || second === undefined) throw new Error('expected two entries');
      // Keyed by the first: the item would go before the second is chained.
      const record = auditEntriesRecordOf([first, second], 3);
      const misplaced = {
        ...record,
        dynamodb: {
          ...record.dynamodb,
          NewImage: {
            ...record.dynamodb?.NewImage,
            sk: { S: `ENTRY#${first.entryId}` },
            entryId: { S: first.entryId },
          },
        },
      };
      await expect(world.chain([misplaced])).rejects.toThrow(/not audit entries/);
      expect(world.table.auditOf(tenantA)).toEqual([]);
    });
  });

  describe('the chain writer', () => {
    it('raises audit-chain-broken when the head is not what it left, and keeps chaining', async () => {
      const { world, creates } = setup();
      await creates(2);
      world.table.auditHeads.set(tenantA, { sequence: 1, hash: world.table.auditOf(tenantA)[0]?.hash ?? '' });
      await creates(1);
      expect(world.signals.recorded).toEqual([
        expect.objectContaining({
          kind: 'audit-chain-broken',
          tenantId: tenantA,
          reason: 'head-mismatch',
          details: expect.objectContaining({ by: 'chain' }),
        }),
      ]);
      expect(world.table.auditOf(tenantA).map((event) => event.sequence)).toEqual([1, 2, 3]);
    });

    it('raises audit-chain-broken when the newest event was altered', async () => {
      const { world, creates } = setup();
      await creates(2);
      const events = world.table.auditOf(tenantA);
      events[1] = { ...(events[1] as (typeof events)[number]), action: 'invoice.deleted' };
      await creates(1);
      expect(world.signals.recorded).toEqual([
        expect.objectContaining({ kind: 'audit-chain-broken', reason: 'altered' }),
      ]);
    });

    it('reports the failing tenant’s first record for a retry, after chaining the others', async () => {
      const { world, writer, other } = setup();
      world.chaining.automatic = false;
      await writer.post('/v1/invoices', sampleInvoice());
      await other.post('/v1/invoices', sampleInvoice());
      const records = world.pendingAuditRecords();
      const tenantOf = (index: number) => String(records[index]?.dynamodb?.NewImage?.tenantId?.S);
      const failing = tenantOf(0);
      const chainedFirst = tenantOf(1);
      world.table.faults.failNext('chain.append', 1, () => new Error('KMS throttled'));
      const response = await world.chain(records);
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.dynamodb?.SequenceNumber }]);
      expect(world.table.auditOf(failing)).toEqual([]);
      expect(world.table.auditOf(chainedFirst)).toHaveLength(1);
      // The mapping retries from that record: the other tenant's entry is not chained twice.
      expect((await world.chain(records)).batchItemFailures).toEqual([]);
      expect(world.table.auditOf(failing)).toHaveLength(1);
      expect(world.table.auditOf(chainedFirst)).toHaveLength(1);
    });

    it('fails the invocation for a record that is not an inserted audit entry, so the mapping bisects it out', async () => {
      const { world, creates } = setup();
      world.chaining.automatic = false;
      await creates(1);
      const [record] = world.pendingAuditRecords();
      if (record === undefined) throw new Error('expected an entry');
      const [entry] = world.table.pendingAuditOf(tenantA);
      if (entry === undefined) throw new Error('expected an entry');
      const planted = auditEntryRecordOf({ ...entry, entryId: 'aud_not-an-id' }, 7);
      await expect(world.chain([record, planted])).rejects.toThrow(/not audit entries/);
      // The good record was chained all the same.
      expect(world.table.auditOf(tenantA)).toHaveLength(1);
    });
  });

  describe('verification', () => {
    it('verifies in bounded steps, each continued by its cursor, and refuses a forged cursor', async () => {
      const { admin, creates } = setup();
      await creates(5);
      const first = (await admin.get('/v1/audit-events/verification?limit=2')).body;
      expect(first).toMatchObject({
        valid: true,
        checked: 2,
        fromSequence: 0,
        throughSequence: 2,
        complete: false,
      });
      const second = (await admin.get(`/v1/audit-events/verification?limit=2&cursor=${first.nextCursor}`))
        .body;
      expect(second).toMatchObject({ valid: true, fromSequence: 2, throughSequence: 4, complete: false });
      const third = (await admin.get(`/v1/audit-events/verification?limit=2&cursor=${second.nextCursor}`))
        .body;
      expect(third).toMatchObject({ valid: true, fromSequence: 4, throughSequence: 5, complete: true });
      expect(third).not.toHaveProperty('nextCursor');
      const forged = await admin.get(`/v1/audit-events/verification?cursor=${first.nextCursor}x`);
      expect(forged.status).toBe(400);
      expect((await admin.get('/v1/audit-events/verification?limit=1001')).status).toBe(400);
    });

    it('starts from the latest signed checkpoint when asked, recomputing only what follows it', async () => {
      const { world, admin, creates } = setup();
      await creates(3);
      world.chaining.automatic = false;
      await creates(2);
      await world.chain();
      const verification = (await admin.get('/v1/audit-events/verification?from=checkpoint')).body;
      expect(verification).toMatchObject({ valid: true, fromSequence: 5, checked: 0, complete: true });
      expect(verification.latestCheckpoint).toMatchObject({ sequence: 5 });
    });

    it('names events cut off the end by the checkpoint that signed them, head moved back or not', async () => {
      const { world, admin, creates } = setup();
      await creates(3);
      const events = world.table.auditOf(tenantA);
      events.pop();
      const last = events.at(-1);
      world.table.auditHeads.set(tenantA, { sequence: last?.sequence ?? 0, hash: last?.hash ?? '' });
      expect((await admin.get('/v1/audit-events/verification')).body).toMatchObject({
        valid: false,
        reason: 'missing',
        firstBrokenSequence: 3,
      });
      expect(world.signals.kinds()).toContain('audit-chain-broken');
    });

    it('refuses a chain rewritten with correct hashes: the signed checkpoint disagrees', async () => {
      const { world, admin, creates } = setup();
      await creates(3);
      const { appendToChain, emptyChain } = await import('../../../functions/domain/audit-chain');
      const events = world.table.auditOf(tenantA);
      // Rewrite the whole chain from its first event, consistently, with one action changed.
      let head = emptyChain;
      const rewritten = events.map((event, index) => {
        const { sequence: _s, previousHash: _p, hash: _h, tenantId: _t, ...entry } = event;
        const next = appendToChain(
          tenantA,
          head,
          index === 1 ? { ...entry, action: 'invoice.deleted' } : entry,
        );
        head = next;
        return next;
      });
      events.splice(0, events.length, ...rewritten);
      world.table.auditHeads.set(tenantA, { sequence: head.sequence, hash: head.hash });
      expect((await admin.get('/v1/audit-events/verification')).body).toMatchObject({
        valid: false,
        reason: 'checkpoint-mismatch',
        firstBrokenSequence: 2,
      });
    });

    it('refuses a checkpoint the checkpoint key did not sign', async () => {
      const { world, admin, creates } = setup();
      await creates(2);
      const checkpoints = world.table.checkpointsOf(tenantA);
      const latest = checkpoints.at(-1);
      if (latest === undefined) throw new Error('expected a checkpoint');
      checkpoints[checkpoints.length - 1] = { ...latest, signedAt: '2020-01-01T00:00:00.000Z' };
      expect((await admin.get('/v1/audit-events/verification')).body).toMatchObject({
        valid: false,
        reason: 'checkpoint-forged',
      });
    });
  });
});
