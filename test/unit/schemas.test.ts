import fc from 'fast-check';
import { createInvoiceSchema } from '../../functions/platform/schemas';

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
          expect(createInvoiceSchema.safeParse(invoice).success).toBe(true),
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
            expect(createInvoiceSchema.safeParse({ ...invoice, [key]: value }).success).toBe(false);
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
            expect(createInvoiceSchema.safeParse({ ...invoice, lines }).success).toBe(false);
          },
        ),
      );
    });

    it('rejects control characters and over-long text', () => {
      const base = fc.sample(validInvoice, 1)[0];
      expect(createInvoiceSchema.safeParse({ ...base, memo: 'line\u0000break' }).success).toBe(false);
      expect(createInvoiceSchema.safeParse({ ...base, memo: 'x'.repeat(2001) }).success).toBe(false);
    });

    it('rejects codes that are not active ISO 4217 currencies', () => {
      const base = fc.sample(validInvoice, 1)[0];
      for (const currency of ['eur', 'EURO', 'XXX', '', 'ZWL1']) {
        expect(createInvoiceSchema.safeParse({ ...base, currency }).success).toBe(false);
      }
    });
  });
});
