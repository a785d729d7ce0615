// test: every route of the route table against tenant isolation, scopes and authentication, through HTTP.
import { randomBytes } from 'node:crypto';
import { gatewayProblem } from '../../functions/platform/gateway-responses';
import { type RouteDefinition, routeKey, routes, type Scope } from '../../functions/platform/routes';
import {
  type ApiResponse,
  as,
  call,
  clientsByRole,
  type DemoClient,
  sampleInvoice,
  tokenFor,
} from './support';

const { tenantA, tenantB, readOnly, admin } = clientsByRole();

const suffix = randomBytes(6).toString('hex');

/** A body each route accepts, so a refusal can only come from the check under test. */
const validBodies: Readonly<Record<string, unknown>> = {
  createCustomer: {
    name: `Matrix Probe ${suffix}`,
    email: `probe.${suffix}@example.com`,
    address: { line1: 'Probe Street 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  },
  updateCustomer: { name: `Renamed by someone else ${suffix}` },
  createInvoice: sampleInvoice({ memo: `Matrix probe ${suffix}` }),
  updateInvoice: { memo: `Changed by someone else ${suffix}` },
  issueInvoice: {},
  // Names a draft nobody has: an allowed client gets the handler's 404, as mutations on unknown path ids do.
  issueInvoices: { invoiceIds: [`inv_${randomBytes(16).toString('hex')}`] },
  sendInvoice: {},
  recordPayment: { amount: 1 },
  voidInvoice: { reason: `Voided by someone else ${suffix}` },
  createCreditNote: {
    reason: `Credited by someone else ${suffix}`,
    lines: [{ invoiceLine: 0, quantity: 1 }],
  },
  putSellerProfile: {
    name: `Matrix Seller ${suffix}`,
    email: `seller.${suffix}@example.com`,
    address: { line1: 'Seller Street 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    payout: { iban: 'DE02120300000000202051', bic: 'BYLADEM1001', accountHolder: 'Matrix Seller' },
  },
};

/** Path parameter → id prefix, so a made-up id is well-formed and only the look-up can fail. */
const idPrefixes: Readonly<Record<string, string>> = {
  customerId: 'cus',
  invoiceId: 'inv',
  creditNoteId: 'cn',
};

const parameterNames = (route: RouteDefinition) =>
  [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
const hasParameters = (route: RouteDefinition) => parameterNames(route).length > 0;

function fillPath(route: RouteDefinition, ids: Readonly<Record<string, string>>): string {
  return route.path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const id = ids[name];
    if (id === undefined) throw new Error(`no id for {${name}} in ${routeKey(route)}`);
    return encodeURIComponent(id);
  });
}

function unknownIds(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(idPrefixes).map(([name, prefix]) => [
      name,
      `${prefix}_${randomBytes(16).toString('hex')}`,
    ]),
  );
}

async function send(
  client: DemoClient | undefined,
  route: RouteDefinition,
  path: string,
): Promise<ApiResponse> {
  const body = validBodies[route.operationId];
  const token = client === undefined ? undefined : await tokenFor(client);
  return call(route.method, path, {
    ...(token === undefined ? {} : { token }),
    ...(body === undefined ? {} : { body }),
  });
}

function expectProblem(response: ApiResponse, status: number) {
  expect(response.status).toBe(status);
  expect(response.contentType).toContain('application/problem+json');
  expect(response.body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
}

/** The gateway's own "no such resource" (same table on AWS and locally); a handler's 404 says something else. */
const missingRoute = JSON.parse(gatewayProblem('missing-route').body) as { detail: string };
const isGatewayMiss = (response: ApiResponse) =>
  response.status === 404 && response.body?.detail === missingRoute.detail;

interface TenantAFixture {
  readonly customer: any;
  readonly draft: any;
  readonly issued: any;
  readonly payment: any;
  readonly creditNote: any;
}

/** Tenant A's resources, one of everything that has an id. */
async function createTenantAFixture(): Promise<TenantAFixture> {
  const api = await as(tenantA);
  const customer = await api.post('/v1/customers', {
    name: `Matrix Customer ${suffix}`,
    email: `matrix.${suffix}@example.com`,
    taxId: `DE${suffix}`,
    address: { line1: `Matrixweg ${suffix}`, city: 'Hamburg', postalCode: '20095', country: 'DE' },
    paymentReference: `MANDATE-${suffix}`,
  });
  expect(customer.status).toBe(201);
  const draft = await api.post('/v1/invoices', {
    customerId: customer.body.id,
    currency: 'EUR',
    lines: [{ description: `Matrix draft line ${suffix}`, quantity: 2, unitAmount: 5000, taxRateBps: 1900 }],
    memo: `Matrix draft memo ${suffix}`,
  });
  expect(draft.status).toBe(201);
  const toIssue = await api.post(
    '/v1/invoices',
    sampleInvoice({
      lines: [
        { description: `Matrix issued line ${suffix}`, quantity: 2, unitAmount: 12000, taxRateBps: 1900 },
        { description: `Matrix second line ${suffix}`, quantity: 1, unitAmount: 4999, taxRateBps: 700 },
      ],
      memo: `Matrix issued memo ${suffix}`,
    }),
  );
  expect(toIssue.status).toBe(201);
  const issued = await api.post(`/v1/invoices/${toIssue.body.id}/issue`, {});
  expect(issued.status).toBe(200);
  const payment = await api.post(`/v1/invoices/${toIssue.body.id}/payments`, {
    amount: 1000,
    reference: `Matrix payment ${suffix}`,
  });
  expect(payment.status).toBe(201);
  const credited = await api.post(`/v1/invoices/${toIssue.body.id}/credit-notes`, {
    reason: `Matrix credit ${suffix}`,
    lines: [{ invoiceLine: 1, quantity: 1 }],
  });
  expect(credited.status).toBe(201);
  return {
    customer: customer.body,
    draft: draft.body,
    issued: credited.body.invoice,
    payment: payment.body.payment,
    creditNote: credited.body.creditNote,
  };
}

/** Everything tenant A can read about its fixture, to compare before and after. */
async function readBack(fixture: TenantAFixture) {
  const api = await as(tenantA);
  const paths = [
    `/v1/customers/${fixture.customer.id}`,
    `/v1/invoices/${fixture.draft.id}`,
    `/v1/invoices/${fixture.issued.id}`,
    `/v1/invoices/${fixture.issued.id}/payments`,
    `/v1/invoices/${fixture.issued.id}/credit-notes`,
    `/v1/credit-notes/${fixture.creditNote.id}`,
  ];
  const answers = await Promise.all(paths.map((path) => api.get(path)));
  return Object.fromEntries(paths.map((path, index) => [path, answers[index]?.body]));
}

/** Strings that are tenant A's data: none may reach another tenant. */
function secretsOf(fixture: TenantAFixture): string[] {
  return [
    tenantA.tenantId,
    fixture.customer.name,
    fixture.customer.email,
    fixture.customer.taxId,
    fixture.customer.paymentReference,
    fixture.customer.address.line1,
    fixture.draft.memo,
    fixture.issued.memo,
    fixture.issued.number,
    fixture.payment.reference,
    fixture.creditNote.number,
    fixture.creditNote.reason,
    ...fixture.draft.lines.map((line: { description: string }) => line.description),
    ...fixture.issued.lines.map((line: { description: string }) => line.description),
  ].filter((secret): secret is string => typeof secret === 'string' && secret.length > 0);
}

const scopesOf = (client: DemoClient): Scope[] =>
  client.scopes.filter((scope) => scope.startsWith('ledgerlock/')).map((scope) => scope.slice(11) as Scope);

const parameterisedRoutes = routes.filter(hasParameters);

describe('route matrix', () => {
  let fixture: TenantAFixture;
  // The matrix replaces tenant A's seller profile; the suites after it expect the demo profile back.
  let sellerProfile: Record<string, unknown> = {};

  beforeAll(async () => {
    fixture = await createTenantAFixture();
    const { updatedAt: _updatedAt, ...profile } = (await (await as(admin)).get('/v1/seller-profile')).body;
    sellerProfile = profile;
  });

  afterAll(async () => {
    expect((await (await as(admin)).put('/v1/seller-profile', sellerProfile)).status).toBe(200);
  });

  describe('request bodies used by the matrix', () => {
    it('has a body the route table’s schema accepts for every route that takes one', () => {
      const withBody = routes.filter((route) => route.requestSchema !== undefined);
      expect(withBody.length).toBeGreaterThan(0);
      for (const route of withBody) {
        const body = validBodies[route.operationId];
        expect({ route: route.operationId, hasBody: body !== undefined }).toEqual({
          route: route.operationId,
          hasBody: true,
        });
        expect({ route: route.operationId, valid: route.requestSchema?.safeParse(body).success }).toEqual({
          route: route.operationId,
          valid: true,
        });
      }
    });
  });

  describe('cross-tenant access', () => {
    interface Attempt {
      readonly route: RouteDefinition;
      readonly path: string;
      readonly foreign: ApiResponse;
      readonly unknown: ApiResponse;
    }
    const attempts: Attempt[] = [];
    let before: Record<string, unknown>;
    let after: Record<string, unknown>;

    beforeAll(async () => {
      before = await readBack(fixture);
      // Every id of tenant A a route could take: the draft and the issued invoice both, so a mutation that
      // only works on one state (delete a draft, pay an issued one) is tried where it would succeed.
      const candidates: Record<string, string[]> = {
        customerId: [fixture.customer.id],
        invoiceId: [fixture.draft.id, fixture.issued.id],
        creditNoteId: [fixture.creditNote.id],
      };
      for (const route of parameterisedRoutes) {
        const [name] = parameterNames(route);
        for (const id of candidates[name ?? ''] ?? []) {
          const path = fillPath(route, { [name ?? '']: id });
          const foreign = await send(tenantB, route, path);
          const unknown = await send(tenantB, route, fillPath(route, unknownIds()));
          attempts.push({ route, path, foreign, unknown });
        }
      }
      after = await readBack(fixture);
    });

    it('tries every route with a path parameter, with each of tenant A’s ids it takes', () => {
      const tried = new Set(attempts.map((attempt) => routeKey(attempt.route)));
      expect([...tried].sort()).toEqual(parameterisedRoutes.map(routeKey).sort());
      expect(parameterisedRoutes.every((route) => parameterNames(route).length === 1)).toBe(true);
      expect(attempts.length).toBeGreaterThanOrEqual(parameterisedRoutes.length);
    });

    it('answers 404 problem+json to tenant B on every route when it names tenant A’s resources', () => {
      const statuses = attempts.map(
        (attempt) => `${attempt.route.method} ${attempt.path} → ${attempt.foreign.status}`,
      );
      expect(statuses).toEqual(attempts.map((attempt) => `${attempt.route.method} ${attempt.path} → 404`));
      for (const attempt of attempts) {
        expectProblem(attempt.foreign, 404);
        expect(attempt.foreign.body.detail).not.toBe(missingRoute.detail);
      }
    });

    it('answers tenant A’s ids exactly as unknown ids when tenant B asks', () => {
      for (const attempt of attempts) {
        const { instance: _foreignInstance, ...foreign } = attempt.foreign.body ?? {};
        const { instance: _unknownInstance, ...unknown } = attempt.unknown.body ?? {};
        expect({ route: routeKey(attempt.route), status: attempt.foreign.status, problem: foreign }).toEqual({
          route: routeKey(attempt.route),
          status: attempt.unknown.status,
          problem: unknown,
        });
      }
    });

    it('leaks neither tenant A’s id nor any of its data in the answers to tenant B', () => {
      const secrets = secretsOf(fixture);
      expect(secrets).toContain(tenantA.tenantId);
      expect(secrets.length).toBeGreaterThan(10);
      for (const attempt of attempts) {
        const text = `${JSON.stringify(attempt.foreign.body)}\n${[...attempt.foreign.headers].join('\n')}`;
        for (const secret of secrets) {
          expect({ route: routeKey(attempt.route), leaked: text.includes(secret) ? secret : null }).toEqual({
            route: routeKey(attempt.route),
            leaked: null,
          });
        }
      }
    });

    it('leaves tenant A’s resources unchanged when tenant B has tried every route on them', () => {
      expect(Object.keys(before)).toHaveLength(6);
      expect(Object.values(before).every((body) => body !== undefined)).toBe(true);
      expect(after).toEqual(before);
    });
  });

  describe('scopes', () => {
    const roles: Readonly<Record<string, DemoClient>> = { readOnly, tenantA, admin };
    const cases = routes.flatMap((route) =>
      Object.entries(roles).map(([role, client]) => ({
        role,
        client,
        route,
        key: routeKey(route),
        scope: route.scope,
        allowed: scopesOf(client).includes(route.scope),
      })),
    );
    const answers = new Map<string, ApiResponse>();
    const caseKey = (entry: { role: string; key: string }) => `${entry.role} ${entry.key}`;

    /** Readable routes get tenant A's real ids (expect success); mutations get unknown ids (expect 404). */
    function pathFor(route: RouteDefinition): string {
      if (!hasParameters(route)) return route.path;
      if (route.method !== 'GET') return fillPath(route, unknownIds());
      return fillPath(route, {
        customerId: fixture.customer.id,
        invoiceId: fixture.issued.id,
        creditNoteId: fixture.creditNote.id,
      });
    }
    // Bulk issue names its (unknown) drafts in the body instead of the path.
    const namesUnknownIds = (route: RouteDefinition) =>
      route.method !== 'GET' && (hasParameters(route) || route.operationId === 'issueInvoices');
    const expectedWhenAllowed = (route: RouteDefinition) =>
      namesUnknownIds(route) ? 404 : route.successStatus;

    // The admin's PUT /v1/seller-profile replaces tenant A's profile: it is put back, since other suites (delivery)
    // read the seller's name from invoices and emails of the same stack.
    let sellerBefore: Record<string, unknown> | undefined;
    beforeAll(async () => {
      const profile = await (await as(admin)).get('/v1/seller-profile');
      if (profile.status === 200) {
        const { name, email, address, taxId, payout, paymentInstructions } = profile.body;
        sellerBefore = { name, email, address, taxId, payout, paymentInstructions };
      }
      for (const entry of cases) {
        answers.set(caseKey(entry), await send(entry.client, entry.route, pathFor(entry.route)));
      }
    });
    afterAll(async () => {
      if (sellerBefore !== undefined) {
        const restored = await (await as(admin)).put(
          '/v1/seller-profile',
          Object.fromEntries(Object.entries(sellerBefore).filter(([, value]) => value !== undefined)),
        );
        expect(restored.status).toBe(200);
      }
    });

    it('covers every route with every demo client, and each client is both allowed and refused somewhere', () => {
      expect(answers.size).toBe(routes.length * Object.keys(roles).length);
      expect(new Set(cases.map((entry) => entry.key)).size).toBe(routes.length);
      expect(cases.some((entry) => entry.role === 'readOnly' && !entry.allowed)).toBe(true);
      expect(cases.some((entry) => entry.role === 'tenantA' && !entry.allowed)).toBe(true);
      expect(cases.filter((entry) => entry.role === 'admin').every((entry) => entry.allowed)).toBe(true);
    });

    it('finds every route of the table at the gateway (no gateway "missing route")', () => {
      const misses = cases
        .filter((entry) => isGatewayMiss(answers.get(caseKey(entry)) as ApiResponse))
        .map(caseKey);
      expect(misses).toEqual([]);
    });

    it.each(cases.filter((entry) => !entry.allowed))(
      'refuses $key with 403 problem+json when the $role client lacks the $scope scope',
      (entry) => {
        const response = answers.get(caseKey(entry));
        expect(response).toBeDefined();
        expectProblem(response as ApiResponse, 403);
      },
    );

    it.each(cases.filter((entry) => entry.allowed))(
      'lets the $role client through on $key when it holds the $scope scope',
      (entry) => {
        const response = answers.get(caseKey(entry)) as ApiResponse;
        expect(response).toBeDefined();
        expect([401, 403]).not.toContain(response.status);
        expect({ status: response.status, body: response.body }).toMatchObject({
          status: expectedWhenAllowed(entry.route),
        });
        if (response.status === 404) expect(response.body.detail).not.toBe(missingRoute.detail);
      },
    );
  });

  describe('authentication', () => {
    const answers = new Map<string, ApiResponse>();

    beforeAll(async () => {
      for (const route of routes) {
        const path = hasParameters(route)
          ? fillPath(route, {
              customerId: fixture.customer.id,
              invoiceId: fixture.issued.id,
              creditNoteId: fixture.creditNote.id,
            })
          : route.path;
        answers.set(routeKey(route), await send(undefined, route, path));
      }
    });

    it('asks every route of the table', () => {
      expect([...answers.keys()].sort()).toEqual(routes.map(routeKey).sort());
    });

    it.each(routes.map((route) => ({ key: routeKey(route) })))(
      'refuses $key with 401 problem+json when no token is sent',
      ({ key }) => {
        const response = answers.get(key);
        expect(response).toBeDefined();
        expectProblem(response as ApiResponse, 401);
        expect(JSON.stringify(response?.body)).not.toContain(tenantA.tenantId);
      },
    );
  });
});
