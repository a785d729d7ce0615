// test: numbering and idempotency under concurrent requests, through HTTP.
import { as, auditChained, clientsByRole, sampleInvoice, verifyWhole } from './support';

const { tenantA, tenantB, admin } = clientsByRole();

describe('concurrency', () => {
  describe('gap-free numbering', () => {
    it('gives 50 concurrent issues in one series 50 distinct consecutive numbers', async () => {
      const api = await as(tenantA);
      const series = `C${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
      const drafts = await Promise.all(
        Array.from(
          { length: 50 },
          async () => (await api.post('/v1/invoices', sampleInvoice())).body.id as string,
        ),
      );
      const issued = await Promise.all(drafts.map((id) => api.post(`/v1/invoices/${id}/issue`, { series })));
      const statuses = issued.map((response) => response.status);
      expect(statuses).toEqual(Array(50).fill(200));
      const values = issued
        .map((response) => Number(/-(\d+)$/.exec(response.body.number)?.[1]))
        .sort((a, b) => a - b);
      expect(values).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
      // Reading them back shows the same numbers: none was assigned twice or lost.
      const stored = await Promise.all(
        drafts.map(async (id) => (await api.get(`/v1/invoices/${id}`)).body.number),
      );
      expect(new Set(stored).size).toBe(50);
    });

    it('never consumes a number for an issue that fails', async () => {
      const api = await as(tenantA);
      const series = `F${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
      const first = (await api.post('/v1/invoices', sampleInvoice())).body.id;
      expect((await api.post(`/v1/invoices/${first}/issue`, { series })).status).toBe(200);
      // Issuing again fails (already issued); a draft whose due date has passed fails a business rule.
      expect((await api.post(`/v1/invoices/${first}/issue`, { series })).status).toBe(409);
      const late = (await api.post('/v1/invoices', sampleInvoice({ dueDate: '2020-01-01' }))).body.id;
      expect((await api.post(`/v1/invoices/${late}/issue`, { series })).status).toBe(422);
      const next = (await api.post('/v1/invoices', sampleInvoice())).body.id;
      const issued = await api.post(`/v1/invoices/${next}/issue`, { series });
      expect(issued.body.number).toMatch(/-000002$/);
    });
  });

  describe('idempotency', () => {
    it('creates exactly one invoice from 20 concurrent identical POSTs with one key', async () => {
      const api = await as(tenantA);
      // Letters and digits mixed (base 36): the key goes into the memo, where a long digit run could be
      // taken for a card number.
      const key = `idem-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
      const body = sampleInvoice({ memo: `idempotent ${key}` });
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => api.post('/v1/invoices', body, { 'idempotency-key': key })),
      );
      const created = responses.filter((response) => response.status === 201);
      const conflicts = responses.filter((response) => response.status === 409);
      expect(
        responses.filter((r) => r.status !== 201 && r.status !== 409).map((r) => [r.status, r.body]),
      ).toEqual([]);
      expect(created.length + conflicts.length).toBe(20);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((response) => response.body.id)).size).toBe(1);
      for (const conflict of conflicts) expect(conflict.contentType).toContain('application/problem+json');

      // A retry after the dust settles replays the stored response, byte for byte.
      const retry = await api.post('/v1/invoices', body, { 'idempotency-key': key });
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(created[0]?.body);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');

      const listed = await api.get('/v1/invoices?status=draft&limit=100');
      const withMemo = listed.body.items.filter(
        (invoice: { memo?: string }) => invoice.memo === `idempotent ${key}`,
      );
      expect(withMemo).toHaveLength(1);
    });

    it('answers the same key with a different body with 422', async () => {
      const api = await as(tenantA);
      const key = `idem-diff-${Date.now()}`;
      expect((await api.post('/v1/invoices', sampleInvoice(), { 'idempotency-key': key })).status).toBe(201);
      const other = await api.post('/v1/invoices', sampleInvoice({ memo: 'different' }), {
        'idempotency-key': key,
      });
      expect(other.status).toBe(422);
      expect(other.contentType).toContain('application/problem+json');
    });

    it('keeps keys per tenant: the same key in two tenants gives two invoices', async () => {
      const key = `idem-shared-${Date.now()}`;
      const first = await (await as(tenantA)).post('/v1/invoices', sampleInvoice(), {
        'idempotency-key': key,
      });
      const second = await (await as(tenantB)).post('/v1/invoices', sampleInvoice(), {
        'idempotency-key': key,
      });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body.id).not.toBe(first.body.id);
      expect(second.headers.get('idempotent-replayed')).toBeNull();
    });

    it('lets a failed request be retried with its key once corrected', async () => {
      const api = await as(tenantA);
      const key = `idem-fix-${Date.now()}`;
      const bad = await api.post('/v1/invoices', sampleInvoice({ currency: 'NOPE' }), {
        'idempotency-key': key,
      });
      expect(bad.status).toBe(400);
      // Validation failed before anything ran, so nothing was stored under the key.
      const good = await api.post('/v1/invoices', sampleInvoice(), { 'idempotency-key': key });
      expect(good.status).toBe(201);
    });

    it('replays an issue retried with its key instead of answering 409', async () => {
      const api = await as(tenantA);
      const draft = (await api.post('/v1/invoices', sampleInvoice())).body.id;
      const key = `idem-issue-${Date.now()}`;
      const first = await api.post(`/v1/invoices/${draft}/issue`, {}, { 'idempotency-key': key });
      const again = await api.post(`/v1/invoices/${draft}/issue`, {}, { 'idempotency-key': key });
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.body.number).toBe(first.body.number);
    });
  });

  describe('audit chain', () => {
    it('chains every one of 40 concurrent writes over two tenants, each exactly once, and the chain verifies', async () => {
      const writers = [await as(tenantA), await as(tenantB)];
      const auditor = await as(admin);
      await auditChained();
      const before = await verifyWhole(auditor);
      const created = await Promise.all(
        Array.from({ length: 40 }, async (_, index) => {
          const response = await writers[index % 2]?.post('/v1/invoices', sampleInvoice());
          return { status: response?.status, id: response?.body.id as string, tenant: index % 2 };
        }),
      );
      expect(created.map((entry) => entry.status)).toEqual(Array(40).fill(201));
      await auditChained();
      const after = await verifyWhole(auditor);
      expect(after).toMatchObject({ valid: true, complete: true, pendingEntries: 0 });
      expect(after.throughSequence).toBe(before.throughSequence + 20);
      // Each of tenant A's creates is in its chain once, in some order, with consecutive sequence numbers.
      const events: { entityId: string; sequence: number }[] = [];
      let cursor: string | undefined;
      do {
        const page = (
          await auditor.get(`/v1/audit-events?limit=100${cursor === undefined ? '' : `&cursor=${cursor}`}`)
        ).body;
        events.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== undefined && events.length < after.throughSequence);
      const mine = new Set(created.filter((entry) => entry.tenant === 0).map((entry) => entry.id));
      const chained = events.filter((event) => mine.has(event.entityId));
      expect(chained).toHaveLength(20);
      expect(new Set(chained.map((event) => event.entityId)).size).toBe(20);
      const sequences = chained.map((event) => event.sequence).sort((a, b) => a - b);
      expect(sequences.every((sequence) => sequence > before.throughSequence)).toBe(true);
    });
  });
});
