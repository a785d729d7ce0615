// domain: locale-aware display of money, tax rates and dates for documents (PDF, email). Pure, no AWS import.
//
// Amounts are integer minor units (see money.ts). They are turned into an exact decimal string with
// BigInt arithmetic and handed to Intl.NumberFormat as a string: since ES2023 (Node ≥ 20) `format`
// accepts a decimal string and formats it without going through a float, so 9 007 199 254 740 991
// minor units print as 90,071,992,547,409.91 and not …409.92 as `Number / 100` would give.
//
// Digits are always Latin (numberingSystem 'latn') and dates always Gregorian: these strings end up on
// invoices, where an amount or a due date must read the same to both parties and must be drawable
// with the standard PDF fonts, which have no Arabic-Indic, Devanagari or Thai digits.
import { currencyExponent } from './currencies';

export type CurrencyDisplay = 'symbol' | 'narrowSymbol' | 'code' | 'name';
export type DateStyle = 'long' | 'numeric';

export interface FormatMoneyOptions {
  /** How the currency is shown. @default 'symbol' (€, $, US$, CHF…, as the locale writes it) */
  readonly currencyDisplay?: CurrencyDisplay;
}

// Building an Intl formatter costs far more than using one, and an invoice formats dozens of amounts.
// Bounded because the language comes from request data.
const formatterCacheLimit = 256;
const formatterCache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, create: () => T): T {
  const hit = formatterCache.get(key);
  if (hit !== undefined) return hit as T;
  if (formatterCache.size >= formatterCacheLimit) formatterCache.clear();
  const created = create();
  formatterCache.set(key, created);
  return created;
}

/**
 * The exact decimal string of `units / 10^exponent`, e.g. (-5n, 2) → "-0.05", (1234n, 0) → "1234".
 * Typed as Intl's numeric string literal, which is what Intl.NumberFormat.format accepts without loss.
 */
export function toDecimalString(units: bigint, exponent: number): Intl.StringNumericLiteral {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(exponent + 1, '0');
  const integerPart = digits.slice(0, digits.length - exponent);
  const fractionPart = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${negative ? '-' : ''}${integerPart}${fractionPart}` as Intl.StringNumericLiteral;
}

function toBigInt(value: number | bigint, what: string): bigint {
  if (typeof value === 'bigint') return value;
  // A float or an unsafe integer has already lost the exact minor-unit value; refuse it rather than print it.
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a safe integer, got ${value}`);
  return BigInt(value);
}

/**
 * Formats integer minor units as money in the given language, with exactly as many decimals as the
 * currency has minor-unit digits in ISO 4217 (JPY 0, EUR 2, BHD 3), even where CLDR differs (IQD).
 * formatMoney(123456, 'EUR', 'de-DE') → "1.234,56 €"; formatMoney(5, 'USD', 'en-US') → "$0.05".
 * Throws RangeError for a non-integer amount, an unknown currency or a malformed language tag.
 */
export function formatMoney(
  minorUnits: number | bigint,
  currency: string,
  language: string,
  options: FormatMoneyOptions = {},
): string {
  const units = toBigInt(minorUnits, 'minorUnits');
  const exponent = currencyExponent(currency);
  const currencyDisplay = options.currencyDisplay ?? 'symbol';
  const formatter = cached(
    `money|${language}|${currency}|${currencyDisplay}`,
    () =>
      new Intl.NumberFormat(language, {
        style: 'currency',
        currency,
        currencyDisplay,
        minimumFractionDigits: exponent,
        maximumFractionDigits: exponent,
        numberingSystem: 'latn',
      }),
  );
  return formatter.format(toDecimalString(units, exponent));
}

/**
 * Formats a tax rate in basis points as a percentage in the given language, with no more decimals
 * than it has: 1900 → "19 %" (de, with a no-break space) or "19%" (en); 725 → "7.25%"; 5 → "0.05%".
 */
export function formatTaxRate(basisPoints: number, language: string): string {
  const units = toBigInt(basisPoints, 'basisPoints');
  if (units < 0n) throw new RangeError(`basisPoints must not be negative, got ${basisPoints}`);
  const formatter = cached(
    `rate|${language}`,
    () =>
      new Intl.NumberFormat(language, {
        style: 'percent',
        minimumFractionDigits: 0,
        // One basis point is 0.01 %: two decimals show every rate exactly.
        maximumFractionDigits: 2,
        numberingSystem: 'latn',
      }),
  );
  // 1 bp = 1/10 000 of the whole; percent style multiplies by 100 on the exact decimal.
  return formatter.format(toDecimalString(units, 4));
}

const isoDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a calendar date YYYY-MM-DD into UTC midnight; throws RangeError for anything else (2026-02-30 too). */
export function parseIsoDate(isoDate: string): Date {
  const match = isoDatePattern.exec(isoDate);
  if (match === null) throw new RangeError(`not an ISO date (YYYY-MM-DD): ${isoDate}`);
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new RangeError(`not a calendar date: ${isoDate}`);
  }
  return date;
}

/**
 * Formats a calendar date in the given language: 'long' → "31 December 2026", "31. Dezember 2026",
 * "December 31, 2026" (en-US); 'numeric' → "31/12/2026", "31.12.2026", "12/31/2026".
 * The date is a calendar date, not an instant: it is formatted in UTC, so no time zone shifts its day.
 */
export function formatDate(isoDate: string, language: string, style: DateStyle = 'long'): string {
  const date = parseIsoDate(isoDate);
  const formatter = cached(
    `date|${language}|${style}`,
    () =>
      new Intl.DateTimeFormat(language, {
        ...(style === 'long' ? { dateStyle: 'long' } : { year: 'numeric', month: '2-digit', day: '2-digit' }),
        timeZone: 'UTC',
        calendar: 'gregory',
        numberingSystem: 'latn',
      }),
  );
  return formatter.format(date);
}
