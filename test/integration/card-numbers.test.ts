// test: card numbers never enter the system — every free-text field of every request schema refuses them
// with 422, disguised or not, in e-mail addresses and split across neighbouring fields too; invisible
// characters in a name are refused with 400; and no refused request leaves anything in the table.
import { randomInt } from 'node:crypto';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { z } from 'zod';
import { type RouteDefinition, routes } from '../../functions/platform/routes';
import { disguises } from '../unit/card-number-corpus';
import {
  type ApiResponse,
  as,
  auditChained,
  call,
  clientsByRole,
  endpoints,
  sampleInvoice,
  tokenFor,
} from './support';

const { tenantA } = clientsByRole();

// ---- the schemas' string fields, found by walking the route table's request schemas ----

interface StringField {
  readonly operationId: string;
  /** Property names; `[]` stands for "every element of this array". */
  readonly path: readonly string[];
  /** Free text and e-mail addresses carry the card check; the other strings have a fixed format. */
  readonly kind: 'free-text' | 'email' | 'formatted';
  readonly maxLength: number;
}

const fieldName = (field: Pick<StringField, 'operationId' | 'path'>) =>
  `${field.operationId}:${field.path.join('.')}`;

/** A check `freeText()` adds: the refinement that marks a card-number issue. */
function hasCardNumberCheck(def: any): boolean {
  return (def.checks ?? []).some(
    (check: any) => check?._zod?.def?.check === 'custom' && check._zod.def.params?.problem === 'card-number',
  );
}

function walk(schema: z.ZodType, operationId: string, path: string[], out: Map<string, StringField>): void {
  const def = (schema as any)._zod.def;
  switch (def.type) {
    case 'object':
      for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        walk(child, operationId, [...path, key], out);
      }
      return;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
      walk(def.innerType, operationId, path, out);
      return;
    case 'array':
      walk(def.element, operationId, [...path, '[]'], out);
      return;
    case 'union':
      for (const option of def.options as z.ZodType[]) walk(option, operationId, path, out);
      return;
    case 'pipe':
      walk(def.in, operationId, path, out);
      return;
    case 'string': {
      const kind = !hasCardNumberCheck(def) ? 'formatted' : def.format === 'email' ? 'email' : 'free-text';
      const field: StringField = {
        operationId,
        path,
        kind,
        maxLength: (schema as any).maxLength ?? Number.POSITIVE_INFINITY,
      };
      out.set(fieldName(field), field);
      return;
    }
    default:
      // numbers, booleans, enums, literals: no free text in them
      return;
  }
}

function stringFieldsOf(route: RouteDefinition): StringField[] {
  const out = new Map<string, StringField>();
  if (route.requestSchema !== undefined) walk(route.requestSchema, route.operationId, [], out);
  return [...out.values()];
}

const allStringFields = routes.flatMap(stringFieldsOf);
const freeTextFields = allStringFields.filter((field) => field.kind === 'free-text');

// ---- the enumeration the walk must agree with, so a new field cannot slip by unnoticed ----

const address = ['line1', 'line2', 'city', 'postalCode', 'region'].map((key) => `address.${key}`);
const customerFreeText = ['name', 'taxId', ...address];
const expectedFreeText = [
  ...[...customerFreeText, 'paymentReference'].map((path) => `createCustomer:${path}`),
  ...[...customerFreeText, 'paymentReference'].map((path) => `updateCustomer:${path}`),
  ...[...customerFreeText.map((path) => `customer.${path}`), 'lines.[].description', 'memo'].map(
    (path) => `createInvoice:${path}`,
  ),
  ...[...customerFreeText.map((path) => `customer.${path}`), 'lines.[].description', 'memo'].map(
    (path) => `updateInvoice:${path}`,
  ),
  'recordPayment:reference',
  ...address.map((path) => `putSellerProfile:${path}`),
  'putSellerProfile:name',
  'putSellerProfile:paymentInstructions',
  'putSellerProfile:payout.accountHolder',
  'putSellerProfile:taxId',
  'voidInvoice:reason',
  'createCreditNote:reason',
  'createCreditNote:lines.[].description',
];
/** E-mail addresses: their local part and domain are checked for card numbers. */
const expectedEmail = [
  'createCustomer:email',
  'putSellerProfile:email',
  'updateCustomer:email',
  'createInvoice:customer.email',
  'updateInvoice:customer.email',
];
/** Strings with a fixed format (codes, ids, dates): not free text, and each one named here. */
const expectedFormatted = [
  ...['address.country', 'language'].map((path) => `createCustomer:${path}`),
  ...['address.country', 'language'].map((path) => `updateCustomer:${path}`),
  ...['customer.address.country', 'customer.language', 'customerId', 'currency', 'dueDate'].map(
    (path) => `createInvoice:${path}`,
  ),
  ...['customer.address.country', 'customer.language', 'customerId', 'currency', 'dueDate'].map(
    (path) => `updateInvoice:${path}`,
  ),
  'issueInvoice:series',
  'issueInvoices:invoiceIds.[]',
  'issueInvoices:series',
  'putSellerProfile:address.country',
  'putSellerProfile:payout.bic',
  'putSellerProfile:payout.iban',
  'recordPayment:paidOn',
];

// ---- card numbers, unique to this run ----

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** An issuer prefix for each length 13–19 that the brand really issues at that length. */
const prefixForLength: Readonly<Record<number, readonly string[]>> = {
  13: ['6759', '5018'], // Maestro
  14: ['36', '300'], // Diners Club
  15: ['34', '37'], // American Express
  16: ['4', '51', '55', '2221', '6011', '62'], // Visa, Mastercard, Discover, UnionPay
  17: ['65', '62'], // Discover, UnionPay
  18: ['4', '3528'], // Visa, JCB
  19: ['4', '6011', '62'], // Visa, Discover, UnionPay
};

const issuedCards = new Set<string>();
/** A random Luhn-valid card number of `length` digits with a brand's prefix, never the same twice in a run. */
function newCardNumber(length: number): string {
  const prefixes = prefixForLength[length] ?? ['4'];
  for (;;) {
    let payload = prefixes[randomInt(0, prefixes.length)] ?? '4';
    while (payload.length < length - 1) payload += String(randomInt(0, 10));
    const check = [...'0123456789'].find((digit) => luhnValid(payload + digit)) ?? '0';
    const card = payload + check;
    if (!issuedCards.has(card)) {
      issuedCards.add(card);
      return card;
    }
  }
}

const formats = ['plain', 'spaced', 'dashed'] as const;
type CardFormat = (typeof formats)[number];

function formatCard(digits: string, format: CardFormat): string {
  if (format === 'plain') return digits;
  const groups = digits.match(/.{1,4}/g) ?? [digits];
  return groups.join(format === 'spaced' ? ' ' : '-');
}

// ---- requests: a body each route accepts, with one field replaced by text holding a card number ----

const fullAddress = {
  line1: 'Heidestraße 17',
  line2: 'Hinterhaus',
  city: 'Köln',
  postalCode: '51147',
  region: 'Nordrhein-Westfalen',
  country: 'DE',
};
const fullCustomer = {
  name: 'Erika Mustermann',
  email: 'erika@example.com',
  taxId: 'DE123456789',
  address: fullAddress,
  language: 'de',
};

/** Every optional free-text field is present, so each one can be replaced. */
const baseBodies: Readonly<Record<string, Record<string, unknown>>> = {
  createCustomer: { ...fullCustomer, paymentReference: 'MANDATE-001' },
  updateCustomer: { ...fullCustomer, paymentReference: 'MANDATE-002' },
  createInvoice: sampleInvoice({ customer: fullCustomer, memo: 'Thank you' }),
  updateInvoice: { customer: fullCustomer, lines: sampleInvoice().lines, memo: 'Net 30' },
  recordPayment: { amount: 100, reference: 'Bank transfer 2026-11' },
  voidInvoice: { reason: 'Issued twice by mistake' },
  createCreditNote: {
    reason: 'Goodwill',
    lines: [{ description: 'Goodwill discount', amount: 100, taxRateBps: 0 }],
  },
  putSellerProfile: {
    name: 'Acme GmbH',
    email: 'billing@acme.example',
    address: fullAddress,
    taxId: 'DE123456789',
    payout: { iban: 'DE02120300000000202051', bic: 'BYLADEM1001', accountHolder: 'Acme GmbH' },
    paymentInstructions: 'Quote the invoice number',
  },
};

function valueAt(body: unknown, path: readonly string[]): unknown {
  let cursor: any = body;
  for (const key of path) cursor = cursor?.[key === '[]' ? 0 : key];
  return cursor;
}

function withValueAt(body: Record<string, unknown>, path: readonly string[], value: string) {
  const copy: any = structuredClone(body);
  let cursor = copy;
  path.forEach((key, index) => {
    const property = key === '[]' ? 0 : key;
    if (index === path.length - 1) cursor[property] = value;
    else cursor = cursor[property];
  });
  return copy as Record<string, unknown>;
}

interface CardCase {
  readonly name: string;
  readonly field: StringField;
  readonly route: RouteDefinition;
  readonly format: CardFormat;
  readonly digits: string;
  readonly sent: string;
  readonly body: Record<string, unknown>;
  /** Some refused requests carry an Idempotency-Key: the key's claim must not outlive the refusal. */
  readonly idempotencyKey?: string;
}

const routeOf = (operationId: string) => routes.find((route) => route.operationId === operationId);

const cases: CardCase[] = freeTextFields.flatMap((field, fieldIndex) =>
  formats.map((format) => {
    // Plain numbers run through every length 13–19; grouped ones are 16 digits, as printed on cards.
    const digits = newCardNumber(format === 'plain' ? 13 + (fieldIndex % 7) : 16);
    const formatted = formatCard(digits, format);
    const sent = field.maxLength >= 60 ? `Please charge card ${formatted} today` : formatted;
    const base = baseBodies[field.operationId] ?? {};
    return {
      name: fieldName(field),
      field,
      route: routeOf(field.operationId) as RouteDefinition,
      format,
      digits,
      sent,
      body: withValueAt(base, field.path, sent),
      // Idempotency-Key is a POST-only header (a PATCH with one is refused before its body is read).
      ...(format === 'dashed' && routeOf(field.operationId)?.method === 'POST'
        ? { idempotencyKey: `card-test-${digits.slice(-6)}-${fieldIndex}` }
        : {}),
    };
  }),
);

// ---- disguised card numbers, e-mail local parts, split fields and invisible characters ----
// A representative subset of the unit corpus (test/unit/card-number-corpus.ts), about twenty requests: the local
// stack is shared, and the corpus itself runs in the fast tier.

interface ExtraCase {
  readonly name: string;
  readonly route: RouteDefinition;
  readonly body: Record<string, unknown>;
  readonly status: 400 | 422;
  /** The issue the answer must list, for the 400s: the field and the character it names. */
  readonly issue?: { readonly path: string; readonly message: RegExp };
  /** What must appear neither in the answer nor anywhere in the table. */
  readonly needles: readonly string[];
}

const disguiseNames = [
  'double spaces',
  'dots',
  'slashes',
  'underscores',
  'commas',
  'no-break spaces',
  'thin spaces',
  'spaced en dashes',
  'em dashes',
  'full-width digits',
  'Arabic-Indic digits',
  'Devanagari digits',
  'zero-width spaces',
  'soft hyphens',
  'byte order marks',
  'digits glued after it',
  'combining underline',
];
/** Long free-text fields, so every disguise fits; spread over the routes. */
const roomyFields = freeTextFields.filter((field) => field.maxLength >= 100);

function disguisedCase(disguiseName: string, index: number): ExtraCase {
  const field = roomyFields[(index * 7) % roomyFields.length] as StringField;
  const digits = newCardNumber(16);
  const rendering = disguises.find((disguise) => disguise.name === disguiseName)?.render(digits);
  const sent = rendering?.kind === 'text' ? rendering.text : digits;
  return {
    name: `${fieldName(field)} holding a card number with ${disguiseName}`,
    route: routeOf(field.operationId) as RouteDefinition,
    body: withValueAt(baseBodies[field.operationId] ?? {}, field.path, sent),
    status: 422,
    needles: [digits, sent],
  };
}

function extraCases(): ExtraCase[] {
  const createCustomer = routeOf('createCustomer') as RouteDefinition;
  const createInvoice = routeOf('createInvoice') as RouteDefinition;
  const email = newCardNumber(16);
  const address = newCardNumber(16);
  const lines = newCardNumber(15);
  const hidden = newCardNumber(16);
  const spaced = (digits: string) => digits.match(/.{1,4}/g)?.join(' ') ?? digits;
  return [
    ...disguiseNames.map(disguisedCase),
    {
      name: 'an e-mail address whose local part is a card number',
      route: createCustomer,
      body: { ...baseBodies.createCustomer, email: `${email}@example.com` },
      status: 422,
      needles: [email],
    },
    {
      name: 'a card number split across address lines 1 and 2',
      route: createCustomer,
      body: withValueAt(
        withValueAt(
          baseBodies.createCustomer ?? {},
          ['address', 'line1'],
          `Heidestraße 17, ${spaced(address).slice(0, 9)}`,
        ),
        ['address', 'line2'],
        spaced(address).slice(10),
      ),
      status: 422,
      needles: [address, spaced(address)],
    },
    {
      name: 'a card number split across two line descriptions',
      route: createInvoice,
      body: sampleInvoice({
        lines: [
          {
            description: `Consulting, card ${lines.slice(0, 7)}`,
            quantity: 1,
            unitAmount: 1000,
            taxRateBps: 1900,
          },
          { description: `${lines.slice(7)} please`, quantity: 1, unitAmount: 1000, taxRateBps: 1900 },
        ],
      }),
      status: 422,
      needles: [lines],
    },
    {
      name: 'a customer name holding a card number hidden with zero-width spaces (the card wins: 422)',
      route: createCustomer,
      body: { ...baseBodies.createCustomer, name: `Erika ${[...hidden].join('\u200B')}` },
      status: 422,
      needles: [hidden, [...hidden].join('\u200B')],
    },
    {
      name: 'a customer name with a right-to-left override',
      route: createCustomer,
      body: { ...baseBodies.createCustomer, name: 'Erika \u202Enamressum\u202C' },
      status: 400,
      issue: { path: 'name', message: /U\+202E \(RIGHT-TO-LEFT OVERRIDE\)/ },
      needles: ['\u202Enamressum'],
    },
    {
      name: 'an inline customer name with a zero-width space',
      route: createInvoice,
      body: sampleInvoice({ customer: { ...fullCustomer, name: 'Erika\u200BMustermann' } }),
      status: 400,
      issue: { path: 'customer.name', message: /U\+200B \(ZERO WIDTH SPACE\)/ },
      needles: ['Erika\u200BMustermann'],
    },
  ];
}

// ---- the table, read the way the handlers see it ----

async function scanTable(): Promise<Record<string, any>[]> {
  const config = endpoints();
  const client = new DynamoDBClient({
    endpoint: config.dynamodb,
    region: config.region,
    credentials: config.credentials,
  });
  const items: Record<string, any>[] = [];
  let startKey: Record<string, any> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: config.tables.main, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  client.destroy();
  return items;
}

/** Binary attributes as latin1, so a plaintext card number inside a blob is found too. */
const dump = (value: unknown) =>
  JSON.stringify(value, (_key, inner) =>
    inner instanceof Uint8Array ? Buffer.from(inner).toString('latin1') : inner,
  );

const keyOf = (item: Record<string, any>) => `${item.pk?.S}|${item.sk?.S}`;
const ofTenant = (items: Record<string, any>[], tenantId: string) =>
  items.filter((item) => typeof item.pk?.S === 'string' && item.pk.S.startsWith(`${tenantId}#`));

/**
 * Tenant A's items as they must stay: all of them, except other tests' invoice items, whose delivery status
 * the stream consumer may still be updating while this file runs.
 */
function frozenItems(items: Record<string, any>[], tenantId: string, ownIds: readonly string[]) {
  return Object.fromEntries(
    ofTenant(items, tenantId)
      .filter((item) => item.sk?.S !== 'INVOICE' || ownIds.some((id) => keyOf(item).includes(id)))
      .map((item) => [keyOf(item), dump(item)]),
  );
}

describe('card numbers', () => {
  const answers = new Map<CardCase, ApiResponse>();
  const extras = extraCases();
  const extraAnswers = new Map<ExtraCase, ApiResponse>();
  let ids: Record<string, string>;
  let itemsBefore: Record<string, any>[];
  let itemsAfter: Record<string, any>[];
  let readBefore: unknown[];
  let readAfter: unknown[];

  const readFixture = async () => {
    const api = await as(tenantA);
    return Promise.all(
      [
        `/v1/customers/${ids.customerId}`,
        `/v1/invoices/${ids.draftId}`,
        `/v1/invoices/${ids.issuedId}`,
        `/v1/invoices/${ids.issuedId}/payments`,
        `/v1/invoices/${ids.issuedId}/credit-notes`,
      ].map(async (path) => (await api.get(path)).body),
    );
  };

  beforeAll(async () => {
    // Real resources in the state each route needs, so without the card check every request would succeed.
    const api = await as(tenantA);
    const customer = await api.post('/v1/customers', baseBodies.createCustomer);
    const draft = await api.post('/v1/invoices', sampleInvoice());
    const toIssue = await api.post('/v1/invoices', sampleInvoice());
    const issued = await api.post(`/v1/invoices/${toIssue.body.id}/issue`, {});
    expect([customer.status, draft.status, toIssue.status, issued.status]).toEqual([201, 201, 201, 200]);
    ids = { customerId: customer.body.id, draftId: draft.body.id, issuedId: issued.body.id };

    // The chain writer appends the audit entries of these (and earlier) writes off the stream: let it settle, so
    // the snapshots differ only by what the refused requests might have written.
    await auditChained();
    itemsBefore = await scanTable();
    readBefore = await readFixture();
    const token = await tokenFor(tenantA);
    // Tenant A's admin client for admin routes (the seller profile): same tenant, same table items.
    const adminToken = await tokenFor(clientsByRole().admin);
    const send = (route: RouteDefinition, body: unknown, headers?: Record<string, string>) => {
      const path = route.path
        .replace('{customerId}', ids.customerId ?? '')
        .replace(
          '{invoiceId}',
          route.operationId === 'updateInvoice' ? (ids.draftId ?? '') : (ids.issuedId ?? ''),
        );
      return call(route.method, path, {
        token: route.scope === 'admin' ? adminToken : token,
        body,
        ...(headers === undefined ? {} : { headers }),
      });
    };
    for (const entry of cases) {
      const headers =
        entry.idempotencyKey === undefined ? undefined : { 'idempotency-key': entry.idempotencyKey };
      answers.set(entry, await send(entry.route, entry.body, headers));
    }
    for (const entry of extras) extraAnswers.set(entry, await send(entry.route, entry.body));
    await auditChained();
    itemsAfter = await scanTable();
    readAfter = await readFixture();
  });

  describe('free-text fields', () => {
    it('finds exactly the enumerated free-text fields when walking every request schema of the route table', () => {
      expect(freeTextFields.map(fieldName).sort()).toEqual([...expectedFreeText].sort());
    });

    it('finds the card check on exactly the enumerated e-mail fields', () => {
      const emails = allStringFields.filter((field) => field.kind === 'email').map(fieldName);
      expect(emails.sort()).toEqual([...expectedEmail].sort());
    });

    it('classifies every other string field of every request schema as formatted, not free text', () => {
      const formatted = allStringFields.filter((field) => field.kind === 'formatted').map(fieldName);
      expect(formatted.sort()).toEqual([...expectedFormatted].sort());
    });

    it('sends a card number in every free-text field, in every format, to a route that exists', () => {
      expect(cases).toHaveLength(expectedFreeText.length * formats.length);
      for (const entry of cases) {
        expect({ name: entry.name, route: entry.route?.operationId }).toEqual({
          name: entry.name,
          route: entry.field.operationId,
        });
        // The field really is in the base body, so the card number replaced a value the route reads.
        expect({
          name: entry.name,
          base: typeof valueAt(baseBodies[entry.field.operationId], entry.field.path),
        }).toEqual({
          name: entry.name,
          base: 'string',
        });
        expect(valueAt(entry.body, entry.field.path)).toBe(entry.sent);
        expect(entry.sent.length).toBeLessThanOrEqual(entry.field.maxLength);
      }
      expect(new Set(cases.map((entry) => entry.digits)).size).toBe(cases.length);
    });

    it('uses base bodies the route table’s schemas accept, and card bodies they refuse only for the card', () => {
      for (const [operationId, body] of Object.entries(baseBodies)) {
        expect({ operationId, valid: routeOf(operationId)?.requestSchema?.safeParse(body).success }).toEqual({
          operationId,
          valid: true,
        });
      }
      for (const entry of cases) {
        const result = entry.route.requestSchema?.safeParse(entry.body);
        const problems = result?.success
          ? []
          : (result?.error.issues ?? []).map((issue: any) => issue.params?.problem);
        expect({ name: entry.name, format: entry.format, problems }).toEqual({
          name: entry.name,
          format: entry.format,
          problems: ['card-number'],
        });
      }
    });
  });

  describe('refusal', () => {
    it.each(cases.map((entry) => [entry.name, entry.format, entry] as const))(
      'refuses %s holding a %s card number with 422 card-number-rejected',
      (_name, _format, entry) => {
        const response = answers.get(entry);
        expect(response?.status).toBe(422);
        expect(response?.contentType).toContain('application/problem+json');
        expect(response?.body).toMatchObject({
          type: expect.stringMatching(/card-number-rejected$/),
          title: expect.any(String),
          status: 422,
          detail: expect.any(String),
        });
      },
    );

    it('never echoes a refused card number in the answer', () => {
      expect(answers.size).toBe(cases.length);
      for (const entry of cases) {
        const text = dump(answers.get(entry)?.body);
        expect({
          name: entry.name,
          format: entry.format,
          echoed: text.includes(entry.digits) || text.includes(entry.sent),
        }).toEqual({
          name: entry.name,
          format: entry.format,
          echoed: false,
        });
      }
    });
  });

  describe('disguises, e-mail addresses, split fields and invisible characters', () => {
    it('sends about twenty such requests, each to a route that exists, refused by its schema', () => {
      expect(extras.length).toBeGreaterThanOrEqual(20);
      expect(extras.length).toBeLessThanOrEqual(30);
      for (const entry of extras) {
        const problems = (entry.route.requestSchema?.safeParse(entry.body).error?.issues ?? []).map(
          (issue: any) => issue.params?.problem,
        );
        const expected = entry.status === 422 ? 'card-number' : 'invisible-character';
        expect({ name: entry.name, refusedFor: problems.includes(expected) }).toEqual({
          name: entry.name,
          refusedFor: true,
        });
      }
    });

    it.each(extras.map((entry) => [entry.name, entry.status, entry] as const))(
      'refuses %s with %d',
      (_name, status, entry) => {
        const response = extraAnswers.get(entry);
        expect(response?.status).toBe(status);
        expect(response?.contentType).toContain('application/problem+json');
        expect(response?.body).toMatchObject({
          type: expect.stringMatching(status === 422 ? /card-number-rejected$/ : /validation-failed$/),
          status,
        });
        if (entry.issue !== undefined) {
          expect(response?.body.errors).toEqual([
            { path: entry.issue.path, message: expect.stringMatching(entry.issue.message) },
          ]);
        }
      },
    );

    it('never echoes what it refused', () => {
      for (const entry of extras) {
        const text = JSON.stringify(extraAnswers.get(entry)?.body);
        const echoed = entry.needles.filter((needle) => text.includes(needle));
        expect({ name: entry.name, echoed }).toEqual({ name: entry.name, echoed: [] });
      }
    });
  });

  describe('storage', () => {
    it('stores no card number, digits only or as sent (disguised or split), anywhere in any item of the table', () => {
      expect(itemsAfter.length).toBeGreaterThan(0);
      const table = dump(itemsAfter);
      const found = [
        ...cases.flatMap((entry) =>
          [entry.digits, formatCard(entry.digits, entry.format), entry.sent]
            .filter((needle) => table.includes(needle))
            .map((needle) => `${entry.name} (${entry.format}): ${needle}`),
        ),
        ...extras.flatMap((entry) =>
          entry.needles
            .filter((needle) => table.includes(needle))
            .map((needle) => `${entry.name}: ${needle}`),
        ),
      ];
      expect(found).toEqual([]);
    });

    it('stores no new item for the refused requests, Idempotency-Key claims and audit events included', () => {
      expect(cases.some((entry) => entry.idempotencyKey !== undefined)).toBe(true);
      const before = ofTenant(itemsBefore, tenantA.tenantId).map(keyOf).sort();
      const after = ofTenant(itemsAfter, tenantA.tenantId).map(keyOf).sort();
      expect(before.length).toBeGreaterThan(0);
      expect(after).toEqual(before);
    });

    it('changes none of tenant A’s items, its sequences, audit head and the named resources included', () => {
      const ownIds = Object.values(ids);
      const before = frozenItems(itemsBefore, tenantA.tenantId, ownIds);
      expect(
        Object.keys(before).filter((key) => ownIds.some((id) => key.includes(id))).length,
      ).toBeGreaterThanOrEqual(3);
      expect(Object.keys(before).some((key) => key.endsWith('|HEAD'))).toBe(true);
      expect(frozenItems(itemsAfter, tenantA.tenantId, ownIds)).toEqual(before);
    });

    it('leaves the customer and invoices the refused requests named exactly as they were', () => {
      expect(readBefore).toHaveLength(5);
      expect(readAfter).toEqual(readBefore);
    });
  });
});
