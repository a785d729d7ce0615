// unit tests: domain/invoice-document — the numbers an invoice document prints, computed exactly.
import fc from 'fast-check';
import { taxBreakdown } from '../../functions/domain/invoice-document';
import { computeTotals } from '../../functions/domain/money';

describe('invoice document', () => {
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
});
