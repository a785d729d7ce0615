// domain: invoice arithmetic in integer minor units. Pure, no AWS import.
//
// Rounding rule (documented in the README): each line's amount is quantity × unitAmount, exact.
// Each line's tax is amount × taxRateBps / 10 000, rounded half away from zero to the minor unit.
// subtotal = Σ amount, tax = Σ line tax, total = subtotal + tax. Computed in BigInt, so no
// intermediate can lose precision; results above MAX_INVOICE_AMOUNT are refused.

export const MAX_INVOICE_AMOUNT = 1_000_000_000_000_000; // 10^15 minor units: well inside 2^53

export class AmountTooLargeError extends Error {
  override readonly name = 'AmountTooLargeError';
}

export interface LineInput {
  readonly quantity: number;
  readonly unitAmount: number;
  readonly taxRateBps: number;
}

export interface LineTotals {
  readonly amount: number;
  readonly tax: number;
}

export interface InvoiceTotals {
  readonly lines: readonly LineTotals[];
  readonly subtotal: number;
  readonly tax: number;
  readonly total: number;
}

/** Divides and rounds half away from zero. */
export function divideRoundHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (n * 2n + d) / (d * 2n);
  return negative ? -quotient : quotient;
}

export function lineTax(amount: bigint, taxRateBps: number): bigint {
  return divideRoundHalfAwayFromZero(amount * BigInt(taxRateBps), 10_000n);
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(MAX_INVOICE_AMOUNT) || value < -BigInt(MAX_INVOICE_AMOUNT)) {
    throw new AmountTooLargeError(`${what} exceeds ${MAX_INVOICE_AMOUNT} minor units`);
  }
  return Number(value);
}

export function computeTotals(lines: readonly LineInput[]): InvoiceTotals {
  let subtotal = 0n;
  let tax = 0n;
  const lineTotals = lines.map((line, index) => {
    const amount = BigInt(line.quantity) * BigInt(line.unitAmount);
    const taxAmount = lineTax(amount, line.taxRateBps);
    subtotal += amount;
    tax += taxAmount;
    return {
      amount: toSafeNumber(amount, `lines[${index}].amount`),
      tax: toSafeNumber(taxAmount, `lines[${index}].tax`),
    };
  });
  return {
    lines: lineTotals,
    subtotal: toSafeNumber(subtotal, 'subtotal'),
    tax: toSafeNumber(tax, 'tax'),
    total: toSafeNumber(subtotal + tax, 'total'),
  };
}
