// test: the outside attack run's findings, each held through the local stack — what a void invoice looks like,
// crafted cursors, invisible controls, bounded lists and pages, the token endpoint's malformed input and slow-down,
// the gateway's own answers and throttling, an authorizer failure answered as one, and a health check that shows no
// internals.
import { randomBytes } from 'node:crypto';
import { extractText, getDocumentProxy } from 'unpdf';
import { stageThrottling } from '../../functions/platform/api-limits';
import { fetchAccessToken } from '../../local/oauth-client';
import { as, call, clientsByRole, endpoints, sampleInvoice, tokenFor } from './support';

const { tenantA } = clientsByRole();

async function pdfText(bytes: Uint8Array): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
  return text;
}

/** The PDF a client gets for an invoice, following a redirect if the API answers with one. */
async function pdfOf(invoiceId: string): Promise<Uint8Array> {
  const response = await fetch(`${endpoints().apiBaseUrl}/v1/invoices/${invoiceId}/pdf`, {
    headers: { authorization: `Bearer ${await tokenFor(tenantA)}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/pdf');
  return new Uint8Array(await response.arrayBuffer());
}

const token = (authorization: string, source: string) =>
  fetch(`${endpoints().apiBaseUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization,
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': source,
    },
    body: 'grant_type=client_credentials',
  });

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const someAddress = () => `198.18.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

describe('hardening', () => {
  describe('a void invoice (item 3)', () => {
    it('owes nothing in the API and its PDF is marked void, with no amount due and no bank details', async () => {
      const api = await as(tenantA);
      const draft = await api.post('/v1/invoices', sampleInvoice());
      const issued = await api.post(`/v1/invoices/${draft.body.id}/issue`, {});
      const voided = await api.post(`/v1/invoices/${draft.body.id}/void`, { reason: 'Issued in error' });
      expect(voided.status).toBe(200);
      const read = (await api.get(`/v1/invoices/${draft.body.id}`)).body;
      expect(read).toMatchObject({ status: 'void', amountDue: 0, total: issued.body.total });

      const text = await pdfText(await pdfOf(draft.body.id));
      expect(text).toMatch(/VOID/);
      expect(text).toContain(issued.body.number);
      expect(text).toContain('Amount due €0.00');
      expect(text).toMatch(/Nothing is due: do not pay it/);
      expect(text).not.toMatch(/IBAN|BIC/);
    });
  });

  describe('crafted cursors (item 4)', () => {
    it.each(['/v1/invoices', '/v1/customers'])(
      'refuses a readable cursor with an empty sort key on %s with 400, never 500',
      async (path) => {
        const api = await as(tenantA);
        const crafted = Buffer.from(
          JSON.stringify({
            pk: `${tenantA.tenantId}#INVOICE#x`,
            sk: '',
            gsi1pk: `${tenantA.tenantId}#INVOICES`,
            gsi1sk: '',
          }),
        ).toString('base64url');
        for (const cursor of [crafted, '', 'AAAA', randomBytes(64).toString('base64url')]) {
          const answer = await api.get(`${path}?cursor=${encodeURIComponent(cursor)}`);
          expect(answer.status).toBe(400);
          expect(answer.contentType).toBe('application/problem+json');
        }
      },
    );

    // A sealed message: its encryption context (own tenant, list name) is readable, the position in it is not.
    it('hands out cursors that show no key layout', async () => {
      const api = await as(tenantA);
      for (let index = 0; index < 3; index += 1) await api.post('/v1/invoices', sampleInvoice());
      const page = await api.get('/v1/invoices?limit=1');
      const cursor = String(page.body.nextCursor ?? page.body.cursor ?? '');
      expect(cursor).not.toBe('');
      const decoded = Buffer.from(cursor, 'base64url').toString('latin1');
      for (const leak of ['INVOICE#', 'gsi1', 'pk', '{"']) expect(decoded).not.toContain(leak);
    });
  });

  describe('invisible controls (item 6)', () => {
    it.each([
      ['a right-to-left override', 'Acme \u202Egpj.exe'],
      ['an isolate', 'Acme \u2066Ltd\u2069'],
      ['a zero-width space', 'Ac\u200Bme'],
    ])('refuses %s in a customer name with 400 and stores nothing', async (_what, name) => {
      const api = await as(tenantA);
      const newest = async () => (await api.get('/v1/invoices?limit=1')).body.items;
      const before = await newest();
      const answer = await api.post(
        '/v1/invoices',
        sampleInvoice({ customer: { ...sampleInvoice().customer, name } }),
      );
      expect(answer.status).toBe(400);
      expect(answer.contentType).toBe('application/problem+json');
      expect(JSON.stringify(answer.body)).toMatch(/customer\.name|customer\/name/);
      expect(await newest()).toEqual(before);
    });
  });

  describe('the token endpoint', () => {
    it.each([
      ['malformed percent-encoding', `Basic ${Buffer.from('client%zz:secret%').toString('base64')}`],
      ['no colon', `Basic ${Buffer.from('justanid').toString('base64')}`],
      ['not base64', 'Basic %%%'],
    ])('answers %s in Basic credentials with 400 invalid_request (item 8)', async (_what, authorization) => {
      const answer = await token(authorization, someAddress());
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('slows repeated wrong secrets of one client id to 429 slow_down with Retry-After (item 13)', async () => {
      const clientId = `cli_${randomBytes(12).toString('hex')}`;
      const source = someAddress();
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 7; attempt += 1) {
        statuses.push((await token(basic(clientId, `wrong-${attempt}`), source)).status);
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      const slowed = await token(basic(clientId, 'wrong-again'), source);
      expect(slowed.status).toBe(429);
      expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await slowed.json()).toMatchObject({ error: 'slow_down' });
    });
  });

  describe('the gateway (items 12 and 13)', () => {
    it('answers a method a route does not have as API Gateway does: 404 about:blank problem, like a missing route', async () => {
      const api = await as(tenantA);
      const wrongMethod = await api.raw('PUT', '/v1/invoices', '{}', { 'content-type': 'application/json' });
      const missing = await api.get('/v1/no-such-route');
      for (const answer of [wrongMethod, missing]) {
        expect(answer.status).toBe(404);
        expect(answer.contentType).toBe('application/problem+json');
      }
      expect(wrongMethod.body).toEqual(missing.body);
    });

    it('answers a request the stage throttles with 429 problem+json, and serves the next, as the deployed stage would', async () => {
      // The bucket holds thousands (stageThrottling): draining it by sending faster than it refills would race the
      // clock, so the test hook throttles the next requests outright; the bucket's arithmetic has a tooling test.
      const hook = await call('POST', '/_local/gateway/throttle', { body: { count: 2 } });
      expect(hook.body).toEqual({ throttling: stageThrottling, count: 2 });
      const path = `/v1/invoices/inv_${'0'.repeat(32)}`;
      const token = await tokenFor(tenantA);
      const answers = [];
      for (let index = 0; index < 3; index += 1)
        answers.push(await call('GET', path, { token, retryWhenThrottled: false }));
      expect(answers.map((answer) => answer.status)).toEqual([429, 429, 404]);
      expect(answers[0]?.contentType).toBe('application/problem+json');
      expect(String(answers[0]?.body.type)).toMatch(/too-many-requests$/);
    });
  });

  describe('bounded work per request (item 11)', () => {
    it('answers a list whose filter matches nothing after a few pages, with a cursor to go on from', async () => {
      const api = await as(tenantA);
      // More invoices than one request may read at limit 2 (5 DynamoDB pages of 2).
      for (let index = 0; index < 12; index += 1)
        expect((await api.post('/v1/invoices', sampleInvoice())).status).toBe(201);
      const nobody = await api.post('/v1/customers', sampleInvoice().customer);
      expect(nobody.status).toBe(201);
      let page = await api.get(`/v1/invoices?customerId=${nobody.body.id}&limit=2`);
      expect(page.status).toBe(200);
      expect(page.body.items).toEqual([]);
      expect(page.body.nextCursor).toEqual(expect.any(String));
      // Following the cursors walks the rest, each answer as bounded, to the end.
      let requests = 1;
      while (page.body.nextCursor !== undefined && requests < 1_000) {
        page = await api.get(
          `/v1/invoices?customerId=${nobody.body.id}&limit=2&cursor=${encodeURIComponent(page.body.nextCursor)}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.items).toEqual([]);
        requests += 1;
      }
      expect(page.body.nextCursor).toBeUndefined();
      expect(requests).toBeGreaterThan(1);
    }, 60_000);

    it('pages an invoice’s payments', async () => {
      const api = await as(tenantA);
      const draft = await api.post('/v1/invoices', sampleInvoice());
      const issued = await api.post(`/v1/invoices/${draft.body.id}/issue`, {});
      expect(issued.status).toBe(200);
      for (const reference of ['first', 'second', 'third'])
        expect(
          (await api.post(`/v1/invoices/${draft.body.id}/payments`, { amount: 100, reference })).status,
        ).toBe(201);
      const first = await api.get(`/v1/invoices/${draft.body.id}/payments?limit=2`);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const rest = await api.get(
        `/v1/invoices/${draft.body.id}/payments?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      );
      expect(rest.body.items).toHaveLength(1);
      expect(rest.body.nextCursor).toBeUndefined();
      expect(
        [...first.body.items, ...rest.body.items].map((payment: { reference: string }) => payment.reference),
      ).toEqual(['first', 'second', 'third']);
    });
  });

  describe('errors of the system (item 9)', () => {
    it('answers 500, not 401, when the authorizer cannot reach DynamoDB, and the same token works once it can', async () => {
      // A token the gateway has never cached an answer for: the authorizer must run.
      const token = await fetchAccessToken(endpoints().apiBaseUrl, tenantA);
      const faults = async (command: Record<string, unknown>) =>
        expect(
          (await call('POST', '/_local/faults/authorizer-dynamodb', { body: command })).body,
        ).toMatchObject({
          ok: true,
        });
      // More refusals than the SDK's attempts: the client lookup fails, DynamoDB never answers it.
      await faults({ action: 'inject', kind: 'refuse', count: 10, status: 503 });
      try {
        const failed = await call('GET', '/v1/invoices?limit=1', { token });
        expect(failed.status).toBe(500);
        expect(failed.body).toMatchObject({
          type: 'https://docs.ledgerlock.dev/problems/internal-error',
          status: 500,
        });
      } finally {
        await faults({ action: 'clear' });
      }
      // Nothing was cached for the failure: the next request with the same token is authorized.
      expect((await call('GET', '/v1/invoices?limit=1', { token })).status).toBe(200);
    });
  });

  describe('/health (item 14)', () => {
    it('names each component and its state, and no address, port or error text', async () => {
      const health = await call('GET', '/health');
      expect(health.status).toBe(200);
      const text = JSON.stringify(health.body);
      expect(text).not.toMatch(/127\.0\.0\.1|localhost|:\d{2,5}|ECONN|Error|at \w+ \(/);
    });
  });
});
