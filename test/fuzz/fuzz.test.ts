// test: a schema-driven fuzz run over every route of the route table — valid-ish and mutated bodies, junk
// ids, queries, headers and tokens — asserting the API never fails open: no 5xx, always problem+json, no
// stack traces, no other tenant's data.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { z } from 'zod';
import { maxRequestBodyBytes, type RouteDefinition, routeKey, routes } from '../../functions/platform/routes';
import {
  apiBaseUrl,
  as,
  clientsByRole,
  type DemoClient,
  sampleInvoice,
  tokenFor,
} from '../integration/support';

const { tenantA, tenantB, readOnly, admin } = clientsByRole();

/** How much to send: batches of `inFlight` concurrent requests (the machine has two cores). */
const batches = 375;
const inFlight = 8;
/** The run stops early (and passes, unless it already failed) after this long, shrinking included. */
const timeLimitMs = 180_000;
const runId = randomBytes(4).toString('hex');
/**
 * Fixed unless FUZZ_SEED says otherwise, so CI runs the same requests each time and any failure replays with
 * `FUZZ_SEED=<seed> npm run test:fuzz`; set FUZZ_SEED=random to explore.
 */
const seed =
  process.env.FUZZ_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.FUZZ_SEED ?? 20261201);
/** Markers in each tenant's data: neither may ever reach a client of the other tenant. */
const secretOfA = `fuzzsecreta${runId}`;
const secretOfB = `fuzzsecretb${runId}`;

/** What must never appear in a response. Generated input is defanged so an echo cannot be mistaken for one. */
const forbiddenMarkers = ['    at ', '.ts:', 'node_modules', 'Error:'];
const defang = (text: string) =>
  text
    .replaceAll('Error:', 'Error;')
    .replaceAll('.ts:', '.ts;')
    .replaceAll('node_modules', 'node-modules')
    .replaceAll('    at ', '   at ');

// ---- the world the fuzzer aims at ----

type Role = 'tenantA' | 'admin' | 'readOnly' | 'tenantB' | 'anonymous' | 'forged';
const roleClients: Readonly<Record<string, DemoClient>> = { tenantA, admin, readOnly, tenantB };

interface World {
  readonly tokens: Readonly<Record<string, string>>;
  /** Tenant A's real ids by path parameter name; ids the fuzzer's own successful creates return join them. */
  readonly ids: Readonly<Record<string, string[]>>;
  /** Page cursors the API handed out, to both tenants: replayed, edited and forged. */
  readonly cursors: readonly string[];
}

async function buildWorld(): Promise<World> {
  const a = await as(tenantA);
  const b = await as(tenantB);
  const customers: string[] = [];
  for (let index = 0; index < 3; index += 1) {
    const created = await a.post('/v1/customers', {
      name: `${secretOfA} customer ${index}`,
      email: `${secretOfA}.${index}@example.com`,
      address: { line1: `${secretOfA} street`, city: 'Berlin', postalCode: '10115', country: 'DE' },
    });
    expect(created.status).toBe(201);
    customers.push(created.body.id);
  }
  const invoices: string[] = [];
  const creditNotes: string[] = [];
  for (let index = 0; index < 16; index += 1) {
    const created = await a.post(
      '/v1/invoices',
      index % 2 === 0
        ? sampleInvoice({ memo: `${secretOfA} memo ${index}` })
        : {
            customerId: customers[index % customers.length],
            currency: index % 4 === 1 ? 'JPY' : 'EUR',
            lines: [{ description: `${secretOfA} line`, quantity: 3, unitAmount: 2500, taxRateBps: 1900 }],
          },
    );
    expect(created.status).toBe(201);
    invoices.push(created.body.id);
    if (index < 8) continue; // half stay drafts
    expect((await a.post(`/v1/invoices/${created.body.id}/issue`, {})).status).toBe(200);
    if (index % 3 === 0) {
      expect((await a.post(`/v1/invoices/${created.body.id}/payments`, { amount: 100 })).status).toBe(201);
    }
    if (index % 4 === 0) {
      const credited = await a.post(`/v1/invoices/${created.body.id}/credit-notes`, {
        reason: `${secretOfA} credit`,
        lines: [{ invoiceLine: 0, quantity: 1 }],
      });
      expect(credited.status).toBe(201);
      creditNotes.push(credited.body.creditNote.id);
    }
  }
  // Tenant B owns enough for its own page cursors, holding its own secret.
  for (let index = 0; index < 2; index += 1) {
    expect((await b.post('/v1/invoices', sampleInvoice({ memo: `${secretOfB} memo` }))).status).toBe(201);
    const customer = await b.post('/v1/customers', {
      name: `${secretOfB} customer`,
      email: `${secretOfB}.${index}@example.com`,
      address: { line1: `${secretOfB} street`, city: 'Wien', postalCode: '1010', country: 'AT' },
    });
    expect(customer.status).toBe(201);
  }
  const adminApi = await as(admin);
  const cursorSources = [
    a.get('/v1/invoices?limit=1'),
    a.get('/v1/invoices?limit=1&status=draft'),
    a.get('/v1/customers?limit=1'),
    adminApi.get('/v1/audit-events?limit=1'),
    b.get('/v1/invoices?limit=1'),
    b.get('/v1/customers?limit=1'),
  ];
  const cursors = (await Promise.all(cursorSources))
    .map((page) => page.body?.nextCursor)
    .filter((cursor): cursor is string => typeof cursor === 'string');
  expect(cursors.length).toBeGreaterThanOrEqual(4);

  const tokens = Object.fromEntries(
    await Promise.all(
      Object.entries(roleClients).map(async ([role, client]) => [role, await tokenFor(client)]),
    ),
  );
  return { tokens, ids: { customerId: customers, invoiceId: invoices, creditNoteId: creditNotes }, cursors };
}

/** Picks from a pool that grows during the run (generation is lazy, so later requests see newer ids). */
const fromPool = (pool: readonly string[], fallback: string) =>
  fc.nat().map((index) => (pool.length === 0 ? fallback : (pool[index % pool.length] ?? fallback)));

const poolLimit = 300;
/** Adds the ids a successful create answered with to the pools, so later requests can act on them too. */
function harvest(world: World, outcome: { status: number; text: string; contentType: string }) {
  if (outcome.status !== 201 || !outcome.contentType.startsWith('application/json')) return;
  let body: any;
  try {
    body = JSON.parse(outcome.text);
  } catch {
    return;
  }
  for (const id of [body?.id, body?.invoice?.id, body?.creditNote?.id]) {
    if (typeof id !== 'string') continue;
    const name = Object.entries(idPrefixes).find(([, prefix]) => id.startsWith(`${prefix}_`))?.[0];
    const pool = name === undefined ? undefined : world.ids[name];
    if (pool !== undefined && !pool.includes(id) && pool.length < poolLimit) pool.push(id);
  }
}

// ---- arbitraries: valid-ish values from the route table's zod schemas (via JSON Schema) ----

interface JsonSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly minimum?: number;
  readonly maximum?: number;
}

const toJsonSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as unknown as JsonSchema;

const oddTexts = [
  'Consulting, November',
  'Zürich Straße 5',
  '東京都千代田区',
  'مرحبا',
  '🙂🧾💶',
  '\u202Eevil\u202C',
  'zero\u200Bwidth',
  'e\u0301',
  '  padded  ',
  '<script>alert(1)</script>',
  "'; DROP TABLE invoices; --",
  // a log-injection probe, deliberately not a template
  '\u0024{jndi:ldap://example.com/a}',
  '{{7*7}}',
  '%s%s%n',
  '../../etc/passwd',
  'line\nbreak',
  'tab\there',
  'nul\u0000byte',
  '\uFFFF\uFFFE',
  'ten_AAAAAAAAAAAA',
  '4111 1111 1111 1111',
  '1234567890123',
];

function integerIn(minimum: number | undefined, maximum: number | undefined): fc.Arbitrary<number> {
  const low = minimum ?? -1_000_000_000;
  const high = maximum ?? 1_000_000_000;
  const smallLow = Math.max(low, -1000);
  return fc.oneof(
    // Near the minimum most often: line indexes, quantities and amounts an invoice can actually take.
    {
      weight: 3,
      arbitrary: fc.integer({ min: smallLow, max: Math.max(smallLow, Math.min(high, smallLow + 3)) }),
    },
    {
      weight: 3,
      arbitrary: fc.integer({ min: smallLow, max: Math.max(smallLow, Math.min(high, smallLow + 5000)) }),
    },
    { weight: 1, arbitrary: fc.constantFrom(low, high) },
    { weight: 1, arbitrary: fc.maxSafeNat().map((value) => low + (value % (high - low + 1))) },
  );
}

/** Text `freeText()` accepts: no control characters, not blank, no long digit runs (card numbers). */
const acceptableText = (text: string, maxLength: number) =>
  /^[^\p{Cc}]*$/u.test(text) && text.trim() !== '' && text.trim().length <= maxLength && !/\d{13}/.test(text);

function freeTextArbitrary(minLength: number, maxLength: number): fc.Arbitrary<string> {
  const cap = Math.min(maxLength, 60);
  const acceptable = fc.oneof(
    fc.stringMatching(/^[A-Za-z][A-Za-z ,.'À-ÿ-]{0,39}$/),
    fc.constantFrom(...oddTexts),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: cap }),
  );
  return fc.oneof(
    // Mostly text the schema accepts, so bodies get past validation; the rest probes its edges.
    { weight: 12, arbitrary: acceptable.filter((text) => acceptableText(text, maxLength)) },
    {
      weight: 4,
      arbitrary: fc.string({ unit: 'grapheme', minLength: Math.max(minLength, 1), maxLength: cap }),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: cap }) },
    { weight: 2, arbitrary: fc.constantFrom(...oddTexts) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(maxLength, maxLength + 1, 5000).map((length) => 'x'.repeat(length)),
    },
  );
}

const dateArbitrary = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('2199-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString().slice(0, 10)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2026-02-30',
      '2024-02-29',
      '0000-01-01',
      '9999-12-31',
      '2026-13-01',
      '2026-1-1',
      '',
    ),
  },
);

const emailArbitrary = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.stringMatching(/^[a-z]{1,10}$/))
      .map(([local, domain]) => `${local}@${domain}.example`),
  },
  { weight: 1, arbitrary: fc.emailAddress() },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

const currencyArbitrary = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom('EUR', 'USD', 'GBP', 'JPY', 'CHF', 'KWD', 'BHD', 'CLF', 'SEK') },
  { weight: 1, arbitrary: fc.constantFrom('XXX', 'XTS', 'eur', 'EURO', '', 'E U', '€') },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
);

function cursorArbitrary(world: World): fc.Arbitrary<string> {
  const real = fc.constantFrom(...world.cursors);
  // Cursors are sealed: edited bytes (anywhere in the message), another tenant's or another list's real cursor,
  // and plain JSON in the old readable format must all be refused as cursors this API never issued.
  const forged = fc
    .tuple(real, fc.nat(), fc.nat(255), fc.constantFrom(tenantA.tenantId, tenantB.tenantId, 'ten_x'))
    .map(([cursor, pick, byte, tenant]) => {
      const bytes = Buffer.from(cursor, 'base64url');
      const variants = [
        () => {
          const edited = Buffer.from(bytes);
          edited[pick % edited.length] = byte;
          return edited.toString('base64url');
        },
        () => bytes.subarray(0, Math.max(1, pick % bytes.length)).toString('base64url'),
        () => Buffer.concat([bytes, Buffer.from([byte])]).toString('base64url'),
        () =>
          Buffer.from(JSON.stringify({ v: 1, k: { pk: `${tenant}#INVOICE#x`, sk: '' } })).toString(
            'base64url',
          ),
        () => Buffer.from(JSON.stringify({ v: 1, k: {} })).toString('base64url'),
      ];
      return (variants[pick % variants.length] ?? (() => cursor))();
    });
  return fc.oneof(
    { weight: 2, arbitrary: real },
    { weight: 3, arbitrary: forged },
    {
      weight: 1,
      arbitrary: fc
        .tuple(real, fc.nat())
        .map(([cursor, cut]) => cursor.slice(0, cut % cursor.length) + (cut % 2 === 0 ? '' : '!*')),
    },
    { weight: 1, arbitrary: fc.base64String({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.constant('A'.repeat(2049)) },
  );
}

function stringArbitrary(schema: JsonSchema, name: string, world: World): fc.Arbitrary<string> {
  if (name === 'currency') return currencyArbitrary;
  if (name === 'cursor') return cursorArbitrary(world);
  if (name === 'customerId') {
    return fc.oneof(
      { weight: 4, arbitrary: fromPool(world.ids.customerId ?? [], `cus_${'0'.repeat(32)}`) },
      { weight: 1, arbitrary: fc.stringMatching(/^cus_[0-9a-f]{32}$/) },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    );
  }
  if (schema.format === 'date') return dateArbitrary;
  if (schema.format === 'email' || name === 'email') return emailArbitrary;
  if (schema.pattern === '^[^\\p{Cc}]*$') {
    return freeTextArbitrary(schema.minLength ?? 0, schema.maxLength ?? 1000);
  }
  if (schema.pattern !== undefined) {
    return fc.oneof(
      { weight: 9, arbitrary: fc.stringMatching(new RegExp(schema.pattern)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    );
  }
  return fc.string({ maxLength: Math.min(schema.maxLength ?? 60, 60) });
}

function arbitraryFor(schema: JsonSchema, name: string, world: World): fc.Arbitrary<unknown> {
  const options = schema.anyOf ?? schema.oneOf;
  if (options !== undefined) return fc.oneof(...options.map((option) => arbitraryFor(option, name, world)));
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'object': {
      const properties = Object.entries(schema.properties ?? {});
      const shape = Object.fromEntries(
        properties.map(([key, child]) => [key, arbitraryFor(child, key, world)]),
      );
      return fc.record(shape, { requiredKeys: [...(schema.required ?? [])] });
    }
    case 'array':
      return fc.array(arbitraryFor(schema.items ?? {}, name, world), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'integer':
      return integerIn(schema.minimum, schema.maximum);
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'string':
      return stringArbitrary(schema, name, world);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A body the schema would likely accept; "either customer or customerId" is a refinement JSON Schema loses. */
function validishBody(route: RouteDefinition, world: World): fc.Arbitrary<unknown> {
  if (route.requestSchema === undefined) return fc.constant({});
  const schema = toJsonSchema(route.requestSchema);
  const body = arbitraryFor(schema, '', world);
  if (schema.properties?.customer === undefined || schema.properties.customerId === undefined) return body;
  const keep = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('customer', 'customerId') },
    { weight: 1, arbitrary: fc.constantFrom('both', 'neither') },
  );
  return fc.tuple(body, keep).map(([value, keep]) => {
    const copy = { ...(value as Record<string, unknown>) };
    if (keep === 'customer' || keep === 'neither') delete copy.customerId;
    if (keep === 'customerId' || keep === 'neither') delete copy.customer;
    return copy;
  });
}

// ---- arbitraries: mutations ----

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { a: value };
  return value;
}

const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    -1,
    -0,
    0.5,
    1.5,
    -1e-9,
    1e21,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 63),
    Number.MAX_VALUE,
    Number.MIN_VALUE,
  ),
  fc.integer().map(String),
  fc.constantFrom('1', '1e3', '0x10', ' 5', 'NaN', 'Infinity', '-0', 'true', 'null', '', '[]', '{}'),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(...oddTexts),
  fc.constantFrom(1000, 20_000, 70_000).map((length) => 'y'.repeat(length)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.nat({ max: 3000 }).map((depth) => nested(depth)),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }),
  fc.constant(JSON.parse('{"__proto__":{"admin":true,"tenantId":"ten_AAAAAAAAAAAA"}}')),
);

const extraKeys = fc.oneof(
  fc.constantFrom(
    'tenantId',
    'status',
    'total',
    'id',
    'number',
    'amountPaid',
    '__proto__',
    'constructor',
    'prototype',
  ),
  fc.string({ maxLength: 12 }),
);

/** Every position in a JSON value (the root included), as a path of keys and indexes. */
function positions(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const here = [path];
  if (Array.isArray(value))
    return here.concat(...value.map((item, index) => positions(item, [...path, index])));
  if (typeof value === 'object' && value !== null) {
    return here.concat(...Object.entries(value).map(([key, item]) => positions(item, [...path, key])));
  }
  return here;
}

function edit(value: unknown, pick: number, change: (parent: any, key: string | number) => void): unknown {
  const copy = structuredClone(value);
  const all = positions(copy).filter((path) => path.length > 0);
  const path = all[pick % Math.max(all.length, 1)];
  if (path === undefined) return copy;
  let parent: any = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  change(parent, path[path.length - 1] as string | number);
  return copy;
}

function jsonBodyArbitrary(route: RouteDefinition, world: World): fc.Arbitrary<string> {
  const valid = validishBody(route, world);
  return fc
    .oneof(
      { weight: 10, arbitrary: valid },
      {
        weight: 3,
        arbitrary: fc.tuple(valid, fc.nat(), junkValue).map(([value, pick, junk]) =>
          edit(value, pick, (parent, key) => {
            parent[key] = junk;
          }),
        ),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(valid, fc.nat(), extraKeys, junkValue).map(([value, pick, key, junk]) => {
          if (typeof value !== 'object' || value === null) return value;
          const withExtra = edit(value, pick, (parent, at) => {
            if (typeof parent[at] === 'object' && parent[at] !== null && !Array.isArray(parent[at])) {
              Object.defineProperty(parent[at], key, { value: junk, enumerable: true, writable: true });
            }
          });
          Object.defineProperty(withExtra, key, { value: junk, enumerable: true, writable: true });
          return withExtra;
        }),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(valid, fc.nat()).map(([value, pick]) =>
          edit(value, pick, (parent, key) => {
            if (Array.isArray(parent)) parent.splice(Number(key), 1);
            else delete parent[key];
          }),
        ),
      },
      { weight: 1, arbitrary: junkValue },
    )
    .map((value) => JSON.stringify(value) ?? 'null');
}

const rawBodies: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '{',
    '{"a":',
    'null',
    'NaN',
    'undefined',
    '\uFEFF{}',
    "{'amount':1}",
    '{"amount":1e400}',
    '{"amount":-0}',
    '{"amount":100000000000000000000000}',
    '{"amount":1,"amount":"1"}',
    '{"reason":"x","reason":null}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '"just a string"',
    '[]',
    '{}{}',
    '\u0000',
    'amount=1&reason=x',
  ),
  fc.nat({ max: 40_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.nat({ max: 20_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.nat({ max: 30_000 }).map((depth) => `{"lines":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc
    .constantFrom(maxRequestBodyBytes - 64, maxRequestBodyBytes + 1, 300_000, 1_100_000)
    .map((length) => `{"memo":"${'m'.repeat(length)}"}`),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

const contentTypes = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/merge-patch+json',
      'application/problem+json',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'application/xml',
      '*/*',
      '',
    ),
  },
);

function bodyArbitrary(route: RouteDefinition, world: World) {
  const text = fc.oneof(
    { weight: 14, arbitrary: jsonBodyArbitrary(route, world) },
    { weight: 2, arbitrary: rawBodies },
  );
  return fc.record({ text, contentType: contentTypes });
}

// ---- arbitraries: ids, queries, headers, whole requests ----

const idPrefixes: Readonly<Record<string, string>> = {
  customerId: 'cus',
  invoiceId: 'inv',
  creditNoteId: 'cn',
};
const percentEncode = (bytes: Uint8Array) =>
  [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');

function pathIdArbitrary(name: string, world: World): fc.Arbitrary<string> {
  const prefix = idPrefixes[name] ?? 'x';
  const unknown = `${prefix}_${'0'.repeat(32)}`;
  const own = fromPool(world.ids[name] ?? [], unknown);
  const otherKinds = Object.entries(world.ids).filter(([other]) => other !== name);
  return fc.oneof(
    { weight: 24, arbitrary: own },
    {
      weight: 1,
      arbitrary: fc.nat().chain((kind) => fromPool(otherKinds[kind % otherKinds.length]?.[1] ?? [], unknown)),
    },
    { weight: 2, arbitrary: fc.stringMatching(/^[0-9a-f]{32}$/).map((hex) => `${prefix}_${hex}`) },
    { weight: 1, arbitrary: fc.stringMatching(new RegExp(`^${prefix}_[0-9a-fA-F]{30,34}$`)) },
    {
      weight: 2,
      arbitrary: fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
        .map((text) => percentEncode(Buffer.from(text, 'utf8'))),
    },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 30 }).map(percentEncode) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '%',
        '%ZZ',
        '%E0%A4%A',
        '%C0%AF',
        '%FF',
        '%00',
        '%2F',
        '%2e%2e',
        '..',
        '.',
        '%20',
        'a'.repeat(5000),
        "inv_'%20OR%201=1--",
        '%24%7Bx%7D',
        '%5C',
        'null',
        'undefined',
        '__proto__',
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(own, fc.nat({ max: 4 }))
        .map(
          ([id, variant]) => [`${id}%00`, `${id}%20`, id.toUpperCase(), `${id};x`, `${id}%0A`][variant] ?? id,
        ),
    },
  );
}

function queryArbitrary(route: RouteDefinition, world: World): fc.Arbitrary<string> {
  const validish =
    route.querySchema === undefined
      ? fc.constant('')
      : fc.tuple(arbitraryFor(toJsonSchema(route.querySchema), '', world), fc.nat()).map(([value, pick]) =>
          new URLSearchParams(
            Object.entries(value as Record<string, unknown>)
              // Cursors have their own mutation below; here most lists start at the first page.
              .filter(([key]) => key !== 'cursor' || pick % 4 === 0)
              .map(([key, item]): [string, string] => [key, String(item)]),
          ).toString(),
        );
  return fc.oneof(
    { weight: route.querySchema === undefined ? 1 : 6, arbitrary: validish },
    {
      weight: 1,
      arbitrary: validish.map((query) => (query === '' ? 'limit=1&limit=2' : `${query}&${query}`)),
    },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 })), { maxLength: 4 })
        .map((pairs) => new URLSearchParams(pairs).toString()),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'limit=0',
        'limit=101',
        'limit=-1',
        'limit=1e1',
        'limit=0x10',
        'limit=%20',
        'limit=',
        'limit=1.5',
        'limit=NaN',
        'limit=Infinity',
        'limit=99999999999999999999999',
        'status=DRAFT',
        'status[]=draft',
        'email=%ZZ',
        '%ZZ=1',
        'cursor=%',
        '&&&',
        '=',
        'a=1&=2',
        'issuedFrom=2026-12-31&issuedTo=2026-01-01',
        '__proto__=1',
        'constructor=x',
      ),
    },
    {
      weight: 2,
      arbitrary: cursorArbitrary(world).map((cursor) => `cursor=${encodeURIComponent(cursor)}`),
    },
  );
}

// Visible ASCII and Latin-1, the bytes a header value may hold (DEL, 0x7f, fetch refuses to send).
const latin1Char = fc
  .integer({ min: 0x20, max: 0xff })
  .filter((code) => code !== 0x7f)
  .map((code) => String.fromCharCode(code));
const idempotencyKeys = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 6 }).map((index) => `fuzz-${runId}-${index}`) },
  { weight: 2, arbitrary: fc.stringMatching(/^[\x21-\x7e]{1,60}$/) },
  { weight: 1, arbitrary: fc.string({ unit: latin1Char, minLength: 1, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'é', 'a b', '\t', 'x'.repeat(255), 'x'.repeat(256)) },
);
/** Every POST takes an Idempotency-Key; other methods refuse one, so they get it only now and then. */
const idempotencyKeyArbitrary = (route: RouteDefinition) =>
  fc.oneof(
    { weight: route.method === 'POST' ? 1 : 19, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: idempotencyKeys },
  );

/** Mostly clients the route admits, so requests get past the gateway; the rest probe 401 and 403. */
const roleArbitrary = (route: RouteDefinition): fc.Arbitrary<Role> =>
  fc.oneof(
    { weight: route.scope === 'admin' ? 2 : 6, arbitrary: fc.constant('tenantA' as const) },
    { weight: route.scope === 'admin' ? 7 : 3, arbitrary: fc.constant('admin' as const) },
    { weight: 1, arbitrary: fc.constant('readOnly' as const) },
    { weight: 1, arbitrary: fc.constant('tenantB' as const) },
    { weight: 1, arbitrary: fc.constant('anonymous' as const) },
    { weight: 1, arbitrary: fc.constant('forged' as const) },
  );

const forgedAuthorization = fc.constantFrom(
  'Bearer x.y.z',
  'Bearer ',
  'bearer abc',
  'Basic Zm9vOmJhcg==',
  `Bearer ${'a'.repeat(9000)}`,
  'Bearer eyJhbGciOiJub25lIn0.eyJjbGllbnRfaWQiOiJ4In0.',
  'Token abc',
);

interface FuzzRequest {
  readonly route: RouteDefinition;
  readonly method: string;
  readonly pathAndQuery: string;
  readonly role: Role;
  readonly authorization?: string;
  readonly contentType?: string;
  readonly idempotencyKey?: string;
  readonly body?: string;
}

const clip = (text: string, length = 300) =>
  text.length <= length ? text : `${text.slice(0, length)}… (${text.length} chars)`;

function describeRequest(request: FuzzRequest): string {
  const headers = [
    `role=${request.role}`,
    ...(request.authorization === undefined ? [] : [`authorization=${clip(request.authorization, 60)}`]),
    ...(request.contentType === undefined ? [] : [`content-type=${JSON.stringify(request.contentType)}`]),
    ...(request.idempotencyKey === undefined
      ? []
      : [`idempotency-key=${JSON.stringify(clip(request.idempotencyKey, 80))}`]),
  ];
  const body = request.body === undefined ? '' : `\n    body: ${clip(JSON.stringify(request.body), 600)}`;
  return `${request.method} ${clip(request.pathAndQuery, 400)}  [${headers.join(', ')}]  (route ${request.route.operationId})${body}`;
}

function requestArbitrary(world: World): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...routes).chain((route) => {
    const parameterNames = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
    return fc
      .record({
        method: fc.oneof(
          { weight: 12, arbitrary: fc.constant(route.method as string) },
          { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS') },
        ),
        ids: fc.tuple(...parameterNames.map((name) => pathIdArbitrary(name, world))),
        query: queryArbitrary(route, world),
        role: roleArbitrary(route),
        forged: forgedAuthorization,
        body: fc.option(bodyArbitrary(route, world), { nil: undefined, freq: 12 }),
        idempotencyKey: idempotencyKeyArbitrary(route),
      })
      .map(({ method, ids, query, role, forged, body, idempotencyKey }): FuzzRequest => {
        let index = 0;
        const path = route.path.replace(/\{[^}]+\}/g, () => ids[index++] ?? '');
        const pathAndQuery = defang(query === '' ? path : `${path}?${query}`);
        // fetch cannot send a body with GET; routes without a request schema get one only sometimes.
        const sendsBody =
          body !== undefined &&
          method !== 'GET' &&
          (route.requestSchema !== undefined || body.text.length % 4 === 0);
        const request: FuzzRequest = {
          route,
          method,
          pathAndQuery,
          role,
          ...(role === 'forged' ? { authorization: forged } : {}),
          ...(sendsBody ? { body: defang(body.text), contentType: body.contentType } : {}),
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        };
        return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
      });
  });
}

// ---- sending and judging ----

interface Outcome {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly finalPath: string;
  readonly failure?: string;
}

async function send(request: FuzzRequest, world: World): Promise<Outcome> {
  const url = new URL(`${apiBaseUrl()}${request.pathAndQuery}`);
  const headers: Record<string, string> = {};
  const token = world.tokens[request.role];
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (request.authorization !== undefined) headers.authorization = request.authorization;
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
  try {
    for (let attempt = 1; ; attempt += 1) {
      const response = await fetch(url, {
        method: request.method,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(60_000),
        ...(request.body === undefined ? {} : { body: request.body }),
      });
      const text = await response.text();
      // The stage throttles (stageThrottling) as on AWS; a burst of the fuzzer waits its turn like a real client.
      if (response.status === 429 && text.includes('/too-many-requests') && attempt < 20) {
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        continue;
      }
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        text,
        finalPath: url.pathname,
      };
    }
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return {
      status: 0,
      contentType: '',
      text: '',
      finalPath: url.pathname,
      failure: `${String(error)}${cause === undefined ? '' : ` (cause: ${String(cause)})`}`,
    };
  }
}

/** A 2xx, or the route's own success status when it is another (GET …/pdf answers 303 to the document's link). */
function succeeded(request: FuzzRequest, outcome: Outcome): boolean {
  return (
    (outcome.status >= 200 && outcome.status < 300) ||
    (request.method === request.route.method && outcome.status === request.route.successStatus)
  );
}

function violationsOf(request: FuzzRequest, outcome: Outcome): string[] {
  const found: string[] = [];
  if (outcome.failure !== undefined) return [`no response: ${outcome.failure}`];
  if (outcome.status >= 500) found.push(`server error ${outcome.status}`);
  const isError = !succeeded(request, outcome);
  if (isError && outcome.finalPath.startsWith('/v1/')) {
    if (!outcome.contentType.startsWith('application/problem+json')) {
      found.push(`content-type ${JSON.stringify(outcome.contentType)} instead of application/problem+json`);
    }
    let problem: any;
    try {
      problem = JSON.parse(outcome.text);
    } catch {
      problem = undefined;
    }
    const shapeOk =
      typeof problem === 'object' &&
      problem !== null &&
      typeof problem.type === 'string' &&
      typeof problem.title === 'string' &&
      typeof problem.detail === 'string' &&
      problem.status === outcome.status;
    if (!shapeOk) found.push('body is not a problem with type, title, detail and the HTTP status');
  }
  // A PDF is compressed binary: a marker there would be chance, and no stack trace is ever rendered into one.
  const binary = outcome.contentType.startsWith('application/pdf');
  for (const marker of binary ? [] : forbiddenMarkers) {
    if (outcome.text.includes(marker)) found.push(`body contains ${JSON.stringify(marker)}`);
  }
  const ofTenantA = ['tenantA', 'admin', 'readOnly'].includes(request.role);
  const mustNotSee = [
    ...(ofTenantA ? [] : [tenantA.tenantId, secretOfA]),
    ...(request.role === 'tenantB' ? [] : [tenantB.tenantId, secretOfB]),
  ];
  for (const secret of mustNotSee) {
    if (outcome.text.includes(secret)) found.push(`body leaks ${secret} to ${request.role}`);
  }
  return found;
}

interface Tally {
  sent: number;
  readonly byStatus: Map<number, number>;
  readonly byRoute: Map<string, RouteTally>;
}

interface RouteTally {
  sent: number;
  /** Requests with the route's own method (the rest probe the gateway's missing-route answer). */
  ownMethod: number;
  success: number;
  /** Answers only domain logic gives: the body validated and the id resolved (2xx, 409, or a business 422). */
  deep: number;
}

describe('API fuzzing', () => {
  beforeAll(() => {
    process.stdout.write(`[fuzz] seed ${seed} (replay: FUZZ_SEED=${seed} npm run test:fuzz)\n`);
  });
  describe('schema-driven random requests', () => {
    let world: World;
    const tally: Tally = { sent: 0, byStatus: new Map(), byRoute: new Map() };

    beforeAll(async () => {
      world = await buildWorld();
    }, 120_000);

    afterAll(() => {
      const statuses = [...tally.byStatus.entries()].sort(([a], [b]) => a - b);
      console.log(
        `fuzz: sent ${tally.sent} requests in batches of ${inFlight}; statuses ${statuses
          .map(([status, count]) => `${status}×${count}`)
          .join(' ')}\n${[...tally.byRoute.entries()]
          .map(
            ([route, entry]) =>
              `  ${route}: ${entry.sent} sent, ${entry.success} succeeded, ${entry.deep} past validation`,
          )
          .join('\n')}`,
      );
    });

    it('never answers a 5xx, a non-problem error, a stack trace or another tenant’s data when sent thousands of random requests on every route', async () => {
      const record = (request: FuzzRequest, outcome: Outcome) => {
        tally.sent += 1;
        tally.byStatus.set(outcome.status, (tally.byStatus.get(outcome.status) ?? 0) + 1);
        const key = routeKey(request.route);
        const entry = tally.byRoute.get(key) ?? { sent: 0, ownMethod: 0, success: 0, deep: 0 };
        entry.sent += 1;
        tally.byRoute.set(key, entry);
        if (request.method !== request.route.method) return;
        entry.ownMethod += 1;
        const success = succeeded(request, outcome);
        if (success) entry.success += 1;
        const businessRefusal =
          outcome.status === 409 ||
          (outcome.status === 422 && !outcome.text.includes('card-number-rejected'));
        if (success || businessRefusal) entry.deep += 1;
      };
      await fc.assert(
        fc.asyncProperty(
          fc.array(requestArbitrary(world), { minLength: inFlight, maxLength: inFlight }),
          async (batch) => {
            const outcomes = await Promise.all(batch.map((request) => send(request, world)));
            const failures = batch.flatMap((request, index) => {
              const outcome = outcomes[index] as Outcome;
              record(request, outcome);
              harvest(world, outcome);
              const violations = violationsOf(request, outcome);
              if (violations.length === 0) return [];
              return [
                `${describeRequest(request)}\n  → ${outcome.status} ${outcome.contentType} ${clip(outcome.text, 600)}\n  ✗ ${violations.join('; ')}`,
              ];
            });
            if (failures.length > 0) throw new Error(`the API misbehaved:\n${failures.join('\n')}`);
          },
        ),
        {
          numRuns: batches,
          plugins: [fc.interruptAfterTimeLimit(timeLimitMs)],
          seed,
        },
      );

      // Not vacuous: every route was reached with its own method, got past validation into its domain
      // logic (2xx, 409 or a business 422) and, for reads, answered with a success.
      const coverage = routes.map((route) => {
        const entry = tally.byRoute.get(routeKey(route));
        return {
          route: routeKey(route),
          requested: (entry?.ownMethod ?? 0) > 0,
          pastValidation: (entry?.deep ?? 0) > 0,
          succeeded: route.method !== 'GET' || (entry?.success ?? 0) > 0,
        };
      });
      expect(coverage).toEqual(
        routes.map((route) => ({
          route: routeKey(route),
          requested: true,
          pastValidation: true,
          succeeded: true,
        })),
      );
    }, 300_000);
  });
});
