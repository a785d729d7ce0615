// test: bulk issue through the local stack — numbered consecutively in the order given, all or nothing, idempotent,
// each delivered once with send — and printed numbers unique across document kinds (issue 10 item 7).
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { listSentEmails } from '../../local/emulators/ses';
import { as, clientsByRole, endpoints, sampleInvoice, tableClient } from './support';

const { tenantA } = clientsByRole();

const uniqueSeries = (letter: string) => `${letter}${Math.random().toString(36).slice(2, 8).toUpperCase()}`;

async function drafts(count: number, customer?: (index: number) => Record<string, unknown>) {
  const api = await as(tenantA);
  const ids: string[] = [];
  // Eight at a time: the local stage throttles like the deployed one.
  for (let start = 0; start < count; start += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, count - start) }, async (_, offset) => {
        const overrides = customer === undefined ? {} : { customer: customer(start + offset) };
        const created = await api.post('/v1/invoices', sampleInvoice(overrides));
        if (created.status !== 201) throw new Error(`draft not created: ${created.status}`);
        return created.body.id as string;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('bulk issue', () => {
  describe('numbering', () => {
    it('numbers 100 drafts consecutively in the order given, gap-free beside concurrent single issues', async () => {
      const api = await as(tenantA);
      const series = uniqueSeries('B');
      const bulkIds = await drafts(100);
      const singleIds = await drafts(6);
      const [bulk, ...singles] = await Promise.all([
        api.post('/v1/invoices/issue', { invoiceIds: bulkIds, series }),
        ...singleIds.map((id) => api.post(`/v1/invoices/${id}/issue`, { series })),
      ]);
      expect(bulk?.status).toBe(200);
      expect(singles.map((response) => response.status)).toEqual(Array(6).fill(200));
      const bulkValues = (
        (bulk?.body.invoices ?? []) as { id: string; number: string; status: string }[]
      ).map((invoice, index) => {
        expect(invoice).toMatchObject({ id: bulkIds[index], status: 'issued' });
        return Number(/-(\d+)$/.exec(invoice.number)?.[1]);
      });
      // Consecutive in the order given…
      const first = bulkValues[0] ?? 0;
      expect(bulkValues).toEqual(Array.from({ length: 100 }, (_, index) => first + index));
      // …and, with the single issues, every number from 1 to 106 used exactly once.
      const singleValues = singles.map((response) => Number(/-(\d+)$/.exec(response.body.number)?.[1]));
      expect([...bulkValues, ...singleValues].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 106 }, (_, index) => index + 1),
      );
      // What is stored says the same.
      const stored = await Promise.all(
        bulkIds.slice(0, 5).map(async (id) => (await api.get(`/v1/invoices/${id}`)).body),
      );
      expect(stored.map((invoice) => invoice.number)).toEqual(
        ((bulk?.body.invoices ?? []) as { number: string }[]).slice(0, 5).map((invoice) => invoice.number),
      );
      expect(stored.every((invoice) => invoice.status === 'issued')).toBe(true);
    }, 180_000);
  });

  describe('all or nothing', () => {
    it('issues none of the drafts and takes no number when one id is unknown', async () => {
      const api = await as(tenantA);
      const series = uniqueSeries('N');
      const ids = await drafts(3);
      const refused = await api.post('/v1/invoices/issue', {
        invoiceIds: [...ids, `inv_${'0'.repeat(32)}`],
        series,
      });
      expect(refused.status).toBe(404);
      expect(refused.contentType).toContain('application/problem+json');
      expect(refused.body.detail).toMatch(/^invoiceIds\[3\]: /);
      for (const id of ids) expect((await api.get(`/v1/invoices/${id}`)).body.status).toBe('draft');
      const next = await api.post(`/v1/invoices/${ids[0]}/issue`, { series });
      expect(next.body.number).toMatch(/-000001$/);
    });

    it('issues none when one of them is not a draft, and names it', async () => {
      const api = await as(tenantA);
      const series = uniqueSeries('D');
      const ids = await drafts(3);
      expect((await api.post(`/v1/invoices/${ids[1]}/issue`, { series })).status).toBe(200);
      const refused = await api.post('/v1/invoices/issue', { invoiceIds: ids, series });
      expect(refused.status).toBe(409);
      expect(refused.body.detail).toMatch(/^invoiceIds\[1\]: /);
      expect((await api.get(`/v1/invoices/${ids[0]}`)).body.status).toBe('draft');
      expect((await api.get(`/v1/invoices/${ids[2]}`)).body.status).toBe('draft');
      // The draft it refused stays usable: nothing was held or half-written.
      const later = await api.post('/v1/invoices/issue', { invoiceIds: [ids[0], ids[2]], series });
      expect(later.body.invoices.map((invoice: { number: string }) => invoice.number.slice(-6))).toEqual([
        '000002',
        '000003',
      ]);
    });

    it.each([
      ['an empty list', { invoiceIds: [] }],
      [
        'more than 100',
        { invoiceIds: Array.from({ length: 101 }, (_, index) => `inv_${String(index).padStart(32, '0')}`) },
      ],
      ['a draft named twice', { invoiceIds: [`inv_${'1'.repeat(32)}`, `inv_${'1'.repeat(32)}`] }],
    ])('refuses %s with 400 validation-failed', async (_case, body) => {
      const api = await as(tenantA);
      const refused = await api.post('/v1/invoices/issue', body);
      expect(refused.status).toBe(400);
      expect(refused.body.type).toMatch(/validation-failed$/);
    });
  });

  describe('holds', () => {
    const invoiceKey = (id: string) => ({
      pk: { S: `${tenantA.tenantId}#INVOICE#${id}` },
      sk: { S: 'INVOICE' },
    });
    const hold = (id: string, job: string, until: number) =>
      tableClient().send(
        new UpdateItemCommand({
          TableName: endpoints().tables.main,
          Key: invoiceKey(id),
          UpdateExpression: 'SET heldBy = :job, heldUntil = :until',
          ExpressionAttributeValues: { ':job': { S: job }, ':until': { N: String(until) } },
        }),
      );
    const jobKey = (job: string) => ({ pk: { S: `${tenantA.tenantId}#BULKISSUE#${job}` }, sk: { S: 'JOB' } });

    it('keeps every other change off a draft a bulk issue holds', async () => {
      const api = await as(tenantA);
      const [id] = await drafts(1);
      await hold(id as string, 'blk_stillrunning', Date.now() + 600_000);
      const edit = await api.patch(`/v1/invoices/${id}`, { memo: 'edited meanwhile' });
      expect(edit.status).toBe(409);
      expect((await api.get(`/v1/invoices/${id}`)).body.memo).not.toBe('edited meanwhile');
    });

    it('frees a draft whose hold expired before its bulk issue committed, and that attempt can never commit', async () => {
      const api = await as(tenantA);
      const [id] = await drafts(1);
      const until = Date.now() - 1;
      await hold(id as string, 'blk_crashedbeforecommit', until);
      const edit = await api.patch(`/v1/invoices/${id}`, { memo: 'edited after the hold expired' });
      expect(edit.status).toBe(200);
      const { Item: tombstone } = await tableClient().send(
        new GetItemCommand({
          TableName: endpoints().tables.main,
          Key: {
            pk: { S: `${tenantA.tenantId}#BULKISSUE#blk_crashedbeforecommit` },
            sk: { S: `ABORTED#${until}` },
          },
          ConsistentRead: true,
        }),
      );
      expect(tombstone?.entity?.S).toBe('bulk-issue-abort');
    });

    it('never frees a draft held by a bulk issue that committed, even once the hold expired', async () => {
      const api = await as(tenantA);
      const [id] = await drafts(1);
      await hold(id as string, 'blk_committedbutunfinished', Date.now() - 1);
      await tableClient().send(
        new PutItemCommand({
          TableName: endpoints().tables.main,
          Item: {
            ...jobKey('blk_committedbutunfinished'),
            entity: { S: 'bulk-issue-job' },
            done: { BOOL: false },
          },
        }),
      );
      const edit = await api.patch(`/v1/invoices/${id}`, { memo: 'too late' });
      expect(edit.status).toBe(409);
    });
  });

  describe('idempotency', () => {
    it('replays a retried bulk issue with its key: same numbers, nothing issued twice', async () => {
      const api = await as(tenantA);
      const series = uniqueSeries('R');
      const ids = await drafts(4);
      const key = `bulk-${Date.now().toString(36)}`;
      const first = await api.post(
        '/v1/invoices/issue',
        { invoiceIds: ids, series },
        { 'idempotency-key': key },
      );
      const again = await api.post(
        '/v1/invoices/issue',
        { invoiceIds: ids, series },
        { 'idempotency-key': key },
      );
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      const next = await api.post(`/v1/invoices/${(await drafts(1))[0]}/issue`, { series });
      expect(next.body.number).toMatch(/-000005$/);
    });
  });

  describe('send', () => {
    it('delivers each invoice of a bulk issue with send once, as if issued alone', async () => {
      const api = await as(tenantA);
      const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const address = (index: number) => `bulk${index}.${stamp}@example.com`;
      const ids = await drafts(5, (index) => ({ ...sampleInvoice().customer, email: address(index) }));
      const issued = await api.post('/v1/invoices/issue', { invoiceIds: ids, send: true });
      expect(issued.status).toBe(200);
      await waitFor('every bulk-issued invoice sent', async () => {
        const states = await Promise.all(
          ids.map(async (id) => (await api.get(`/v1/invoices/${id}`)).body.delivery.status),
        );
        return states.every((state) => state === 'sent') ? true : undefined;
      });
      const emails = await listSentEmails((endpoints() as unknown as { ses: string }).ses);
      for (const [index] of ids.entries()) {
        expect(emails.filter((email) => email.destination.to.includes(address(index)))).toHaveLength(1);
      }
    }, 120_000);
  });

  describe('printed numbers across document kinds', () => {
    it('refuses the credit notes’ series CN for invoices, so no invoice prints a credit note’s number', async () => {
      const api = await as(tenantA);
      const [draft] = await drafts(1);
      const single = await api.post(`/v1/invoices/${draft}/issue`, { series: 'CN' });
      expect(single.status).toBe(400);
      expect(single.body.type).toMatch(/validation-failed$/);
      expect(JSON.stringify(single.body.errors)).toMatch(/reserved for credit-note numbers/);
      const bulk = await api.post('/v1/invoices/issue', { invoiceIds: [draft], series: 'CN' });
      expect(bulk.status).toBe(400);
      expect((await api.get(`/v1/invoices/${draft}`)).body.status).toBe('draft');
      // A credit note still numbers in CN, and no invoice shares its number.
      const issued = await api.post(`/v1/invoices/${draft}/issue`, {});
      const credit = await api.post(`/v1/invoices/${draft}/credit-notes`, {
        reason: 'Goodwill',
        lines: [{ invoiceLine: 0, quantity: 1 }],
      });
      expect(credit.status).toBe(201);
      expect(credit.body.creditNote.number).toMatch(/^CN-\d{4}-\d{6}$/);
      expect(issued.body.number).not.toBe(credit.body.creditNote.number);
    });
  });
});
