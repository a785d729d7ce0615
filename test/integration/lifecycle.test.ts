// test: the invoice lifecycle through HTTP — customers, drafts, issue, payments, void, credit notes, lists.
import { as, auditChained, call, clientsByRole, sampleInvoice, tokenFor } from './support';

const { tenantA, tenantB, admin } = clientsByRole();

function customerBody(suffix: string) {
  return {
    name: `Lifecycle Customer ${suffix}`,
    email: `Billing.${suffix}@Example.com`,
    taxId: 'DE999999999',
    language: 'de',
    address: { line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', country: 'DE' },
    paymentReference: `MANDATE-${suffix}`,
  };
}

function uniqueSeries(): string {
  return `T${Math.random().toString(36).slice(2, 9).toUpperCase()}`;
}

describe('invoice lifecycle', () => {
  describe('customers', () => {
    it('creates, reads, updates, lists and finds a customer by exact email', async () => {
      const api = await as(tenantA);
      const suffix = Date.now().toString(36);
      const created = await api.post('/v1/customers', customerBody(suffix));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: `Lifecycle Customer ${suffix}`, language: 'de' });
      const id = created.body.id as string;

      expect((await api.get(`/v1/customers/${id}`)).body).toEqual(created.body);

      const found = await api.get(
        `/v1/customers?email=${encodeURIComponent(`billing.${suffix}@example.com`)}`,
      );
      expect(found.status).toBe(200);
      expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([id]);

      const updated = await call('PATCH', `/v1/customers/${id}`, {
        token: await tokenFor(tenantA),
        body: { email: `new.${suffix}@example.com` },
      });
      expect(updated.status).toBe(200);
      expect(updated.body.email).toBe(`new.${suffix}@example.com`);
      expect((await api.get(`/v1/customers?email=billing.${suffix}@example.com`)).body.items).toEqual([]);
      expect((await api.get(`/v1/customers?email=new.${suffix}@example.com`)).body.items).toHaveLength(1);

      // The other tenant cannot find it by the same email.
      const other = await as(tenantB);
      expect((await other.get(`/v1/customers?email=new.${suffix}@example.com`)).body.items).toEqual([]);

      const listed = await api.get('/v1/customers?limit=100');
      expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(id);
    });
  });

  describe('draft to paid', () => {
    it('takes a draft for a customer through update, issue, partial and final payment', async () => {
      const api = await as(tenantA);
      const token = await tokenFor(tenantA);
      const customer = (await api.post('/v1/customers', customerBody(`p${Date.now().toString(36)}`))).body;
      const draft = await api.post('/v1/invoices', {
        customerId: customer.id,
        currency: 'EUR',
        lines: [{ description: 'Widget', quantity: 3, unitAmount: 1000, taxRateBps: 1900 }],
      });
      expect(draft.status).toBe(201);
      expect(draft.body).toMatchObject({
        customerId: customer.id,
        customer: { name: customer.name },
        dueDate: null,
      });

      const patched = await call('PATCH', `/v1/invoices/${draft.body.id}`, {
        token,
        body: {
          lines: [{ description: 'Widget', quantity: 4, unitAmount: 1000, taxRateBps: 1900 }],
          memo: 'Net 30',
        },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        subtotal: 4000,
        tax: 760,
        total: 4760,
        amountDue: 4760,
        memo: 'Net 30',
      });

      // The customer changes after the draft: the issue snapshot takes the details as they are at issue.
      await call('PATCH', `/v1/customers/${customer.id}`, {
        token,
        body: { name: 'Renamed Before Issue GmbH' },
      });
      const series = uniqueSeries();
      const issued = await api.post(`/v1/invoices/${draft.body.id}/issue`, { series });
      expect(issued.status).toBe(200);
      const year = new Date().getUTCFullYear();
      expect(issued.body).toMatchObject({
        status: 'issued',
        number: `${series}-${year}-000001`,
        customer: { name: 'Renamed Before Issue GmbH' },
      });
      expect(issued.body.issueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(issued.body.dueDate > issued.body.issueDate).toBe(true);

      // Later customer edits never reach the issued invoice.
      await call('PATCH', `/v1/customers/${customer.id}`, {
        token,
        body: { name: 'Renamed After Issue GmbH' },
      });
      expect((await api.get(`/v1/invoices/${draft.body.id}`)).body.customer.name).toBe(
        'Renamed Before Issue GmbH',
      );

      const partial = await api.post(`/v1/invoices/${draft.body.id}/payments`, {
        amount: 1000,
        method: 'bank_transfer',
        reference: 'TRX-1',
      });
      expect(partial.status).toBe(201);
      expect(partial.body.invoice).toMatchObject({ status: 'issued', amountPaid: 1000, amountDue: 3760 });

      const over = await api.post(`/v1/invoices/${draft.body.id}/payments`, { amount: 3761 });
      expect(over.status).toBe(422);
      expect(over.contentType).toContain('application/problem+json');

      const final = await api.post(`/v1/invoices/${draft.body.id}/payments`, { amount: 3760 });
      expect(final.status).toBe(201);
      expect(final.body.invoice).toMatchObject({ status: 'paid', amountPaid: 4760, amountDue: 0 });

      const payments = await api.get(`/v1/invoices/${draft.body.id}/payments`);
      expect(payments.body.items.map((p: { amount: number }) => p.amount).sort()).toEqual([1000, 3760]);
      expect(payments.body.items.find((p: { amount: number }) => p.amount === 1000).reference).toBe('TRX-1');

      // Paid and voided invoices stay where they are.
      expect((await api.post(`/v1/invoices/${draft.body.id}/void`, { reason: 'too late' })).status).toBe(409);
    });
  });

  describe('immutability', () => {
    it('answers any change to an issued invoice with 409 that says to void or credit', async () => {
      const api = await as(tenantA);
      const token = await tokenFor(tenantA);
      const invoice = (await api.post('/v1/invoices', sampleInvoice())).body;
      await api.post(`/v1/invoices/${invoice.id}/issue`, { series: uniqueSeries() });
      const attempts = [
        await call('PATCH', `/v1/invoices/${invoice.id}`, { token, body: { memo: 'changed' } }),
        await call('DELETE', `/v1/invoices/${invoice.id}`, { token }),
        await api.post(`/v1/invoices/${invoice.id}/issue`, {}),
      ];
      for (const attempt of attempts) {
        expect(attempt.status).toBe(409);
        expect(attempt.contentType).toContain('application/problem+json');
        expect(attempt.body.detail).toMatch(/void|credit/);
      }
      expect((await api.get(`/v1/invoices/${invoice.id}`)).body.memo).toBe(invoice.memo);
    });

    it('deletes a draft, after which it is gone', async () => {
      const api = await as(tenantA);
      const invoice = (await api.post('/v1/invoices', sampleInvoice())).body;
      const deleted = await call('DELETE', `/v1/invoices/${invoice.id}`, { token: await tokenFor(tenantA) });
      expect(deleted.status).toBe(204);
      expect((await api.get(`/v1/invoices/${invoice.id}`)).status).toBe(404);
    });
  });

  describe('void', () => {
    it('voids an issued invoice without payments and keeps its number used', async () => {
      const api = await as(tenantA);
      const series = uniqueSeries();
      const first = (await api.post('/v1/invoices', sampleInvoice())).body;
      const issued = (await api.post(`/v1/invoices/${first.id}/issue`, { series })).body;
      const voided = await api.post(`/v1/invoices/${first.id}/void`, {
        reason: 'Issued to the wrong customer',
      });
      expect(voided.status).toBe(200);
      expect(voided.body).toMatchObject({
        status: 'void',
        number: issued.number,
        voidReason: 'Issued to the wrong customer',
      });

      const second = (await api.post('/v1/invoices', sampleInvoice())).body;
      const next = (await api.post(`/v1/invoices/${second.id}/issue`, { series })).body;
      expect(next.number).toBe(issued.number.replace(/000001$/, '000002'));

      const paidOne = (await api.post('/v1/invoices', sampleInvoice())).body;
      await api.post(`/v1/invoices/${paidOne.id}/issue`, { series });
      await api.post(`/v1/invoices/${paidOne.id}/payments`, { amount: 100 });
      expect((await api.post(`/v1/invoices/${paidOne.id}/void`, { reason: 'x' })).status).toBe(409);
      const draft = (await api.post('/v1/invoices', sampleInvoice())).body;
      expect((await api.post(`/v1/invoices/${draft.id}/void`, { reason: 'x' })).status).toBe(409);
    });
  });

  describe('credit notes', () => {
    it('credits lines and amounts in their own series, never beyond what is still due', async () => {
      const api = await as(tenantA);
      // 3 × 33.33 at 19 % = 99.99 + 19.00 (18.9981 rounded); 1 × 50.00 at 7 % = 50.00 + 3.50
      const invoice = (
        await api.post(
          '/v1/invoices',
          sampleInvoice({
            lines: [
              { description: 'Licence', quantity: 3, unitAmount: 3333, taxRateBps: 1900 },
              { description: 'Support', quantity: 1, unitAmount: 5000, taxRateBps: 700 },
            ],
          }),
        )
      ).body;
      expect(invoice).toMatchObject({ subtotal: 14999, tax: 2250, total: 17249 });
      await api.post(`/v1/invoices/${invoice.id}/issue`, { series: uniqueSeries() });

      const one = await api.post(`/v1/invoices/${invoice.id}/credit-notes`, {
        reason: 'One licence returned',
        lines: [{ invoiceLine: 0, quantity: 1 }],
      });
      expect(one.status).toBe(201);
      expect(one.body.creditNote.number).toMatch(/^CN-\d{4}-\d{6}$/);
      const two = await api.post(`/v1/invoices/${invoice.id}/credit-notes`, {
        reason: 'Two more licences returned',
        lines: [{ invoiceLine: 0, quantity: 2 }],
      });
      expect(two.status).toBe(201);
      // Credited in two pieces, the line nets to exactly its amount and tax.
      expect(one.body.creditNote.subtotal + two.body.creditNote.subtotal).toBe(9999);
      expect(one.body.creditNote.tax + two.body.creditNote.tax).toBe(1900);
      expect(two.body.invoice).toMatchObject({ amountCredited: 11899, amountDue: 5350, status: 'issued' });

      const tooMuch = await api.post(`/v1/invoices/${invoice.id}/credit-notes`, {
        reason: 'More than is left',
        lines: [{ invoiceLine: 0, quantity: 1 }],
      });
      expect(tooMuch.status).toBe(422);
      const overAmount = await api.post(`/v1/invoices/${invoice.id}/credit-notes`, {
        reason: 'Goodwill',
        lines: [{ description: 'Goodwill', amount: 5001, taxRateBps: 700 }],
      });
      expect(overAmount.status).toBe(422);

      const rest = await api.post(`/v1/invoices/${invoice.id}/credit-notes`, {
        reason: 'Support cancelled',
        lines: [{ invoiceLine: 1, quantity: 1 }],
      });
      expect(rest.status).toBe(201);
      expect(rest.body.invoice).toMatchObject({ amountDue: 0, amountCredited: 17249, status: 'paid' });
      const numbers = [one, two, rest].map((response) => Number(response.body.creditNote.number.slice(-6)));
      expect(numbers[1]).toBe((numbers[0] ?? 0) + 1);
      expect(numbers[2]).toBe((numbers[1] ?? 0) + 1);

      const listed = await api.get(`/v1/invoices/${invoice.id}/credit-notes`);
      expect(listed.body.items).toHaveLength(3);
      const fetched = await api.get(`/v1/credit-notes/${one.body.creditNote.id}`);
      expect(fetched.body).toEqual(one.body.creditNote);
    });
  });

  describe('lists', () => {
    it('pages newest first with a stable opaque cursor and filters by status and customer', async () => {
      const api = await as(tenantA);
      const customer = (await api.post('/v1/customers', customerBody(`l${Date.now().toString(36)}`))).body;
      const ids: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        const created = await api.post('/v1/invoices', {
          customerId: customer.id,
          currency: 'EUR',
          lines: [{ description: `Item ${index}`, quantity: 1, unitAmount: 100 + index, taxRateBps: 0 }],
        });
        ids.push(created.body.id);
      }
      await api.post(`/v1/invoices/${ids[0]}/issue`, { series: uniqueSeries() });

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.get(
          `/v1/invoices?customerId=${customer.id}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((invoice: { id: string }) => invoice.id));
        cursor = page.body.nextCursor;
      } while (cursor !== undefined);
      expect(seen).toEqual([...ids].reverse());

      const issued = await api.get(`/v1/invoices?customerId=${customer.id}&status=issued`);
      expect(issued.body.items.map((invoice: { id: string }) => invoice.id)).toEqual([ids[0]]);
      const today = new Date().toISOString().slice(0, 10);
      const byDate = await api.get(
        `/v1/invoices?customerId=${customer.id}&issuedFrom=${today}&issuedTo=${today}`,
      );
      expect(byDate.body.items.map((invoice: { id: string }) => invoice.id)).toEqual([ids[0]]);
    });

    it("refuses a cursor forged to point into another tenant's partition", async () => {
      const api = await as(tenantA);
      const forged = Buffer.from(
        JSON.stringify({
          v: 1,
          k: {
            pk: `${tenantB.tenantId}#INVOICE#inv_${'0'.repeat(32)}`,
            sk: 'INVOICE',
            gsi1pk: `${tenantB.tenantId}#INVOICES`,
            gsi1sk: '9999',
          },
        }),
      ).toString('base64url');
      for (const cursor of [forged, 'garbage', Buffer.from('{"v":1,"k":{}}').toString('base64url')]) {
        const response = await api.get(`/v1/invoices?cursor=${encodeURIComponent(cursor)}`);
        expect(response.status).toBe(400);
        expect(JSON.stringify(response.body)).not.toContain(tenantB.tenantId);
      }
    });
  });

  describe('audit trail', () => {
    it('records who did what, from where, for every mutation, readable with the admin scope only', async () => {
      const writer = await as(tenantA);
      const invoice = (await writer.post('/v1/invoices', sampleInvoice())).body;
      await writer.post(`/v1/invoices/${invoice.id}/issue`, { series: uniqueSeries() });
      // The chain writer appends the entries off the stream, within a second or so.
      await auditChained();

      const events = await (await as(admin)).get('/v1/audit-events?limit=50');
      expect(events.status).toBe(200);
      const mine = events.body.items.filter((event: { entityId: string }) => event.entityId === invoice.id);
      expect(mine.map((event: { action: string }) => event.action)).toEqual([
        'invoice.issued',
        'invoice.created',
      ]);
      for (const event of mine) {
        expect(event.actor).toMatchObject({ clientId: tenantA.clientId, sourceIp: expect.any(String) });
        expect(event.actor.requestId).toMatch(/\S+/);
        expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(mine[0].sequence).toBeGreaterThan(mine[1].sequence);
      expect((await writer.get('/v1/audit-events')).status).toBe(403);

      const verification = await (await as(admin)).get('/v1/audit-events/verification');
      expect(verification.body).toMatchObject({ valid: true });
      expect(verification.body.checked).toBeGreaterThanOrEqual(2);
    });
  });
});
