// test: the first slice through HTTP — create and read a draft invoice, tenant isolation, auth, bad input.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { generateKeyPair, SignJWT } from 'jose';
import { routes } from '../../functions/platform/routes';
import {
  as,
  auditChained,
  call,
  clientsByRole,
  endpoints,
  sampleInvoice,
  tableClient,
  tokenFor,
} from './support';

const { tenantA, tenantB, readOnly } = clientsByRole();

describe('invoices API', () => {
  describe('service documents', () => {
    it('answers /health with 200 once every emulator is ready', async () => {
      const response = await call('GET', '/health');
      expect(response.status).toBe(200);
      expect(Object.values(response.body.services)).toEqual(Array(5).fill('ok'));
    });

    it('serves an OpenAPI 3.1 document with every route of the route table', async () => {
      const response = await call('GET', '/openapi.json');
      expect(response.status).toBe(200);
      expect(response.body.openapi).toBe('3.1.0');
      for (const route of routes) {
        expect(response.body.paths[route.path]?.[route.method.toLowerCase()]?.operationId).toBe(
          route.operationId,
        );
      }
    });
  });

  describe('create and get', () => {
    it('returns a draft with computed totals and no number, and reads it back', async () => {
      const api = await as(tenantA);
      const created = await api.post('/v1/invoices', sampleInvoice());
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        status: 'draft',
        number: null,
        currency: 'EUR',
        // 2 × 120.00 at 19 % = 45.60 tax; 49.99 at 7 % = 3.4993 → 3.50 (half away from zero)
        lines: [
          { description: 'Consulting, November', quantity: 2, unitAmount: 12000, amount: 24000, tax: 4560 },
          { description: 'Travel', quantity: 1, unitAmount: 4999, amount: 4999, tax: 350 },
        ],
        subtotal: 28999,
        tax: 4910,
        total: 33909,
        amountPaid: 0,
        amountDue: 33909,
        amountCredited: 0,
        delivery: { status: 'none' },
        customer: { name: 'Erika Mustermann', email: 'erika@example.com' },
        memo: 'Thank you for your business',
      });
      expect(created.body.id).toMatch(/^inv_[0-9a-f]{32}$/);
      expect(created.headers.get('location')).toBe(`/v1/invoices/${created.body.id}`);
      expect(created.body).not.toHaveProperty('tenantId');

      const read = await api.get(`/v1/invoices/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
    });

    it('lets a read-only client of the same tenant read it', async () => {
      const created = await (await as(tenantA)).post('/v1/invoices', sampleInvoice());
      const read = await (await as(readOnly)).get(`/v1/invoices/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body.total).toBe(created.body.total);
    });
  });

  describe('tenant isolation', () => {
    it("answers another tenant's id exactly as an unknown id: 404", async () => {
      const created = await (await as(tenantA)).post('/v1/invoices', sampleInvoice());
      const other = await as(tenantB);
      const foreign = await other.get(`/v1/invoices/${created.body.id}`);
      const unknown = await other.get(`/v1/invoices/inv_${'0'.repeat(32)}`);
      const garbage = await other.get('/v1/invoices/not-an-id');
      for (const response of [foreign, unknown, garbage]) {
        expect(response.status).toBe(404);
        expect(response.contentType).toContain('application/problem+json');
      }
      const { instance: _a, ...foreignProblem } = foreign.body;
      const { instance: _b, ...unknownProblem } = unknown.body;
      expect(foreignProblem).toEqual(unknownProblem);
      expect(JSON.stringify(foreign.body)).not.toContain(tenantA.tenantId);
    });
  });

  describe('authentication and authorization', () => {
    it('refuses a request without a token with 401 problem+json', async () => {
      const response = await call('POST', '/v1/invoices', { body: sampleInvoice() });
      expect(response.status).toBe(401);
      expect(response.contentType).toContain('application/problem+json');
      expect(response.body).toMatchObject({
        status: 401,
        title: expect.any(String),
        detail: expect.any(String),
      });
    });

    it('refuses a malformed token and a non-bearer scheme with 401', async () => {
      for (const authorization of ['Bearer not.a.jwt', 'Basic Zm9vOmJhcg==', 'Bearer ']) {
        const response = await call('GET', `/v1/invoices/inv_${'0'.repeat(32)}`, {
          headers: { authorization },
        });
        expect(response.status).toBe(401);
      }
    });

    it('refuses a well-formed token signed by a key that is not the issuer’s with 401', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      // The forged token names the issuer's real key id, so only the signature check can catch it.
      const { keys } = (await (await fetch(`${endpoints().apiBaseUrl}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      const now = Math.floor(Date.now() / 1000);
      const forged = await new SignJWT({
        token_use: 'access',
        client_id: tenantA.clientId,
        scope: 'ledgerlock/invoices:read ledgerlock/invoices:write',
      })
        .setProtectedHeader({ alg: 'RS256', kid: keys[0]?.kid ?? 'missing' })
        .setIssuer(endpoints().apiBaseUrl)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey);
      const response = await call('GET', `/v1/invoices/inv_${'0'.repeat(32)}`, { token: forged });
      expect(response.status).toBe(401);
    });

    it('refuses a read-only client that tries to write with 403 problem+json', async () => {
      const response = await (await as(readOnly)).post('/v1/invoices', sampleInvoice());
      expect(response.status).toBe(403);
      expect(response.contentType).toContain('application/problem+json');
    });

    it('refuses a wrong client secret at the token endpoint', async () => {
      const response = await fetch(`${endpoints().apiBaseUrl}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${tenantA.clientId}:wrong`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    });

    it('issues tokens shaped like Cognito’s', async () => {
      const token = await tokenFor(tenantA);
      const [, payload] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
      expect(claims).toMatchObject({
        token_use: 'access',
        client_id: tenantA.clientId,
        sub: tenantA.clientId,
      });
      expect(claims.scope.split(' ').sort()).toEqual([...tenantA.scopes].sort());
    });
  });

  describe('malformed input', () => {
    const cases: [string, string][] = [
      ['invalid JSON', '{"currency": "EUR",'],
      ['an empty body', ''],
      ['a JSON array', '[]'],
      [
        'wrong types',
        JSON.stringify(
          sampleInvoice({ lines: [{ description: 'x', quantity: '2', unitAmount: 1, taxRateBps: 0 }] }),
        ),
      ],
      ['an unknown field', JSON.stringify(sampleInvoice({ discount: 5 }))],
      ['a server-owned field (status)', JSON.stringify(sampleInvoice({ status: 'paid' }))],
      ['a server-owned field (tenantId)', JSON.stringify(sampleInvoice({ tenantId: 'ten_someoneelse1' }))],
      ['a server-owned field (total)', JSON.stringify(sampleInvoice({ total: 1 }))],
      ['an unknown currency', JSON.stringify(sampleInvoice({ currency: 'XXX1' }))],
      [
        'a fractional amount',
        JSON.stringify(
          sampleInvoice({ lines: [{ description: 'x', quantity: 1, unitAmount: 1.5, taxRateBps: 0 }] }),
        ),
      ],
      ['no lines', JSON.stringify(sampleInvoice({ lines: [] }))],
      [
        'a bad email',
        JSON.stringify(sampleInvoice({ customer: { ...sampleInvoice().customer, email: 'nope' } })),
      ],
      ['a bad due date', JSON.stringify(sampleInvoice({ dueDate: '2026-02-30' }))],
      ['an oversize body (> 64 KiB)', JSON.stringify(sampleInvoice({ memo: 'a'.repeat(70_000) }))],
    ];

    it.each(cases)('answers %s with 400 problem+json and stores nothing', async (_name, rawBody) => {
      const api = await as(tenantA);
      const before = await countItems();
      const response = await api.raw('POST', '/v1/invoices', rawBody, { 'content-type': 'application/json' });
      expect(response.status).toBe(400);
      expect(response.contentType).toContain('application/problem+json');
      expect(response.body).toMatchObject({ type: expect.stringMatching(/^https:\/\//), status: 400 });
      expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts:\d+|node_modules|stack/i);
      expect(await countItems()).toBe(before);
    });

    it('refuses a card number in a free-text field with 422 and stores nothing', async () => {
      const api = await as(tenantA);
      const before = await countItems();
      const response = await api.post(
        '/v1/invoices',
        sampleInvoice({ memo: 'card 4111 1111 1111 1111 thanks' }),
      );
      expect(response.status).toBe(422);
      expect(response.body.type).toMatch(/card-number-rejected$/);
      expect(await countItems()).toBe(before);
    });
  });

  describe('key hierarchy', () => {
    it('calls KMS about once per tenant and function, not once per sealed or opened item', async () => {
      const api = await as(tenantA);
      expect((await call('POST', '/_local/kms/stats/reset')).status).toBe(200);
      const ids: string[] = [];
      for (let index = 0; index < 20; index += 1)
        ids.push((await api.post('/v1/invoices', sampleInvoice())).body.id);
      for (const id of ids) expect((await api.get(`/v1/invoices/${id}`)).status).toBe(200);
      const stats = (await call('GET', '/_local/kms/stats')).body as Record<string, number>;
      // 40 sealed or opened items; a per-item data key would be 40 KMS calls. Branch keys are cached, so at
      // most one unwrap per function instance (api-read, api-write) — and none while their caches are warm.
      expect(stats.GenerateDataKey ?? 0).toBe(0);
      expect(stats.Encrypt ?? 0).toBe(0);
      expect(stats.Decrypt ?? 0).toBeLessThanOrEqual(2);
    });
  });

  describe('encryption at rest', () => {
    it('stores no customer name, email, address, line description or memo in plaintext', async () => {
      const canary = `canary${Date.now().toString(36)}`;
      const api = await as(tenantA);
      const created = await api.post(
        '/v1/invoices',
        sampleInvoice({
          customer: {
            name: `${canary}-name`,
            email: `${canary}-email@example.com`,
            taxId: `${canary}-taxid`,
            address: {
              line1: `${canary}-street`,
              city: `${canary}-city`,
              postalCode: '10115',
              country: 'DE',
            },
          },
          lines: [{ description: `${canary}-line`, quantity: 1, unitAmount: 100, taxRateBps: 0 }],
          memo: `${canary}-memo`,
        }),
      );
      expect(created.status).toBe(201);
      expect((await (await as(tenantA)).get(`/v1/invoices/${created.body.id}`)).body.memo).toBe(
        `${canary}-memo`,
      );

      const items = await scanAll();
      const stored = items.find((item) => item.id?.S === created.body.id);
      expect(stored).toBeDefined();
      const dump = JSON.stringify(items, (_key, value) =>
        value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
      );
      expect(dump).not.toContain(canary);
      expect(dump.toLowerCase()).not.toContain(canary.toLowerCase());
    });
  });
});

const dynamoDb = tableClient;

async function scanAll() {
  const client = dynamoDb();
  const items: Record<string, any>[] = [];
  let startKey: Record<string, any> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: endpoints().tables.main, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/**
 * The items requests store: the detector's own windows (DETECT#…) change with every request and are not theirs.
 * Counted once the chain writer has settled: it turns earlier requests' audit entries into events meanwhile.
 */
async function countItems(): Promise<number> {
  await auditChained();
  return (await scanAll()).filter((item) => !String(item.pk?.S ?? '').startsWith('DETECT#')).length;
}
