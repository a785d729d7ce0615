// test: card numbers never enter the system — every free-text field of every request schema refuses them
// with 422, and neither the refused requests nor anything else leaves a card number in the table.
import { randomInt } from 'node:crypto';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { z } from 'zod';
import { type RouteDefinition, routes } from '../../functions/platform/routes';
import { type ApiResponse, as, call, clientsByRole, endpoints, sampleInvoice, tokenFor } from './support';

const { tenantA } = clientsByRole();

// ---- the schemas' string fields, found by walking the route table's request schemas ----

interface StringField {
  readonly operationId: string;
  /** Property names; `[]` stands for "every element of this array". */
  readonly path: readonly string[];
  readonly freeText: boolean;
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
      const field: StringField = {
        operationId,
        path,
        freeText: hasCardNumberCheck(def),
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
const freeTextFields = allStringFields.filter((field) => field.freeText);

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
  'voidInvoice:reason',
  'createCreditNote:reason',
  'createCreditNote:lines.[].description',
];
/** Strings with a fixed format (email, codes, ids, dates): not free text, and each one named here. */
const expectedFormatted = [
  ...['email', 'address.country', 'language'].map((path) => `createCustomer:${path}`),
  ...['email', 'address.country', 'language'].map((path) => `updateCustomer:${path}`),
  ...[
    'customer.email',
    'customer.address.country',
    'customer.language',
    'customerId',
    'currency',
    'dueDate',
  ].map((path) => `createInvoice:${path}`),
  ...[
    'customer.email',
    'customer.address.country',
    'customer.language',
    'customerId',
    'currency',
    'dueDate',
  ].map((path) => `updateInvoice:${path}`),
  'issueInvoice:series',
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

const issuedCards = new Set<string>();
/** A random Luhn-valid number of `length` digits, never the same twice in a run. */
function newCardNumber(length: number): string {
  for (;;) {
    let payload = String(randomInt(3, 7)); // 3–6: the AmEx/Visa/Mastercard/Discover ranges
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

    itemsBefore = await scanTable();
    readBefore = await readFixture();
    const token = await tokenFor(tenantA);
    for (const entry of cases) {
      const path = entry.route.path
        .replace('{customerId}', ids.customerId ?? '')
        .replace(
          '{invoiceId}',
          entry.route.operationId === 'updateInvoice' ? (ids.draftId ?? '') : (ids.issuedId ?? ''),
        );
      const response = await call(entry.route.method, path, {
        token,
        body: entry.body,
        ...(entry.idempotencyKey === undefined
          ? {}
          : { headers: { 'idempotency-key': entry.idempotencyKey } }),
      });
      answers.set(entry, response);
    }
    itemsAfter = await scanTable();
    readAfter = await readFixture();
  });

  describe('free-text fields', () => {
    it('finds exactly the enumerated free-text fields when walking every request schema of the route table', () => {
      expect(freeTextFields.map(fieldName).sort()).toEqual([...expectedFreeText].sort());
    });

    it('classifies every other string field of every request schema as formatted, not free text', () => {
      const formatted = allStringFields.filter((field) => !field.freeText).map(fieldName);
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

  describe('storage', () => {
    it('stores no card number, digits only or as sent, anywhere in any item of the table', () => {
      expect(itemsAfter.length).toBeGreaterThan(0);
      const table = dump(itemsAfter);
      const found = cases.flatMap((entry) =>
        [entry.digits, formatCard(entry.digits, entry.format), entry.sent]
          .filter((needle) => table.includes(needle))
          .map((needle) => `${entry.name} (${entry.format}): ${needle}`),
      );
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
