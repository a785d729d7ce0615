// unit tests: domain/invoice-document and domain/invoice-email — what an issued, paid or void invoice tells its customer.
import fc from 'fast-check';
import { InvalidStateError } from '../../functions/domain/errors';
import {
  type CustomerDetails,
  createDraftInvoice,
  type Invoice,
  issueInvoice,
  type LineInput,
  recordPayment,
  voidInvoice,
} from '../../functions/domain/invoice';
import { isPayable, taxBreakdown, toInvoiceDocument } from '../../functions/domain/invoice-document';
import { composeInvoiceEmail } from '../../functions/domain/invoice-email';
import { computeTotals } from '../../functions/domain/money';
import type { SellerProfile } from '../../functions/domain/seller';

const now = new Date('2026-09-03T10:00:00Z');
const seller: SellerProfile = {
  name: 'Acme Widgets GmbH',
  address: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  email: 'billing@acme.example',
  paymentInstructions: 'IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX',
};
const lines: readonly LineInput[] = [
  { description: 'Consulting', quantity: 2, unitAmount: 12000, taxRateBps: 1900 },
  { description: 'Handbook', quantity: 1, unitAmount: 3000, taxRateBps: 700 },
];

function customer(language: string): CustomerDetails {
  return {
    name: 'Jane Q. Buyer',
    email: 'jane.buyer@example.com',
    address: { line1: '10 Downing Street', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' },
    language,
  };
}

function draft(language = 'en-GB'): Invoice {
  return createDraftInvoice(
    { customer: customer(language), customerId: null, currency: 'EUR', lines, dueDate: '2026-10-03' },
    { id: 'inv_1', tenantId: 'ten_abcdefgh', now },
  );
}

function issued(language = 'en-GB'): Invoice {
  return issueInvoice(draft(language), { number: 'INV-2026-000123', customer: customer(language), now });
}

function paid(language = 'en-GB'): Invoice {
  const invoice = issued(language);
  const payment = {
    id: 'pay_1',
    invoiceId: invoice.id,
    amount: invoice.amountDue,
    paidOn: '2026-09-10',
    method: 'bank_transfer',
    createdAt: now.toISOString(),
  } as const;
  return recordPayment(invoice, payment, now);
}

function voided(language = 'en-GB'): Invoice {
  return voidInvoice(issued(language), 'sent to the wrong customer', now);
}

describe('invoice document', () => {
  describe('toInvoiceDocument', () => {
    it('refuses a draft, which has no number and no document yet', () => {
      expect(() => toInvoiceDocument(draft(), seller)).toThrow(InvalidStateError);
    });

    it('keeps the amount due and the payment instructions of an issued invoice', () => {
      const document = toInvoiceDocument(issued(), seller);

      expect(document).toMatchObject({ status: 'issued', total: 31770, amountDue: 31770 });
      expect(document.seller.paymentInstructions).toBe(seller.paymentInstructions);
      expect(isPayable(document)).toBe(true);
    });

    it('gives a void invoice an amount due of zero and no payment instructions', () => {
      const invoice = voided();
      // The invoice itself already says nothing is due; its total stays as issued.
      expect(invoice).toMatchObject({ amountDue: 0, total: 31770 });

      const document = toInvoiceDocument(invoice, seller);

      expect(document).toMatchObject({ status: 'void', total: 31770, amountPaid: 0, amountDue: 0 });
      expect(document.seller).not.toHaveProperty('paymentInstructions');
      expect(isPayable(document)).toBe(false);
    });

    it('leaves the payment instructions out of a paid invoice, which has nothing due', () => {
      const document = toInvoiceDocument(paid(), seller);

      expect(document).toMatchObject({ status: 'paid', amountPaid: 31770, amountDue: 0 });
      expect(document.seller).not.toHaveProperty('paymentInstructions');
      expect(document.seller).toMatchObject({ name: seller.name, email: seller.email });
    });
  });

  describe('taxBreakdown', () => {
    it('sums the taxable amount and the tax per rate, ordered by rate', () => {
      const lineTotals = (amount: number, taxRateBps: number, tax: number) => ({ amount, taxRateBps, tax });

      const breakdown = taxBreakdown([
        lineTotals(10000, 1900, 1900),
        lineTotals(3000, 0, 0),
        lineTotals(5000, 1900, 950),
        lineTotals(12000, 700, 840),
      ]);

      expect(breakdown).toEqual([
        { taxRateBps: 0, base: 3000, tax: 0 },
        { taxRateBps: 700, base: 12000, tax: 840 },
        { taxRateBps: 1900, base: 15000, tax: 2850 },
      ]);
    });

    it('adds up to the subtotal and the tax of any invoice, to the unit', () => {
      const line = fc.record({
        description: fc.constant('Item'),
        quantity: fc.integer({ min: 1, max: 1_000 }),
        unitAmount: fc.integer({ min: 0, max: 100_000_000 }),
        taxRateBps: fc.constantFrom(0, 500, 700, 1900, 2000, 2150),
      });
      fc.assert(
        fc.property(fc.array(line, { maxLength: 40 }), (inputs) => {
          const totals = computeTotals(inputs);
          const priced = totals.lines.map((line, index) => ({
            ...line,
            taxRateBps: inputs[index]?.taxRateBps ?? 0,
          }));

          const breakdown = taxBreakdown(priced);

          expect(breakdown.reduce((sum, entry) => sum + entry.base, 0)).toBe(totals.subtotal);
          expect(breakdown.reduce((sum, entry) => sum + entry.tax, 0)).toBe(totals.tax);
        }),
        { numRuns: 200 },
      );
    });

    it('refuses a line amount that is not a safe integer rather than sum it inexactly', () => {
      expect(() => taxBreakdown([{ amount: 12.5, taxRateBps: 1900, tax: 2 }])).toThrow(RangeError);
    });
  });

  describe('composeInvoiceEmail', () => {
    it('asks for the amount due by the due date, with the payment details, for an issued invoice', () => {
      const email = composeInvoiceEmail(issued(), seller);

      expect(email.subject).toBe('Invoice INV-2026-000123 from Acme Widgets GmbH');
      expect(email.text).toContain('The amount due is €317.70, payable by 3 October 2026.');
      expect(email.text).toContain(`Payment details:\n${seller.paymentInstructions}`);
    });

    it.each([
      [
        'en-GB',
        'VOID – Invoice INV-2026-000123 from Acme Widgets GmbH',
        'Nothing is due: please do not pay it.',
      ],
      ['de-DE', 'STORNIERT – Rechnung INV-2026-000123 von Acme Widgets GmbH', 'bitte nicht bezahlen'],
    ])(
      'says a void invoice is void and not to be paid (%s), with no amount or payment details',
      (language, subject, notice) => {
        const email = composeInvoiceEmail(voided(language), seller);

        expect(email.subject).toBe(subject);
        expect(email.text).toContain(notice);
        for (const payable of [
          '317',
          'IBAN',
          'payable',
          'fällig',
          'Payment details',
          'Zahlungsinformationen',
        ]) {
          expect(email.text).not.toContain(payable);
          expect(email.html).not.toContain(payable);
        }
        expect(email.document).toMatchObject({ status: 'void', amountDue: 0 });
      },
    );

    it('says a paid invoice is paid in full, with no payment details', () => {
      const email = composeInvoiceEmail(paid(), seller);

      expect(email.text).toContain(
        'invoice INV-2026-000123 of €317.70. It has been paid in full; nothing is due.',
      );
      expect(email.text).not.toContain('IBAN');
      expect(email.text).not.toContain('payable');
    });
  });
});
