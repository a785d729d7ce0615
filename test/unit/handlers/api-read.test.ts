// test (fast): api-read through makeHandler with in-memory adapters — reads, lists and their cursors, the PDF,
// the audit trail and the seller profile — no network.
import { IntegrityError } from '../../../functions/ports/sealer';
import { memoryWorld, sampleInvoice, tenantA, tenantB } from '../support/memory-world';

function setup() {
  const world = memoryWorld();
  const writer = world.as(world.client(tenantA));
  const admin = world.as(world.client(tenantA, ['invoices:read', 'invoices:write', 'admin']));
  const issued = async (overrides: Record<string, unknown> = {}) => {
    const draft = await writer.post('/v1/invoices', sampleInvoice(overrides));
    return (await writer.post(`/v1/invoices/${draft.body.id}/issue`, {})).body as {
      id: string;
      number: string;
    };
  };
  return { world, writer, admin, issued };
}

describe('api-read', () => {
  describe('invoices', () => {
    it('reads an invoice as the API shows it', async () => {
      const { writer, issued } = setup();
      const invoice = await issued();
      const read = await writer.get(`/v1/invoices/${invoice.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: invoice.id, number: invoice.number, status: 'issued' });
      expect(read.headers['cache-control']).toBe('no-store');
    });

    it('lists newest first and pages with cursors', async () => {
      const { world, writer } = setup();
      for (let index = 0; index < 5; index += 1) {
        await writer.post('/v1/invoices', sampleInvoice({ memo: `number ${index}` }));
        world.clock.advance(1000);
      }
      const first = await writer.get('/v1/invoices?limit=2');
      expect(first.body.items.map((invoice: { memo: string }) => invoice.memo)).toEqual([
        'number 4',
        'number 3',
      ]);
      const second = await writer.get(`/v1/invoices?limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((invoice: { memo: string }) => invoice.memo)).toEqual([
        'number 2',
        'number 1',
      ]);
      const last = await writer.get(`/v1/invoices?limit=2&cursor=${second.body.nextCursor}`);
      expect(last.body.items).toHaveLength(1);
      expect(last.body.nextCursor).toBeUndefined();
    });

    it('filters by status', async () => {
      const { writer, issued } = setup();
      await issued();
      await writer.post('/v1/invoices', sampleInvoice());
      const drafts = await writer.get('/v1/invoices?status=draft');
      expect(drafts.body.items.map((invoice: { status: string }) => invoice.status)).toEqual(['draft']);
    });

    it('refuses another tenant’s cursor, another list’s cursor and junk with 400', async () => {
      const { world, writer } = setup();
      for (let index = 0; index < 3; index += 1) await writer.post('/v1/invoices', sampleInvoice());
      await writer.post('/v1/customers', sampleInvoice().customer);
      await writer.post('/v1/customers', sampleInvoice().customer);
      const invoicesCursor = (await writer.get('/v1/invoices?limit=1')).body.nextCursor;
      const customersCursor = (await writer.get('/v1/customers?limit=1')).body.nextCursor;
      const other = world.as(world.client(tenantB));
      for (const answer of [
        await other.get(`/v1/invoices?cursor=${invoicesCursor}`),
        await writer.get(`/v1/invoices?cursor=${customersCursor}`),
        await writer.get('/v1/invoices?cursor=not-a-cursor'),
      ]) {
        expect(answer.status).toBe(400);
        expect(answer.body.type).toMatch(/validation-failed$/);
      }
    });

    it('refuses unknown and repeated query parameters', async () => {
      const { writer } = setup();
      expect((await writer.get('/v1/invoices?colour=red')).status).toBe(400);
      expect((await writer.get('/v1/invoices?status=draft&status=issued')).status).toBe(400);
      expect((await writer.get('/v1/invoices?limit=1000')).status).toBe(400);
    });

    it('pages an invoice’s payments and credit notes', async () => {
      const { writer, issued } = setup();
      const invoice = await issued();
      for (const amount of [100, 200, 300])
        await writer.post(`/v1/invoices/${invoice.id}/payments`, { amount });
      const page = await writer.get(`/v1/invoices/${invoice.id}/payments?limit=2`);
      expect(page.body.items.map((payment: { amount: number }) => payment.amount)).toEqual([100, 200]);
      const rest = await writer.get(
        `/v1/invoices/${invoice.id}/payments?limit=2&cursor=${page.body.nextCursor}`,
      );
      expect(rest.body.items.map((payment: { amount: number }) => payment.amount)).toEqual([300]);
      const notes = await writer.get(`/v1/invoices/${invoice.id}/credit-notes`);
      expect(notes.body).toEqual({ items: [] });
    });

    it('fails closed with a generic 500 and a signal when a stored record fails its integrity check', async () => {
      const { world, writer, issued } = setup();
      const invoice = await issued();
      world.table.faults.failNext('invoices.get', 1, () => new IntegrityError('encryption context mismatch'));
      const answer = await writer.get(`/v1/invoices/${invoice.id}`);
      expect(answer.status).toBe(500);
      expect(answer.body.type).toMatch(/integrity-check-failed$/);
      expect(JSON.stringify(answer.body)).not.toContain('context');
      expect(world.signals.recorded).toEqual([
        expect.objectContaining({
          kind: 'integrity-failure',
          tenantId: tenantA,
          route: 'GET /v1/invoices/{invoiceId}',
        }),
      ]);
    });

    it('refuses a body on a read', async () => {
      const { writer } = setup();
      expect(
        (await writer.raw('GET', '/v1/invoices', '{"x":1}', { 'content-type': 'application/json' })).status,
      ).toBe(400);
    });
  });

  describe('the PDF', () => {
    /** Follows the 303 as a client would, to the object the link names (what S3 serves). */
    const download = (world: ReturnType<typeof setup>['world'], location: string) =>
      world.documents.fetch(location);

    it('answers 303 to a short-lived link of the issued invoice’s rendered document', async () => {
      const { world, writer, issued } = setup();
      const invoice = await issued();
      const pdf = await writer.get(`/v1/invoices/${invoice.id}/pdf`);
      expect(pdf.status).toBe(303);
      expect(pdf.headers['cache-control']).toBe('no-store');
      const location = new URL(pdf.headers.location ?? '');
      expect(location.searchParams.get('expires')).toBe('60');
      expect(location.searchParams.get('filename')).toBe(`${invoice.number}.pdf`);
      const stored = download(world, pdf.headers.location ?? '');
      expect(stored?.contentType).toBe('application/pdf');
      expect(Buffer.from(stored?.content ?? []).toString()).toContain(invoice.number);
      expect(world.renderer.rendered.at(-1)).toMatchObject({
        status: 'issued',
        number: invoice.number,
        seller: { paymentInstructions: expect.stringContaining('IBAN DE02 1203 0000 0000 2020 51') },
      });
    });

    it('keys the document by the caller’s tenant and the invoice’s state, never by anything in the request', async () => {
      const { world, writer, issued } = setup();
      const invoice = await issued();
      const pdf = await writer.get(`/v1/invoices/${invoice.id}/pdf`);
      expect(new URL(pdf.headers.location ?? '').pathname).toBe(
        `/documents/v1/${tenantA}/${invoice.id}/v2-p1-r1.pdf`,
      );
      expect(world.renderInvocations).toEqual([{ tenantId: tenantA, invoiceId: invoice.id }]);
    });

    it('renders each state once: a second download links to the stored document', async () => {
      const { world, writer, issued } = setup();
      const invoice = await issued();
      const first = await writer.get(`/v1/invoices/${invoice.id}/pdf`);
      const second = await writer.get(`/v1/invoices/${invoice.id}/pdf`);
      expect(second.headers.location).toBe(first.headers.location);
      expect(world.renderer.rendered).toHaveLength(1);
    });

    it('gives a void invoice’s download nothing due and no bank details, never the document from before', async () => {
      const { world, writer, issued } = setup();
      const invoice = await issued();
      const before = await writer.get(`/v1/invoices/${invoice.id}/pdf`);
      await writer.post(`/v1/invoices/${invoice.id}/void`, { reason: 'wrong customer' });
      const after = await writer.get(`/v1/invoices/${invoice.id}/pdf`);
      expect(after.headers.location).not.toBe(before.headers.location);
      expect(Buffer.from(download(world, after.headers.location ?? '')?.content ?? []).toString()).toContain(
        'void',
      );
      const document = world.renderer.rendered.at(-1);
      expect(document).toMatchObject({ status: 'void', amountDue: 0 });
      expect(document?.seller.paymentInstructions).toBeUndefined();
    });

    it('answers 409 for a draft and for an account without a seller profile, 404 for another tenant’s invoice', async () => {
      const { world, writer, issued } = setup();
      const draft = await writer.post('/v1/invoices', sampleInvoice());
      expect((await writer.get(`/v1/invoices/${draft.body.id}/pdf`)).status).toBe(409);
      const invoice = await issued();
      const other = world.as(world.client(tenantB));
      const foreign = await other.get(`/v1/invoices/${invoice.id}/pdf`);
      expect(foreign.status).toBe(404);
      expect(foreign.headers.location).toBeUndefined();
      world.table.sellers.delete(tenantA);
      expect((await writer.get(`/v1/invoices/${invoice.id}/pdf`)).status).toBe(409);
      expect(world.renderer.rendered).toHaveLength(0);
    });

    it('fails closed with a generic 500 and a signal when the invoice fails its integrity check while rendering', async () => {
      const { world, writer, issued } = setup();
      const invoice = await issued();
      world.table.faults.failNext('invoices.get', 1, () => new IntegrityError('encryption context mismatch'));
      const answer = await writer.get(`/v1/invoices/${invoice.id}/pdf`);
      expect(answer.status).toBe(500);
      expect(answer.body.type).toMatch(/integrity-check-failed$/);
      expect(answer.headers.location).toBeUndefined();
      expect(world.signals.recorded).toEqual([
        expect.objectContaining({ kind: 'integrity-failure', route: 'GET /v1/invoices/{invoiceId}/pdf' }),
      ]);
    });
  });

  describe('customers', () => {
    it('finds customers by exact email through the blind index, case-insensitively', async () => {
      const { writer } = setup();
      const created = await writer.post('/v1/customers', sampleInvoice().customer);
      await writer.post('/v1/customers', { ...sampleInvoice().customer, email: 'someone@example.com' });
      const found = await writer.get('/v1/customers?email=ERIKA@example.com');
      expect(found.body.items.map((customer: { id: string }) => customer.id)).toEqual([created.body.id]);
    });

    it('never finds another tenant’s customer', async () => {
      const { world, writer } = setup();
      const created = await writer.post('/v1/customers', sampleInvoice().customer);
      const other = world.as(world.client(tenantB));
      expect((await other.get(`/v1/customers/${created.body.id}`)).status).toBe(404);
      expect((await other.get('/v1/customers?email=erika@example.com')).body.items).toEqual([]);
    });
  });

  describe('audit trail', () => {
    it('lists events newest first and verifies the chain, for admins only', async () => {
      const { world, writer, admin } = setup();
      await writer.post('/v1/invoices', sampleInvoice());
      await writer.post('/v1/customers', sampleInvoice().customer);
      const events = await admin.get('/v1/audit-events');
      expect(events.body.items.map((event: { action: string }) => event.action)).toEqual([
        'customer.created',
        'invoice.created',
      ]);
      expect((await admin.get('/v1/audit-events/verification')).body).toMatchObject({
        valid: true,
        checked: 2,
        complete: true,
        pendingEntries: 0,
        latestCheckpoint: { sequence: 2 },
      });
      expect((await writer.get('/v1/audit-events')).status).toBe(403);
      expect(world.signals.kinds()).toEqual(['scope-denied']);
    });

    it('names the first altered event and raises a critical signal', async () => {
      const { world, writer, admin } = setup();
      for (let index = 0; index < 3; index += 1) await writer.post('/v1/invoices', sampleInvoice());
      const events = world.table.auditOf(tenantA);
      events[1] = { ...(events[1] as (typeof events)[number]), action: 'invoice.deleted' };
      const verification = await admin.get('/v1/audit-events/verification');
      expect(verification.body).toMatchObject({ valid: false, firstBrokenSequence: 2, reason: 'altered' });
      expect(world.signals.recorded).toEqual([
        expect.objectContaining({ kind: 'audit-chain-broken', tenantId: tenantA, reason: 'altered' }),
      ]);
    });
  });

  describe('seller profile', () => {
    const profile = {
      name: 'Acme Renamed GmbH',
      email: 'accounts@acme.example',
      address: { line1: 'Neue Straße 1', city: 'Hamburg', postalCode: '20095', country: 'DE' },
      taxId: 'DE987654321',
      payout: { iban: 'de89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX', accountHolder: 'Acme Renamed GmbH' },
    };

    it('replaces the profile for admins, stores the IBAN in electronic format, and reads it back', async () => {
      const { admin } = setup();
      const put = await admin.request('PUT', '/v1/seller-profile', { body: profile });
      expect(put.status).toBe(200);
      expect(put.body.payout).toEqual({
        iban: 'DE89370400440532013000',
        bic: 'COBADEFFXXX',
        accountHolder: 'Acme Renamed GmbH',
      });
      expect((await admin.get('/v1/seller-profile')).body).toMatchObject({ name: 'Acme Renamed GmbH' });
    });

    it('audits which fields changed and whether the payout changed, never the values', async () => {
      const { world, admin } = setup();
      await admin.request('PUT', '/v1/seller-profile', { body: profile });
      const event = world.table.auditOf(tenantA).at(-1);
      expect(event).toMatchObject({
        action: 'seller-profile.updated',
        details: { payoutChanged: true, fields: expect.stringContaining('payout') },
      });
      expect(JSON.stringify(event)).not.toMatch(/DE89|Hamburg|Acme Renamed/);
      await admin.request('PUT', '/v1/seller-profile', { body: { ...profile, name: 'Acme Again GmbH' } });
      expect(world.table.auditOf(tenantA).at(-1)?.details).toMatchObject({
        payoutChanged: false,
        fields: 'name',
      });
    });

    it('marks removing the payout account, and adding one to a profile that had none, as payout changes', async () => {
      const { world, admin } = setup();
      await admin.request('PUT', '/v1/seller-profile', { body: profile });
      const { payout: _removed, ...withoutPayout } = profile;
      await admin.request('PUT', '/v1/seller-profile', { body: withoutPayout });
      expect(world.table.auditOf(tenantA).at(-1)?.details).toMatchObject({ payoutChanged: true });
      await admin.request('PUT', '/v1/seller-profile', { body: profile });
      expect(world.table.auditOf(tenantA).at(-1)?.details).toMatchObject({
        payoutChanged: true,
        payoutAdded: true,
      });
    });

    it('refuses an invalid IBAN with 400, and writers without the admin scope with 403', async () => {
      const { world, writer, admin } = setup();
      const bad = await admin.request('PUT', '/v1/seller-profile', {
        body: { ...profile, payout: { ...profile.payout, iban: 'DE89370400440532013001' } },
      });
      expect(bad.status).toBe(400);
      expect((await writer.request('PUT', '/v1/seller-profile', { body: profile })).status).toBe(403);
      expect((await writer.get('/v1/seller-profile')).status).toBe(403);
      expect(world.table.sellers.get(tenantA)?.version).toBe(1);
    });

    it('renders an issued invoice anew with the current profile once the profile changes', async () => {
      const { world, admin, issued } = setup();
      const invoice = await issued();
      const before = await admin.get(`/v1/invoices/${invoice.id}/pdf`);
      await admin.request('PUT', '/v1/seller-profile', { body: profile });
      const after = await admin.get(`/v1/invoices/${invoice.id}/pdf`);
      expect(after.headers.location).not.toBe(before.headers.location);
      expect(world.renderer.rendered).toHaveLength(2);
      expect(world.renderer.rendered.at(-1)?.seller).toMatchObject({ name: 'Acme Renamed GmbH' });
    });

    it('prints the new payout account on the next invoice', async () => {
      const { world, admin, issued } = setup();
      await admin.request('PUT', '/v1/seller-profile', { body: profile });
      const invoice = await issued();
      await admin.get(`/v1/invoices/${invoice.id}/pdf`);
      expect(world.renderer.rendered.at(-1)?.seller).toMatchObject({
        name: 'Acme Renamed GmbH',
        paymentInstructions: expect.stringContaining('IBAN DE89 3704 0044 0532 0130 00'),
      });
    });
  });
});
