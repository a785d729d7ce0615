// test (fast): bulk issue through api-write's makeHandler with in-memory adapters — consecutive numbers in the
// order given, all or nothing, its refusals, idempotency, send, resuming a committed run — no network.
import { memoryWorld, sampleInvoice, tenantA, tenantB } from '../support/memory-world';

function setup(options: Parameters<typeof memoryWorld>[0] = {}) {
  const world = memoryWorld(options);
  const api = world.as(world.client(tenantA));
  const drafts = async (count: number) => {
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const created = await api.post('/v1/invoices', sampleInvoice());
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    return ids;
  };
  return { world, api, drafts };
}

const counterValueOf = (number: string) => Number(/-(\d+)$/.exec(number)?.[1]);

describe('bulk issue', () => {
  describe('numbering', () => {
    it('numbers the drafts consecutively in the order given and answers id, number and status of each', async () => {
      const { api, drafts, world } = setup();
      expect((await api.post(`/v1/invoices/${(await drafts(1))[0]}/issue`, { series: 'RUN' })).status).toBe(
        200,
      );
      const ids = await drafts(5);
      const order = [ids[3], ids[0], ids[4], ids[1], ids[2]] as string[];
      const answer = await api.post('/v1/invoices/issue', { invoiceIds: order, series: 'RUN' });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        invoices: order.map((id, index) => ({
          id,
          number: `RUN-2026-${String(index + 2).padStart(6, '0')}`,
          status: 'issued',
        })),
      });
      for (const [index, id] of order.entries()) {
        expect(world.table.getInvoice(tenantA, id)).toMatchObject({
          status: 'issued',
          number: `RUN-2026-${String(index + 2).padStart(6, '0')}`,
        });
      }
    });

    it('records the run and each issue in the audit trail, as a single issue would', async () => {
      const { api, drafts, world } = setup();
      const ids = await drafts(3);
      await api.post('/v1/invoices/issue', { invoiceIds: ids });
      const actions = world.table.auditOf(tenantA).map((event) => event.action);
      expect(actions.filter((action) => action === 'invoice.issued')).toHaveLength(3);
      expect(
        world.table.auditOf(tenantA).find((event) => event.action === 'invoices.bulk-issued'),
      ).toMatchObject({
        details: { count: 3, firstNumber: 'INV-2026-000001', lastNumber: 'INV-2026-000003', send: false },
      });
    });

    it('stays gap-free when single issues on the same series race it', async () => {
      const { api, drafts } = setup();
      const bulkIds = await drafts(10);
      const singleIds = await drafts(4);
      const [bulk, ...singles] = await Promise.all([
        api.post('/v1/invoices/issue', { invoiceIds: bulkIds }),
        ...singleIds.map((id) => api.post(`/v1/invoices/${id}/issue`, {})),
      ]);
      const bulkValues = ((bulk?.body.invoices ?? []) as { number: string }[]).map((invoice) =>
        counterValueOf(invoice.number),
      );
      const first = bulkValues[0] ?? 0;
      expect(bulkValues).toEqual(Array.from({ length: 10 }, (_, index) => first + index));
      const all = [...bulkValues, ...singles.map((answer) => counterValueOf(answer.body.number))].sort(
        (a, b) => a - b,
      );
      expect(all).toEqual(Array.from({ length: 14 }, (_, index) => index + 1));
    });
  });

  describe('all or nothing', () => {
    it('answers 404 naming an unknown (or another tenant’s) id, and issues none', async () => {
      const { api, drafts, world } = setup();
      const ids = await drafts(2);
      const foreign = (await world.as(world.client(tenantB)).post('/v1/invoices', sampleInvoice())).body.id;
      for (const stranger of [`inv_${'9'.repeat(32)}`, foreign]) {
        const answer = await api.post('/v1/invoices/issue', { invoiceIds: [...ids, stranger] });
        expect(answer.status).toBe(404);
        expect(answer.body).toMatchObject({ detail: 'invoiceIds[2]: no invoice with this id' });
      }
      expect(ids.map((id) => world.table.getInvoice(tenantA, id)?.status)).toEqual(['draft', 'draft']);
      expect((await api.post(`/v1/invoices/${ids[0]}/issue`, {})).body.number).toBe('INV-2026-000001');
    });

    it('answers 409 naming a draft that is not one any more, and issues none', async () => {
      const { api, drafts, world } = setup();
      const ids = await drafts(3);
      await api.post(`/v1/invoices/${ids[2]}/issue`, {});
      const answer = await api.post('/v1/invoices/issue', { invoiceIds: ids });
      expect(answer.status).toBe(409);
      expect(answer.body.detail).toMatch(/^invoiceIds\[2\]: /);
      expect(world.table.getInvoice(tenantA, ids[0] as string)?.status).toBe('draft');
    });

    it('answers 422 naming a draft a business rule keeps from being issued', async () => {
      const { api, world } = setup();
      const late = (await api.post('/v1/invoices', sampleInvoice({ dueDate: '2020-01-01' }))).body.id;
      const fine = (await api.post('/v1/invoices', sampleInvoice())).body.id;
      const answer = await api.post('/v1/invoices/issue', { invoiceIds: [fine, late] });
      expect(answer.status).toBe(422);
      expect(answer.body.detail).toMatch(/^invoiceIds\[1\]: the due date/);
      expect(world.table.getInvoice(tenantA, fine)?.status).toBe('draft');
    });

    it.each([
      ['no drafts', { invoiceIds: [] }],
      [
        '101 drafts',
        { invoiceIds: Array.from({ length: 101 }, (_, index) => `inv_${String(index).padStart(32, '0')}`) },
      ],
      ['a draft twice', { invoiceIds: [`inv_${'1'.repeat(32)}`, `inv_${'1'.repeat(32)}`] }],
      ['a malformed id', { invoiceIds: ['INV-1'] }],
      ['an unknown option', { invoiceIds: [`inv_${'1'.repeat(32)}`], dryRun: true }],
    ])('refuses %s with 400 validation-failed', async (_case, body) => {
      const { api, world } = setup();
      const answer = await api.post('/v1/invoices/issue', body);
      expect(answer.status).toBe(400);
      expect(answer.body.type).toMatch(/validation-failed$/);
      expect(world.table.auditOf(tenantA)).toEqual([]);
    });

    it('needs the invoices:write scope, as a single issue does', async () => {
      const { world, drafts } = setup();
      const ids = await drafts(1);
      const reader = world.as(world.client(tenantA, ['invoices:read']));
      expect((await reader.post('/v1/invoices/issue', { invoiceIds: ids })).status).toBe(403);
    });
  });

  describe('idempotency', () => {
    it('replays a retry with the same Idempotency-Key and body, and takes no further numbers', async () => {
      const { api, drafts } = setup();
      const ids = await drafts(3);
      const first = await api.post('/v1/invoices/issue', { invoiceIds: ids }, { 'idempotency-key': 'run-1' });
      const again = await api.post('/v1/invoices/issue', { invoiceIds: ids }, { 'idempotency-key': 'run-1' });
      expect(again.status).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect((await api.post(`/v1/invoices/${(await drafts(1))[0]}/issue`, {})).body.number).toBe(
        'INV-2026-000004',
      );
    });

    it('finishes a run an earlier attempt committed but did not complete, with the numbers it committed', async () => {
      const { api, drafts, world } = setup();
      const ids = await drafts(3);
      // As a crash after the commit point leaves it: numbers 1–3 taken, the first invoice written, two not.
      const first = await api.post(`/v1/invoices/${ids[0]}/issue`, {});
      expect(first.body.number).toBe('INV-2026-000001');
      world.table.sequences.set(`${tenantA}/invoice#INV#2026`, 3);
      const { bulkIssueJobId } = await import('../../../functions/platform/key-layout');
      const jobId = bulkIssueJobId(tenantA, ids);
      world.table.bulkIssueJobs.set(`${tenantA}/${jobId}`, {
        jobId,
        invoiceIds: ids,
        sequence: { kind: 'invoice', series: 'INV', year: 2026 },
        firstValue: 1,
        send: false,
        committedAt: '2026-12-01T10:00:00.000Z',
        done: false,
      });
      const answer = await api.post('/v1/invoices/issue', { invoiceIds: ids, series: 'OTHER' });
      expect(answer.status).toBe(200);
      expect(answer.body.invoices.map((invoice: { number: string }) => invoice.number)).toEqual([
        'INV-2026-000001',
        'INV-2026-000002',
        'INV-2026-000003',
      ]);
      expect(world.table.getInvoice(tenantA, ids[2] as string)?.number).toBe('INV-2026-000003');
      expect((await api.post(`/v1/invoices/${(await drafts(1))[0]}/issue`, {})).body.number).toBe(
        'INV-2026-000004',
      );
    });
  });

  describe('send', () => {
    it('queues each invoice for delivery with a request of its own, so each is emailed once', async () => {
      const { api, drafts, world } = setup();
      const ids = await drafts(3);
      expect((await api.post('/v1/invoices/issue', { invoiceIds: ids, send: true })).status).toBe(200);
      const tokens = ids.map((id) => world.table.getInvoice(tenantA, id)?.delivery.requestToken);
      expect(new Set(tokens).size).toBe(3);
      expect(world.queuedRecords()).toHaveLength(3);
      expect((await world.deliver()).batchItemFailures).toEqual([]);
      expect(world.mailer.sent).toHaveLength(3);
      expect(ids.map((id) => world.table.getInvoice(tenantA, id)?.delivery.status)).toEqual([
        'sent',
        'sent',
        'sent',
      ]);
    });

    it('leaves the sweeper a reminder for each request, so one no deliverer takes is still sent', async () => {
      const { api, drafts, world } = setup();
      const ids = await drafts(2);
      expect((await api.post('/v1/invoices/issue', { invoiceIds: ids, send: true })).status).toBe(200);
      expect([...world.table.reminders.values()].map((reminder) => reminder.invoiceId).sort()).toEqual(
        [...ids].sort(),
      );
      // No deliver call (the stream records never arrived): after its grace period the sweeper takes each request
      // to the stream again.
      world.clock.advance(5 * 60_000);
      await world.sweep();
      expect(ids.map((id) => world.table.getInvoice(tenantA, id)?.delivery.wakeups)).toEqual([1, 1]);
      await world.deliver();
      expect(world.mailer.sent).toHaveLength(2);
    });

    it('counts every email against the tenant’s hourly cap, and refuses a run that would pass it whole', async () => {
      const { api, drafts, world } = setup({
        sendLimits: { perInvoice: 3, perInvoiceWindowSeconds: 86_400, perTenantPerHour: 5 },
      });
      const ids = await drafts(6);
      expect((await api.post('/v1/invoices/issue', { invoiceIds: ids.slice(0, 3), send: true })).status).toBe(
        200,
      );
      const refused = await api.post('/v1/invoices/issue', { invoiceIds: ids.slice(3), send: true });
      expect(refused.status).toBe(429);
      expect(refused.body.detail).toMatch(/already requested 5 emails this hour/);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Nothing of the refused run happened: still drafts, no numbers taken, no reminders.
      expect(ids.slice(3).map((id) => world.table.getInvoice(tenantA, id)?.status)).toEqual([
        'draft',
        'draft',
        'draft',
      ]);
      expect(world.table.reminders.size).toBe(3);
      // Without sending, the same run is no email and issues.
      expect((await api.post('/v1/invoices/issue', { invoiceIds: ids.slice(3) })).status).toBe(200);
      expect(world.table.getInvoice(tenantA, ids[3] as string)?.number).toBe('INV-2026-000004');
    });
  });

  describe('printed numbers across document kinds', () => {
    it('refuses the credit notes’ series for invoices, single or bulk, with 400 saying why', async () => {
      const { api, drafts, world } = setup();
      const ids = await drafts(1);
      for (const answer of [
        await api.post(`/v1/invoices/${ids[0]}/issue`, { series: 'CN' }),
        await api.post('/v1/invoices/issue', { invoiceIds: ids, series: 'CN' }),
      ]) {
        expect(answer.status).toBe(400);
        expect(JSON.stringify(answer.body.errors)).toMatch(/CN.{0,4} is reserved for credit-note numbers/);
      }
      expect(world.table.getInvoice(tenantA, ids[0] as string)?.status).toBe('draft');
    });
  });
});
