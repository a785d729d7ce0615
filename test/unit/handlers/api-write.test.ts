// test (fast): api-write through makeHandler with in-memory adapters — every mutation, its refusals, and the
// guarantees of the mutation runner (one commit, retries after a lost race, idempotency) — no network.
import { ConcurrentChangeError } from '../../../functions/ports/ledger';
import { memoryWorld, sampleInvoice, tenantA, tenantB } from '../support/memory-world';

function setup() {
  const world = memoryWorld();
  const writer = world.client(tenantA);
  const api = world.as(writer);
  const draft = async (overrides: Record<string, unknown> = {}) => {
    const created = await api.post('/v1/invoices', sampleInvoice(overrides));
    expect(created.status).toBe(201);
    return created.body as { id: string; total: number };
  };
  const issued = async (options: Record<string, unknown> = {}) => {
    const { id } = await draft();
    const answer = await api.post(`/v1/invoices/${id}/issue`, options);
    expect(answer.status).toBe(200);
    return answer.body as { id: string; number: string; total: number; amountDue: number };
  };
  return { world, writer, api, draft, issued };
}

describe('api-write', () => {
  describe('creating a draft', () => {
    it('answers 201 with the priced draft and its location', async () => {
      const { api } = setup();
      const created = await api.post('/v1/invoices', sampleInvoice());
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe(`/v1/invoices/${created.body.id}`);
      expect(created.body).toMatchObject({
        status: 'draft',
        number: null,
        subtotal: 24000,
        tax: 4560,
        total: 28560,
        amountDue: 28560,
        delivery: { status: 'none' },
      });
      expect(created.body).not.toHaveProperty('tenantId');
      expect(created.body).not.toHaveProperty('version');
    });

    it('records who created it in the audit trail, in the same commit', async () => {
      const { world, api, writer } = setup();
      const created = await api.post('/v1/invoices', sampleInvoice());
      expect(world.table.auditOf(tenantA)).toEqual([
        expect.objectContaining({
          sequence: 1,
          action: 'invoice.created',
          entityId: created.body.id,
          actor: expect.objectContaining({ clientId: writer.clientId, sourceIp: '203.0.113.7' }),
        }),
      ]);
    });

    it('refuses unknown and server-owned fields with 400 and stores nothing', async () => {
      const { world, api } = setup();
      for (const extra of [{ status: 'issued' }, { total: 1 }, { tenantId: tenantB }, { number: 'INV-1' }]) {
        const answer = await api.post('/v1/invoices', sampleInvoice(extra));
        expect(answer.status).toBe(400);
        expect(answer.body.type).toMatch(/validation-failed$/);
      }
      expect(world.table.invoices.size).toBe(0);
      expect(world.table.auditOf(tenantA)).toHaveLength(0);
    });

    it('answers malformed JSON, an empty body and a non-JSON content type with their problems', async () => {
      const { api } = setup();
      expect((await api.raw('POST', '/v1/invoices', '{"currency":')).body.type).toMatch(/malformed-request$/);
      expect((await api.raw('POST', '/v1/invoices', '')).body.type).toMatch(/malformed-request$/);
      const form = await api.raw('POST', '/v1/invoices', 'a=b', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(form.status).toBe(415);
    });

    it('refuses a body over 64 KiB with 400 payload-too-large', async () => {
      const { api } = setup();
      const answer = await api.post('/v1/invoices', sampleInvoice({ memo: 'x'.repeat(70_000) }));
      expect(answer.status).toBe(400);
      expect(answer.body.type).toMatch(/payload-too-large$/);
    });

    it('refuses a card number in free text with 422 and raises a signal', async () => {
      const { world, api } = setup();
      const answer = await api.post('/v1/invoices', sampleInvoice({ memo: 'card 4111 1111 1111 1111' }));
      expect(answer.status).toBe(422);
      expect(answer.body.type).toMatch(/card-number-rejected$/);
      expect(world.signals.recorded).toEqual([
        expect.objectContaining({
          kind: 'card-number-rejected',
          tenantId: tenantA,
          route: 'POST /v1/invoices',
        }),
      ]);
      const recorded = JSON.stringify(world.signals.recorded);
      // The number as sent and without spaces; a bare '4111' can turn up by chance inside an id or a timestamp.
      expect(recorded).not.toContain('4111 1111');
      expect(recorded).not.toContain('4111111111111111');
    });

    it('creates a draft for an existing customer by id, and refuses another tenant’s customer with 422', async () => {
      const { world, api } = setup();
      const customer = await api.post('/v1/customers', sampleInvoice().customer);
      expect(customer.status).toBe(201);
      const { customer: _inline, ...rest } = sampleInvoice();
      expect((await api.post('/v1/invoices', { ...rest, customerId: customer.body.id })).status).toBe(201);
      const other = world.as(world.client(tenantB));
      const refused = await other.post('/v1/invoices', { ...rest, customerId: customer.body.id });
      expect(refused.status).toBe(422);
    });
  });

  describe('changing a draft', () => {
    it('updates a draft and re-prices it', async () => {
      const { api, draft } = setup();
      const { id } = await draft();
      const updated = await api.patch(`/v1/invoices/${id}`, {
        lines: [{ description: 'Workshop', quantity: 1, unitAmount: 1000, taxRateBps: 700 }],
      });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ subtotal: 1000, tax: 70, total: 1070, amountDue: 1070 });
    });

    it('deletes a draft with 204 and then answers 404 for it', async () => {
      const { world, api, draft } = setup();
      const { id } = await draft();
      const deleted = await api.delete(`/v1/invoices/${id}`);
      expect(deleted).toMatchObject({ status: 204, body: '' });
      expect((await world.as(world.client(tenantA)).get(`/v1/invoices/${id}`)).status).toBe(404);
    });

    it('answers every change to an issued invoice with 409 saying to void or credit it', async () => {
      const { api, issued } = setup();
      const invoice = await issued();
      for (const attempt of [
        await api.patch(`/v1/invoices/${invoice.id}`, { memo: 'changed' }),
        await api.delete(`/v1/invoices/${invoice.id}`),
        await api.post(`/v1/invoices/${invoice.id}/issue`, {}),
      ]) {
        expect(attempt.status).toBe(409);
        expect(attempt.body.detail).toMatch(/void|credit|issued/);
      }
    });
  });

  describe('issuing', () => {
    it('assigns gap-free numbers per series and year', async () => {
      const { issued } = setup();
      expect((await issued()).number).toBe('INV-2026-000001');
      expect((await issued()).number).toBe('INV-2026-000002');
      expect((await issued({ series: 'EXP' })).number).toBe('EXP-2026-000001');
      expect((await issued()).number).toBe('INV-2026-000003');
    });

    it('takes an empty body as no options', async () => {
      const { api, draft } = setup();
      const { id } = await draft();
      const answer = await api.raw('POST', `/v1/invoices/${id}/issue`, '');
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe('issued');
    });

    it('queues the email in the same commit when asked to send', async () => {
      const { world, issued } = setup();
      const invoice = await issued({ send: true });
      expect(world.table.getInvoice(tenantA, invoice.id)?.delivery).toMatchObject({
        status: 'queued',
        requestToken: expect.stringMatching(/^dlv_/),
      });
      expect(world.table.auditOf(tenantA).at(-1)).toMatchObject({
        action: 'invoice.issued',
        details: expect.objectContaining({ send: true, number: invoice.number }),
      });
    });

    it('keeps numbers gap-free when issues race, taking them one after another within an instance', async () => {
      const { world, api, draft } = setup();
      const drafts = await Promise.all(Array.from({ length: 6 }, () => draft()));
      const answers = await Promise.all(drafts.map(({ id }) => api.post(`/v1/invoices/${id}/issue`, {})));
      expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(200));
      expect(answers.map((answer) => answer.body.number).sort()).toEqual(
        [1, 2, 3, 4, 5, 6].map((value) => `INV-2026-${String(value).padStart(6, '0')}`),
      );
      // One lane per counter: within an instance no issue lost a race, so none waited to retry.
      expect(world.pauses).toEqual([]);
    });
  });

  describe('issuing across instances', () => {
    it('re-reads the counter and takes the next number when another instance took the one it read', async () => {
      const { world, api, draft } = setup();
      const { id } = await draft();
      // Between this read of the counter and its commit, another instance issues number 1.
      world.table.faults.beforeNext('ledger.commit', 1, () => {
        world.table.sequences.set(`${tenantA}/invoice#INV#2026`, 1);
      });
      const answer = await api.post(`/v1/invoices/${id}/issue`, {});
      expect(answer.status).toBe(200);
      expect(answer.body.number).toBe('INV-2026-000002');
      expect(world.pauses).toHaveLength(1);
    });
  });

  describe('payments, voids and credit notes', () => {
    it('records a payment and marks the invoice paid when nothing is left due', async () => {
      const { api, issued } = setup();
      const invoice = await issued();
      const partial = await api.post(`/v1/invoices/${invoice.id}/payments`, { amount: 10000 });
      expect(partial.status).toBe(201);
      expect(partial.body.invoice).toMatchObject({ status: 'issued', amountPaid: 10000, amountDue: 18560 });
      const rest = await api.post(`/v1/invoices/${invoice.id}/payments`, {
        amount: 18560,
        method: 'bank_transfer',
      });
      expect(rest.body.invoice).toMatchObject({ status: 'paid', amountDue: 0 });
    });

    it('refuses an overpayment with 422 and leaves the invoice as it was', async () => {
      const { world, api, issued } = setup();
      const invoice = await issued();
      const answer = await api.post(`/v1/invoices/${invoice.id}/payments`, { amount: invoice.total + 1 });
      expect(answer.status).toBe(422);
      expect(world.table.getInvoice(tenantA, invoice.id)?.amountPaid).toBe(0);
    });

    it('voids an issued invoice: nothing due, number kept used', async () => {
      const { api, issued } = setup();
      const invoice = await issued();
      const voided = await api.post(`/v1/invoices/${invoice.id}/void`, { reason: 'wrong customer' });
      expect(voided.status).toBe(200);
      expect(voided.body).toMatchObject({
        status: 'void',
        number: invoice.number,
        amountDue: 0,
        total: invoice.total,
      });
    });

    it('cancels a queued email when the invoice is voided before it went out', async () => {
      const { world, api, issued } = setup();
      const invoice = await issued({ send: true });
      const voided = await api.post(`/v1/invoices/${invoice.id}/void`, { reason: 'sent by mistake' });
      expect(voided.body.delivery).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/voided/),
      });
      await world.deliver([
        ...world.queuedRecords(),
        // The record the stream carried for the queued state still arrives after the void.
        ...(() => {
          const token = world.table.getInvoice(tenantA, invoice.id)?.delivery.requestToken ?? '';
          return [
            {
              eventName: 'MODIFY' as const,
              dynamodb: {
                SequenceNumber: '1',
                NewImage: {
                  pk: { S: `${tenantA}#INVOICE#${invoice.id}` },
                  id: { S: invoice.id },
                  tenantId: { S: tenantA },
                  delivery: { M: { status: { S: 'queued' }, requestToken: { S: token } } },
                },
              },
            },
          ];
        })(),
      ]);
      expect(world.mailer.sent).toHaveLength(0);
    });

    it('refuses to void an invoice with payments (409) and to send a void one (409)', async () => {
      const { api, issued } = setup();
      const paidPart = await issued();
      await api.post(`/v1/invoices/${paidPart.id}/payments`, { amount: 100 });
      expect((await api.post(`/v1/invoices/${paidPart.id}/void`, { reason: 'x' })).status).toBe(409);
      const other = await issued();
      await api.post(`/v1/invoices/${other.id}/void`, { reason: 'x' });
      expect((await api.post(`/v1/invoices/${other.id}/send`, {})).status).toBe(409);
    });

    it('numbers credit notes in their own series and credits at most what is due', async () => {
      const { api, issued } = setup();
      const invoice = await issued();
      const first = await api.post(`/v1/invoices/${invoice.id}/credit-notes`, {
        reason: 'discount',
        lines: [{ description: 'Goodwill', amount: 1000, taxRateBps: 1900 }],
      });
      expect(first.status).toBe(201);
      expect(first.body.creditNote).toMatchObject({ number: 'CN-2026-000001', total: 1190 });
      expect(first.body.invoice).toMatchObject({ amountCredited: 1190, amountDue: invoice.total - 1190 });
      const tooMuch = await api.post(`/v1/invoices/${invoice.id}/credit-notes`, {
        reason: 'more',
        lines: [{ description: 'Too much', amount: invoice.total, taxRateBps: 0 }],
      });
      expect(tooMuch.status).toBe(422);
    });

    it('credits whole lines by units', async () => {
      const { api, issued } = setup();
      const invoice = await issued();
      const note = await api.post(`/v1/invoices/${invoice.id}/credit-notes`, {
        reason: 'one day less',
        lines: [{ invoiceLine: 0, quantity: 1 }],
      });
      expect(note.body.creditNote).toMatchObject({ subtotal: 12000, tax: 2280, total: 14280 });
    });
  });

  describe('sending', () => {
    it('queues the email with 202 and coalesces a second request while it is on its way', async () => {
      const { world, api, issued } = setup();
      const invoice = await issued();
      const first = await api.post(`/v1/invoices/${invoice.id}/send`, {});
      expect(first.status).toBe(202);
      const token = world.table.getInvoice(tenantA, invoice.id)?.delivery.requestToken;
      const second = await api.post(`/v1/invoices/${invoice.id}/send`, {});
      expect(second.status).toBe(202);
      expect(world.table.getInvoice(tenantA, invoice.id)?.delivery.requestToken).toBe(token);
      expect(world.table.auditOf(tenantA).map((event) => event.action)).toContain('invoice.send-coalesced');
    });

    it('asks for {"resend": true} once the email was sent', async () => {
      const { world, api, issued } = setup();
      const invoice = await issued({ send: true });
      await world.deliver();
      expect(world.mailer.sent).toHaveLength(1);
      const again = await api.post(`/v1/invoices/${invoice.id}/send`, {});
      expect(again.status).toBe(409);
      expect(again.body.detail).toMatch(/resend/);
      expect((await api.post(`/v1/invoices/${invoice.id}/send`, { resend: true })).status).toBe(202);
      await world.deliver();
      expect(world.mailer.sent).toHaveLength(2);
    });

    it('refuses to send a draft', async () => {
      const { api, draft } = setup();
      const { id } = await draft();
      expect((await api.post(`/v1/invoices/${id}/send`, {})).status).toBe(409);
    });
  });

  describe('customers', () => {
    it('creates and updates a customer, and audits which fields changed without their values', async () => {
      const { world, api } = setup();
      const created = await api.post('/v1/customers', sampleInvoice().customer);
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe(`/v1/customers/${created.body.id}`);
      const updated = await api.patch(`/v1/customers/${created.body.id}`, { email: 'new@example.com' });
      expect(updated.body.email).toBe('new@example.com');
      const event = world.table.auditOf(tenantA).at(-1);
      expect(event).toMatchObject({
        action: 'customer.updated',
        details: { fields: 'email', emailChanged: true },
      });
      expect(JSON.stringify(event)).not.toContain('new@example.com');
    });

    it('answers 404 for an unknown or another tenant’s customer', async () => {
      const { world, api } = setup();
      const created = await api.post('/v1/customers', sampleInvoice().customer);
      const other = world.as(world.client(tenantB));
      expect((await other.patch(`/v1/customers/${created.body.id}`, { name: 'x' })).status).toBe(404);
      expect(
        (await api.patch('/v1/customers/cus_ffffffffffffffffffffffffffffffff', { name: 'x' })).status,
      ).toBe(404);
    });
  });

  describe('tenant isolation and scopes', () => {
    it('answers another tenant’s invoice exactly like an unknown one: 404 with the same body', async () => {
      const { world, issued } = setup();
      const invoice = await issued();
      const other = world.as(world.client(tenantB));
      const foreign = await other.post(`/v1/invoices/${invoice.id}/void`, { reason: 'x' });
      const unknown = await other.post('/v1/invoices/inv_ffffffffffffffffffffffffffffffff/void', {
        reason: 'x',
      });
      expect(foreign.status).toBe(404);
      expect({ ...foreign.body, instance: undefined }).toEqual({ ...unknown.body, instance: undefined });
    });

    it('answers a malformed id like an unknown one', async () => {
      const { api } = setup();
      const answer = await api.post('/v1/invoices/not-an-id/void', { reason: 'x' });
      expect(answer.status).toBe(404);
      expect(answer.body.detail).toBe('no invoice with this id');
    });

    it('refuses a read-only client with 403 and raises a scope signal', async () => {
      const { world } = setup();
      const reader = world.as(world.client(tenantA, ['invoices:read']));
      const answer = await reader.post('/v1/invoices', sampleInvoice());
      expect(answer.status).toBe(403);
      expect(world.signals.kinds()).toEqual(['scope-denied']);
      expect(world.table.invoices.size).toBe(0);
    });
  });

  describe('the mutation runner', () => {
    it('re-plans and commits after losing races, waiting with jitter between attempts', async () => {
      const { world, api } = setup();
      world.table.faults.failNext('ledger.commit', 3, () => new ConcurrentChangeError('lost'));
      const created = await api.post('/v1/invoices', sampleInvoice());
      expect(created.status).toBe(201);
      expect(world.table.faults.count('ledger.commit')).toBe(4);
      expect(world.pauses).toHaveLength(3);
      expect(world.table.invoices.size).toBe(1);
    });

    it('gives up with 409 after 30 lost races and leaves nothing behind', async () => {
      const { world, api } = setup();
      world.table.faults.failNext('ledger.commit', 30, () => new ConcurrentChangeError('lost'));
      const answer = await api.post('/v1/invoices', sampleInvoice(), { 'idempotency-key': 'contended' });
      expect(answer.status).toBe(409);
      expect(world.table.invoices.size).toBe(0);
      // The key was given back: a later retry runs.
      expect(
        (await api.post('/v1/invoices', sampleInvoice(), { 'idempotency-key': 'contended' })).status,
      ).toBe(201);
    });

    it('re-plans against what a concurrent request wrote, instead of overwriting it', async () => {
      const { world, api, issued } = setup();
      const invoice = await issued();
      // Between this request's read and its commit, another payment lands.
      world.table.faults.beforeNext('ledger.commit', 1, async () => {
        await world.as(world.client(tenantA)).post(`/v1/invoices/${invoice.id}/payments`, { amount: 8560 });
      });
      const answer = await api.post(`/v1/invoices/${invoice.id}/payments`, { amount: 20000 });
      expect(answer.status).toBe(201);
      expect(answer.body.invoice).toMatchObject({ amountPaid: 28560, amountDue: 0, status: 'paid' });
    });

    it('turns an unexpected failure into a generic 500 that hides the cause', async () => {
      const { world, api } = setup();
      world.table.faults.failNext('ledger.commit', 1, () => new Error('socket hang up at 10.0.0.1:8000'));
      const answer = await api.post('/v1/invoices', sampleInvoice());
      expect(answer.status).toBe(500);
      expect(answer.body.type).toMatch(/internal-error$/);
      expect(JSON.stringify(answer.body)).not.toMatch(/socket|10\.0\.0\.1/);
    });
  });

  describe('idempotency keys', () => {
    it('replays the stored response for a retry with the same key and body', async () => {
      const { world, api } = setup();
      const first = await api.post('/v1/invoices', sampleInvoice(), { 'idempotency-key': 'k-1' });
      const retry = await api.post('/v1/invoices', sampleInvoice(), { 'idempotency-key': 'k-1' });
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual(first.body);
      expect(world.table.invoices.size).toBe(1);
    });

    it('refuses the same key with another body (422) and raises a signal', async () => {
      const { world, api } = setup();
      await api.post('/v1/invoices', sampleInvoice(), { 'idempotency-key': 'k-2' });
      const other = await api.post('/v1/invoices', sampleInvoice({ memo: 'different' }), {
        'idempotency-key': 'k-2',
      });
      expect(other.status).toBe(422);
      expect(world.signals.recorded).toEqual([
        expect.objectContaining({ kind: 'idempotency-conflict', reason: 'reused' }),
      ]);
    });

    it('answers 409 while the first request with the key is still running', async () => {
      const { world, api } = setup();
      let second: Awaited<ReturnType<typeof api.post>> | undefined;
      world.table.faults.beforeNext('ledger.commit', 1, async () => {
        second = await api.post('/v1/invoices', sampleInvoice(), { 'idempotency-key': 'k-3' });
      });
      const first = await api.post('/v1/invoices', sampleInvoice(), { 'idempotency-key': 'k-3' });
      expect(first.status).toBe(201);
      expect(second?.status).toBe(409);
      expect(world.signals.kinds()).toContain('idempotency-conflict');
    });

    it('scopes keys to the tenant: another tenant’s request with the same key runs on its own', async () => {
      const { world, api } = setup();
      await api.post('/v1/invoices', sampleInvoice(), { 'idempotency-key': 'shared' });
      const other = await world
        .as(world.client(tenantB))
        .post('/v1/invoices', sampleInvoice(), { 'idempotency-key': 'shared' });
      expect(other.status).toBe(201);
      expect(other.headers['idempotent-replayed']).toBeUndefined();
    });

    it('releases the key when the request was refused, so a corrected retry runs', async () => {
      const { world, api, issued } = setup();
      const invoice = await issued();
      const refused = await api.post(
        `/v1/invoices/${invoice.id}/payments`,
        { amount: invoice.total + 1 },
        { 'idempotency-key': 'k-4' },
      );
      expect(refused.status).toBe(422);
      expect(world.table.idempotency.size).toBe(0);
    });

    it('refuses an Idempotency-Key that is not visible ASCII, or on a method other than POST', async () => {
      const { api, draft } = setup();
      expect(
        (await api.post('/v1/invoices', sampleInvoice(), { 'idempotency-key': 'has space' })).status,
      ).toBe(400);
      const { id } = await draft();
      const patched = await api.raw('PATCH', `/v1/invoices/${id}`, JSON.stringify({ memo: 'x' }), {
        'content-type': 'application/json',
        'idempotency-key': 'k-5',
      });
      expect(patched.status).toBe(400);
    });
  });
});
