// unit tests: domain/money-format — exact money, tax-rate and date display per language.
import fc from 'fast-check';
import { formatDate, formatMoney, formatTaxRate, parseIsoDate } from '../../functions/domain/money-format';

// Intl separates with no-break spaces (U+00A0, U+202F in fr); spelling them out keeps expectations exact.
const nbsp = '\u00a0';
const narrowNbsp = '\u202f';

const currencies = [
  ['JPY', 0],
  ['KRW', 0],
  ['EUR', 2],
  ['USD', 2],
  ['BHD', 3],
  ['KWD', 3],
  ['IQD', 3], // CLDR says 0 decimals; ISO 4217 says 3, and the ISO table wins
  ['CLF', 4],
] as const;
const languages = [
  'en',
  'en-US',
  'en-IN',
  'de-DE',
  'de-CH',
  'fr-FR',
  'sv-SE',
  'ar-EG',
  'hi-IN',
  'ja-JP',
  'ru',
  'fa',
];

/** Reads the amount back from what a person sees: the digits, and a minus sign if there is one. */
function minorUnitsShown(formatted: string): bigint {
  const digits = formatted.replace(/\D/g, '');
  return /[-\u2212]/.test(formatted) ? -BigInt(digits) : BigInt(digits);
}

describe('money-format', () => {
  describe('formatMoney', () => {
    it('shows exactly the minor units it was given, for any safe integer, currency and language', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
          fc.constantFrom(...currencies),
          fc.constantFrom(...languages),
          (minorUnits, [currency], language) => {
            expect(minorUnitsShown(formatMoney(minorUnits, currency, language))).toBe(BigInt(minorUnits));
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('prints as many decimals as the currency has minor-unit digits', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          fc.constantFrom(...currencies),
          (minorUnits, [currency, exponent]) => {
            const formatted = formatMoney(minorUnits, currency, 'en-US', { currencyDisplay: 'code' });
            const decimals = formatted.includes('.') ? (formatted.split('.').at(-1) ?? '') : '';
            expect(decimals).toHaveLength(exponent);
          },
        ),
      );
    });

    it('is exact where dividing a float would be wrong', () => {
      // The float route: 9 007 199 254 740 991 / 100 is stored as …409.90625 and prints …409.90.
      const viaFloat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
      expect(viaFloat.format(Number.MAX_SAFE_INTEGER / 100)).toBe('$90,071,992,547,409.90');

      expect(formatMoney(Number.MAX_SAFE_INTEGER, 'USD', 'en-US')).toBe('$90,071,992,547,409.91');
      expect(formatMoney(-Number.MAX_SAFE_INTEGER, 'USD', 'en-US')).toBe('-$90,071,992,547,409.91');
      expect(formatMoney(10 ** 15, 'EUR', 'de-DE')).toBe(`10.000.000.000.000,00${nbsp}€`);
      expect(formatMoney(10n ** 15n - 1n, 'EUR', 'en-GB')).toBe('€9,999,999,999,999.99');
    });

    it('pads amounts below one major unit', () => {
      expect(formatMoney(5, 'EUR', 'en-GB')).toBe('€0.05');
      expect(formatMoney(-5, 'EUR', 'en-GB')).toBe('-€0.05');
      expect(formatMoney(0, 'BHD', 'en', { currencyDisplay: 'code' })).toBe(`BHD${nbsp}0.000`);
      expect(formatMoney(7, 'CLF', 'en', { currencyDisplay: 'code' })).toBe(`CLF${nbsp}0.0007`);
    });

    it('prints JPY without decimals and BHD with three', () => {
      expect(formatMoney(123456, 'JPY', 'en-US')).toBe('¥123,456');
      expect(formatMoney(1234567, 'BHD', 'en-US', { currencyDisplay: 'code' })).toBe(`BHD${nbsp}1,234.567`);
      expect(formatMoney(1234567, 'IQD', 'en-US', { currencyDisplay: 'code' })).toBe(`IQD${nbsp}1,234.567`);
    });

    it('follows the language: comma decimals in de-DE, narrow spaces in fr, lakh grouping in en-IN', () => {
      expect(formatMoney(123456, 'EUR', 'de-DE')).toBe(`1.234,56${nbsp}€`);
      expect(formatMoney(123456, 'EUR', 'fr-FR')).toBe(`1${narrowNbsp}234,56${nbsp}€`);
      expect(formatMoney(123456, 'EUR', 'en-IE')).toBe('€1,234.56');
      expect(formatMoney(1234567800, 'INR', 'en-IN')).toBe('₹1,23,45,678.00');
    });

    it('writes Latin digits whatever the language', () => {
      expect(formatMoney(123456, 'EGP', 'ar-EG', { currencyDisplay: 'code' })).toMatch(/1,234\.56/);
      expect(formatMoney(123456, 'INR', 'hi-IN')).toMatch(/1,234\.56/);
    });

    it('refuses amounts that are not exact integers, and unknown currencies', () => {
      expect(() => formatMoney(1.5, 'EUR', 'en')).toThrow(RangeError);
      expect(() => formatMoney(2 ** 53, 'EUR', 'en')).toThrow(RangeError);
      expect(() => formatMoney(Number.NaN, 'EUR', 'en')).toThrow(RangeError);
      expect(() => formatMoney(100, 'EURO', 'en')).toThrow(RangeError);
      expect(() => formatMoney(100, 'XXX', 'en')).toThrow(RangeError);
    });
  });

  describe('formatTaxRate', () => {
    it('writes 19 % in German and 19% in English', () => {
      expect(formatTaxRate(1900, 'de-DE')).toBe(`19${nbsp}%`);
      expect(formatTaxRate(1900, 'en-GB')).toBe('19%');
    });

    it('shows the decimals a rate has and no more', () => {
      expect(formatTaxRate(725, 'en')).toBe('7.25%');
      expect(formatTaxRate(725, 'de')).toBe(`7,25${nbsp}%`);
      expect(formatTaxRate(550, 'fr')).toBe(`5,5${nbsp}%`);
      expect(formatTaxRate(5, 'en')).toBe('0.05%');
      expect(formatTaxRate(0, 'en')).toBe('0%');
    });

    it('round-trips every basis-point rate', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1_000_000 }), (basisPoints) => {
          const [whole = '', fraction = ''] = formatTaxRate(basisPoints, 'en-US')
            .replace(/[,%]/g, '')
            .split('.');
          expect(Number(whole) * 100 + Number(fraction.padEnd(2, '0'))).toBe(basisPoints);
        }),
      );
    });

    it('refuses negative or fractional basis points', () => {
      expect(() => formatTaxRate(-1, 'en')).toThrow(RangeError);
      expect(() => formatTaxRate(19.5, 'en')).toThrow(RangeError);
    });
  });

  describe('formatDate', () => {
    const originalTimeZone = process.env.TZ;
    afterEach(() => {
      if (originalTimeZone === undefined) delete process.env.TZ;
      else process.env.TZ = originalTimeZone;
    });

    it('writes the long date of the language', () => {
      expect(formatDate('2026-12-31', 'en-GB')).toBe('31 December 2026');
      expect(formatDate('2026-12-31', 'en-US')).toBe('December 31, 2026');
      expect(formatDate('2026-12-31', 'de-DE')).toBe('31. Dezember 2026');
      expect(formatDate('2026-12-31', 'fr')).toBe('31 décembre 2026');
    });

    it('writes the numeric date of the language', () => {
      expect(formatDate('2026-09-03', 'de-DE', 'numeric')).toBe('03.09.2026');
      expect(formatDate('2026-09-03', 'en-US', 'numeric')).toBe('09/03/2026');
      expect(formatDate('2026-09-03', 'en-GB', 'numeric')).toBe('03/09/2026');
    });

    it('uses the Gregorian calendar and Latin digits', () => {
      expect(formatDate('2026-09-03', 'th-TH', 'numeric')).toBe('03/09/2026');
      expect(formatDate('2026-09-03', 'fa', 'numeric')).toBe('2026/09/03');
    });

    it.each(['Pacific/Pago_Pago', 'Pacific/Kiritimati', 'UTC'])(
      'never shifts the day, even with the process in %s',
      (timeZone) => {
        process.env.TZ = timeZone; // Node re-reads TZ on assignment: a local-time bug would show here
        fc.assert(
          fc.property(
            fc.date({
              min: new Date('1000-01-01T00:00:00Z'),
              max: new Date('9999-12-31T00:00:00Z'),
              noInvalidDate: true,
            }),
            (instant) => {
              const isoDate = instant.toISOString().slice(0, 10);
              // sv-SE writes numeric dates as YYYY-MM-DD, so the output must equal the input.
              expect(formatDate(isoDate, 'sv-SE', 'numeric')).toBe(isoDate);
            },
          ),
          { numRuns: 300 },
        );
      },
    );

    it.each(['2026-02-30', '2026-13-01', '2026-00-10', '26-01-01', '2026-1-1', '2026-12-31T00:00:00Z', ''])(
      'refuses %j',
      (isoDate) => {
        expect(() => formatDate(isoDate, 'en')).toThrow(RangeError);
      },
    );

    it('parses two-digit years as written, not as 19xx', () => {
      expect(parseIsoDate('0099-01-01').getUTCFullYear()).toBe(99);
    });
  });
});
