import fc from 'fast-check';
import {
  AmountTooLargeError,
  computeTotals,
  divideRoundHalfAwayFromZero,
  MAX_INVOICE_AMOUNT,
} from '../../functions/domain/money';

const line = fc.record({
  quantity: fc.integer({ min: 1, max: 1_000_000 }),
  unitAmount: fc.integer({ min: 0, max: 100_000_000 }),
  taxRateBps: fc.integer({ min: 0, max: 10_000 }),
});

describe('money', () => {
  describe('rounding', () => {
    it('rounds half away from zero', () => {
      expect(divideRoundHalfAwayFromZero(5n, 10n)).toBe(1n);
      expect(divideRoundHalfAwayFromZero(15n, 10n)).toBe(2n);
      expect(divideRoundHalfAwayFromZero(14n, 10n)).toBe(1n);
      expect(divideRoundHalfAwayFromZero(4n, 10n)).toBe(0n);
      expect(divideRoundHalfAwayFromZero(-5n, 10n)).toBe(-1n);
      expect(divideRoundHalfAwayFromZero(-4n, 10n)).toBe(0n);
    });

    it('is never more than half a unit from the exact quotient', () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
          fc.bigInt({ min: 1n, max: 10n ** 6n }),
          (n, d) => {
            const rounded = divideRoundHalfAwayFromZero(n, d);
            const error = rounded * d - n;
            expect(2n * (error < 0n ? -error : error) <= d).toBe(true);
          },
        ),
      );
    });
  });

  describe('totals', () => {
    it('makes total equal subtotal plus tax, to the unit, over random invoices', () => {
      fc.assert(
        fc.property(fc.array(line, { minLength: 1, maxLength: 100 }), (lines) => {
          const totals = computeTotals(lines);
          expect(totals.total).toBe(totals.subtotal + totals.tax);
          expect(totals.subtotal).toBe(totals.lines.reduce((sum, l) => sum + l.amount, 0));
          expect(totals.tax).toBe(totals.lines.reduce((sum, l) => sum + l.tax, 0));
          lines.forEach((input, index) => {
            const computed = totals.lines[index];
            expect(computed?.amount).toBe(input.quantity * input.unitAmount);
            // Tax is within half a minor unit of the exact value, compared exactly: in BigInt, scaled by
            // 2 × 10 000 (quantity × unit × rate passes 2^53, where floating point would lose units).
            const exactTimes10000 =
              BigInt(input.quantity) * BigInt(input.unitAmount) * BigInt(input.taxRateBps);
            const tax = BigInt(computed?.tax ?? Number.NaN);
            const distance = tax * 10_000n - exactTimes10000;
            expect((distance < 0n ? -distance : distance) * 2n <= 10_000n).toBe(true);
          });
          for (const value of [totals.subtotal, totals.tax, totals.total]) {
            expect(Number.isSafeInteger(value)).toBe(true);
            expect(value).toBeGreaterThanOrEqual(0);
          }
        }),
      );
    });

    it('refuses totals above the maximum instead of losing precision', () => {
      const lines = Array.from({ length: 100 }, () => ({
        quantity: 1_000_000,
        unitAmount: 100_000_000_000,
        taxRateBps: 10_000,
      }));
      expect(() => computeTotals(lines)).toThrow(AmountTooLargeError);
      expect(() =>
        computeTotals([{ quantity: 1, unitAmount: MAX_INVOICE_AMOUNT, taxRateBps: 0 }]),
      ).not.toThrow();
    });
  });
});
