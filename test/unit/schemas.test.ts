import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import type { z } from 'zod';
import {
  CardNumberRejectedError,
  type ProblemError,
  ValidationFailedError,
} from '../../functions/platform/errors';
import { parseJsonBody } from '../../functions/platform/http';
import { routes } from '../../functions/platform/routes';
import {
  createCustomerSchema,
  createInvoiceSchema,
  creditNoteSchema,
} from '../../functions/platform/schemas';

const text = (max: number) =>
  fc
    .string({ minLength: 1, maxLength: max, unit: fc.constantFrom(...'abcdefgh ÄÖü-./') })
    .filter((s) => s.trim() !== '');
const validInvoice = fc.record({
  customer: fc.record({
    name: text(50),
    email: fc.constantFrom('a@example.com', 'billing@firma.de'),
    address: fc.record({
      line1: text(50),
      city: text(20),
      postalCode: fc.constantFrom('10115', 'SW1A 1AA'),
      country: fc.constantFrom('DE', 'GB', 'FR'),
    }),
  }),
  currency: fc.constantFrom('EUR', 'JPY', 'BHD', 'USD'),
  lines: fc.array(
    fc.record({
      description: text(40),
      quantity: fc.integer({ min: 1, max: 1000 }),
      unitAmount: fc.integer({ min: 0, max: 10_000_000 }),
      taxRateBps: fc.integer({ min: 0, max: 10_000 }),
    }),
    { minLength: 1, maxLength: 10 },
  ),
  dueDate: fc.constantFrom('2026-12-31', '2027-01-15'),
});

describe('createInvoiceSchema', () => {
  describe('accepting', () => {
    it('accepts every well-formed draft', () => {
      fc.assert(
        fc.property(validInvoice, (invoice) =>
          expect(createInvoiceSchema().safeParse(invoice).success).toBe(true),
        ),
      );
    });
  });

  describe('rejecting', () => {
    it('rejects any unknown or server-owned top-level field', () => {
      fc.assert(
        fc.property(
          validInvoice,
          fc.oneof(
            fc.constantFrom('status', 'number', 'tenantId', 'total', 'subtotal', 'createdAt', 'id'),
            fc.string({ minLength: 1 }),
          ),
          fc.jsonValue(),
          (invoice, key, value) => {
            fc.pre(!(key in invoice) && !['memo', 'customer', 'currency', 'lines', 'dueDate'].includes(key));
            expect(createInvoiceSchema().safeParse({ ...invoice, [key]: value }).success).toBe(false);
          },
        ),
      );
    });

    it('rejects non-integer or negative money and quantities', () => {
      fc.assert(
        fc.property(
          validInvoice,
          fc.constantFrom('quantity', 'unitAmount', 'taxRateBps'),
          fc.oneof(fc.double({ noInteger: true }), fc.integer({ max: -1 }), fc.constant('1')),
          (invoice, field, bad) => {
            const lines = invoice.lines.map((line, index) =>
              index === 0 ? { ...line, [field]: bad } : line,
            );
            expect(createInvoiceSchema().safeParse({ ...invoice, lines }).success).toBe(false);
          },
        ),
      );
    });

    it('rejects control characters and over-long text', () => {
      const base = fc.sample(validInvoice, 1)[0];
      expect(createInvoiceSchema().safeParse({ ...base, memo: 'line\u0000break' }).success).toBe(false);
      expect(createInvoiceSchema().safeParse({ ...base, memo: 'x'.repeat(2001) }).success).toBe(false);
    });

    it('rejects codes that are not active ISO 4217 currencies', () => {
      const base = fc.sample(validInvoice, 1)[0];
      for (const currency of ['eur', 'EURO', 'XXX', '', 'ZWL1']) {
        expect(createInvoiceSchema().safeParse({ ...base, currency }).success).toBe(false);
      }
    });
  });
});

// ---- free text, e-mail addresses and neighbouring fields, as the API answers them ----

/** What parseJsonBody makes of a body: the problem's status, slug and field issues, or "accepted". */
function answerTo(schema: z.ZodType, body: unknown) {
  const event = { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  try {
    parseJsonBody(event as unknown as APIGatewayProxyEvent, schema);
    return { status: 200 };
  } catch (error) {
    const problem = error as ProblemError;
    expect(problem).toBeInstanceOf(problem.status === 422 ? CardNumberRejectedError : ValidationFailedError);
    return { status: problem.status, slug: problem.slug, issues: problem.issues ?? [] };
  }
}

const customer = {
  name: 'Erika Mustermann',
  email: 'erika@example.com',
  taxId: 'DE123456789',
  address: {
    line1: 'Heidestraße 17',
    line2: 'Hinterhaus',
    city: 'Köln',
    postalCode: '51147',
    region: 'NRW',
    country: 'DE',
  },
};
const line = { description: 'Consulting', quantity: 1, unitAmount: 12000, taxRateBps: 1900 };
const draft = {
  customer,
  currency: 'EUR',
  lines: [line, { ...line, description: 'Travel' }],
  memo: 'Thank you',
};
/** A card number hidden between zero-width spaces: refused as a card number, not only as invisible. */
const hiddenCard = 'Karte 4\u200B111\u200B1111\u200B1111\u200B1111';

/** A body each route with a body accepts, every optional free-text field present. */
const acceptedBodies: Readonly<Record<string, unknown>> = {
  createCustomer: { ...customer, paymentReference: 'MANDATE-001' },
  updateCustomer: { ...customer, paymentReference: 'MANDATE-002' },
  createInvoice: draft,
  updateInvoice: { customer, lines: draft.lines, memo: 'Net 30' },
  recordPayment: { amount: 100, reference: 'Bank transfer 2026-11' },
  voidInvoice: { reason: 'Issued twice by mistake' },
  createCreditNote: {
    reason: 'Goodwill',
    lines: [{ description: 'Goodwill discount', amount: 100, taxRateBps: 0 }],
  },
  issueInvoice: {},
  issueInvoices: { invoiceIds: [`inv_${'0'.repeat(32)}`], series: 'RUN', send: true },
  sendInvoice: {},
  putSellerProfile: {
    name: 'Acme GmbH',
    email: 'billing@acme.example',
    address: customer.address,
    taxId: 'DE123456789',
    payout: { iban: 'DE02 1203 0000 0000 2020 51', bic: 'BYLADEM1001', accountHolder: 'Acme GmbH' },
    paymentInstructions: 'Quote the invoice number',
  },
};

/** Paths of the string fields in a body that hold free text (not e-mail addresses, codes or ids). */
function freeTextPaths(body: unknown, path: (string | number)[] = []): (string | number)[][] {
  // Ids, not text: their format refuses anything else before a card number could be looked for.
  if (Array.isArray(body) && path.at(-1) === 'invoiceIds') return [];
  if (Array.isArray(body)) return body.flatMap((item, index) => freeTextPaths(item, [...path, index]));
  if (typeof body === 'object' && body !== null) {
    return Object.entries(body).flatMap(([key, value]) => freeTextPaths(value, [...path, key]));
  }
  const key = String(path.at(-1));
  const formatted = [
    'email',
    'country',
    'currency',
    'language',
    'customerId',
    'dueDate',
    'paidOn',
    'iban',
    'bic',
    'series',
  ];
  return typeof body === 'string' && !formatted.includes(key) ? [path] : [];
}

function withValue(body: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy: any = structuredClone(body);
  let cursor = copy;
  for (const key of path.slice(0, -1)) cursor = cursor[key];
  cursor[path.at(-1) as string | number] = value;
  return copy;
}

describe('free text in request bodies', () => {
  const cases = routes.flatMap((route) =>
    route.requestSchema === undefined
      ? []
      : freeTextPaths(acceptedBodies[route.operationId]).map(
          (path) =>
            [
              `${route.operationId}:${path.join('.')}`,
              route.requestSchema as z.ZodType,
              route.operationId,
              path,
            ] as const,
        ),
  );

  it('starts from bodies every route accepts, covering the free-text fields the integration test enumerates', () => {
    for (const route of routes.filter((candidate) => candidate.requestSchema !== undefined)) {
      expect({
        route: route.operationId,
        ...answerTo(route.requestSchema as z.ZodType, acceptedBodies[route.operationId]),
      }).toEqual({
        route: route.operationId,
        status: 200,
      });
    }
    expect(cases.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'createCustomer:name',
        'createCustomer:taxId',
        'createCustomer:address.line2',
        'createCustomer:paymentReference',
        'updateCustomer:address.region',
        'createInvoice:customer.name',
        'createInvoice:lines.1.description',
        'createInvoice:memo',
        'updateInvoice:memo',
        'recordPayment:reference',
        'voidInvoice:reason',
        'createCreditNote:reason',
        'createCreditNote:lines.0.description',
      ]),
    );
  });

  it.each(cases)(
    'refuses a right-to-left override in %s with 400 validation-failed naming U+202E',
    (_name, schema, operationId, path) => {
      const answer = answerTo(schema, withValue(acceptedBodies[operationId], path, 'Erika \u202Eevil\u202C'));
      expect(answer).toMatchObject({ status: 400, slug: 'validation-failed' });
      expect(answer.issues).toEqual([
        {
          path: path.join('.'),
          message: expect.stringMatching(/^must not contain U\+202E \(RIGHT-TO-LEFT OVERRIDE\): .*reorders/),
        },
      ]);
    },
  );

  it.each(cases)(
    'refuses a card number hidden with zero-width spaces in %s as a card number: 422',
    (_name, schema, operationId, path) => {
      const answer = answerTo(schema, withValue(acceptedBodies[operationId], path, hiddenCard));
      expect(answer).toMatchObject({ status: 422, slug: 'card-number-rejected' });
      expect(answer.issues).toEqual([
        { path: path.join('.'), message: expect.stringMatching(/card number/) },
      ]);
    },
  );

  it('names the invisible character and why, for zero-width ones too', () => {
    const answer = answerTo(createInvoiceSchema(), { ...draft, memo: 'zero\u200Bwidth' });
    expect(answer.issues).toEqual([
      { path: 'memo', message: expect.stringMatching(/U\+200B \(ZERO WIDTH SPACE\): it is invisible/) },
    ]);
  });

  it('refuses a byte order mark at the edge rather than trimming it away', () => {
    expect(answerTo(createInvoiceSchema(), { ...draft, memo: '\uFEFFThank you' })).toMatchObject({
      status: 400,
    });
  });

  it('accepts text in other scripts, with accents, emoji sequences and a Persian zero-width non-joiner', () => {
    const name = 'Zoë Ångström 東京 می\u200Cخواهم 👩‍💻';
    expect(answerTo(createInvoiceSchema(), { ...draft, customer: { ...customer, name } })).toEqual({
      status: 200,
    });
  });
});

describe('e-mail addresses', () => {
  it.each([
    '4111111111111111@example.com',
    '4111.1111.1111.1111@example.com',
    'billing+4111111111111111@firma.de',
  ])('refuses %s with 422: a card number in the local part', (email) => {
    expect(answerTo(createCustomerSchema(), { ...customer, email })).toMatchObject({
      status: 422,
      issues: [{ path: 'email', message: expect.stringMatching(/card number/) }],
    });
  });

  it('accepts addresses with ordinary numbers in them', () => {
    for (const email of ['13812345678@163.com', 'invoices-2026@firma.de']) {
      expect(answerTo(createCustomerSchema(), { ...customer, email })).toEqual({ status: 200 });
    }
  });
});

describe('neighbouring fields', () => {
  const withAddress = (address: Record<string, unknown>) => ({
    ...draft,
    customer: { ...customer, address: { ...customer.address, ...address } },
  });

  it('refuses a card number split across address lines 1 and 2, at both fields', () => {
    expect(
      answerTo(
        createInvoiceSchema(),
        withAddress({ line1: 'Heidestraße 17, 4111 1111', line2: '1111 1111' }),
      ),
    ).toEqual({
      status: 422,
      slug: 'card-number-rejected',
      issues: [
        { path: 'customer.address.line1', message: expect.stringMatching(/split across fields/) },
        { path: 'customer.address.line2', message: expect.stringMatching(/split across fields/) },
      ],
    });
  });

  it('refuses a card number continued from the second address line into the postal code, as the invoice prints it', () => {
    expect(
      answerTo(createCustomerSchema(), {
        ...customer,
        address: { ...customer.address, line2: 'Postfach 4111 1111', postalCode: '1111 1111' },
      }),
    ).toMatchObject({
      status: 422,
      issues: [{ path: 'address.line2' }, { path: 'address.postalCode' }],
    });
  });

  it('refuses a card number split across two invoice line descriptions', () => {
    const lines = [
      { ...line, description: 'Beratung, Karte 4111 1111' },
      { ...line, description: '1111 1111 bitte belasten' },
    ];
    expect(answerTo(createInvoiceSchema(), { ...draft, lines })).toMatchObject({
      status: 422,
      issues: [{ path: 'lines.0.description' }, { path: 'lines.1.description' }],
    });
  });

  it('refuses a card number split across credit-note line descriptions, over a line without one', () => {
    const body = {
      reason: 'Goodwill',
      lines: [
        { description: 'Discount 4111 1111', amount: 100, taxRateBps: 0 },
        { invoiceLine: 0, quantity: 1 },
        { description: '1111 1111', amount: 100, taxRateBps: 0 },
      ],
    };
    expect(answerTo(creditNoteSchema(), body)).toMatchObject({
      status: 422,
      issues: [{ path: 'lines.0.description' }, { path: 'lines.2.description' }],
    });
  });

  it('reports the split card number (422) even when another field is invalid too', () => {
    const lines = [
      { ...line, description: 'Karte 4111 1111', quantity: 'two' },
      { ...line, description: '1111 1111' },
    ];
    expect(answerTo(createInvoiceSchema(), { ...draft, lines })).toMatchObject({ status: 422 });
  });

  it('accepts neighbouring fields that hold ordinary numbers', () => {
    const lines = [
      { ...line, description: 'Artikel 4006381333931 Kugelschreiber' },
      { ...line, description: '4006381333948 Bleistift' },
      { ...line, description: 'Amazon 302-1234567-1234567' },
    ];
    expect(
      answerTo(createInvoiceSchema(), {
        ...withAddress({ line1: 'Industriestr. 12-14', line2: 'Halle 5, Tor 3' }),
        lines,
      }),
    ).toEqual({
      status: 200,
    });
  });
});
