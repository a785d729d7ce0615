// platform: the schemas of free text at the trust boundary — bounded, no control or invisible characters, never a
// payment card number, in one field or split across neighbouring ones (address lines, line descriptions).
import * as z from 'zod';
import { containsCardNumber, emailHoldsCardNumber, findCardNumberAcrossFields } from '../domain/card-numbers';
import { findInvisibleCharacter } from '../domain/free-text';

const cardNumberMessage = 'looks like a payment card number; card numbers must never be sent to Ledgerlock';
/**
 * The issue platform/http.ts turns into 422 card-number-rejected; it wins over every 400 issue. A fresh object
 * each time: zod rewrites the params object it is given.
 */
const cardNumberIssue = () => ({ message: cardNumberMessage, params: { problem: 'card-number' } });

/**
 * Free text a person types: trimmed, bounded, no control or invisible characters, never a card number.
 * Invisible characters (bidirectional overrides, zero-width characters, …) are refused rather than stripped, and
 * before trimming, which would drop a leading BOM silently. The card check reads through them, so a card number
 * hidden with zero-width spaces is still reported as a card number.
 */
export function freeText(maxLength: number) {
  return z
    .string()
    .superRefine((value, context) => {
      const found = findInvisibleCharacter(value);
      if (found === undefined) return;
      context.addIssue({
        code: 'custom',
        message: `must not contain ${found.label} (${found.name}): ${found.reason}`,
        params: { problem: 'invisible-character', codePoint: found.label },
      });
    })
    .trim()
    .min(1)
    .max(maxLength)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
    .refine((value) => !containsCardNumber(value), cardNumberIssue());
}

/** An e-mail address, whose local part and domain are checked for card numbers as free text is. */
export const emailAddress = () =>
  z
    .email()
    .max(254)
    .refine((value) => !emailHoldsCardNumber(value), cardNumberIssue());

/**
 * Neighbouring fields a person could split one card number across, read one after the other: a card-number
 * issue at each field of the first run that together holds one. Runs even when other fields failed, so the
 * card number is reported (422) whatever else is wrong. True when it added issues.
 */
function refuseCardNumberAcross(
  context: z.RefinementCtx,
  fields: readonly { readonly path: readonly (string | number)[]; readonly value: unknown }[],
): boolean {
  const present = fields.filter((field) => typeof field.value === 'string');
  const span = findCardNumberAcrossFields(present.map((field) => String(field.value).trim()));
  // One field on its own is reported by its own check.
  if (span === undefined || span.from === span.to) return false;
  for (const field of present.slice(span.from, span.to + 1)) {
    context.addIssue({
      code: 'custom',
      path: [...field.path],
      ...cardNumberIssue(),
      message:
        'together with its neighbouring field, looks like a payment card number split across fields; card numbers must never be sent to Ledgerlock',
    });
  }
  return true;
}
/** Refinements that report a card number even when other fields of the object already failed. */
export const evenAfterOtherIssues = { when: () => true };
const recordOf = (value: unknown): Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/**
 * The orders in which the invoice prints an address (postal code before or after the city), each read as one
 * text: address lines, city, region and postal code are where a person would continue a number.
 */
const addressReadingOrders = [
  ['line1', 'line2', 'postalCode', 'city', 'region'],
  ['line1', 'line2', 'city', 'region', 'postalCode'],
] as const;

/** Consecutive line descriptions, read one after the other (credit-note lines without one are skipped). */
export const refuseCardNumberAcrossDescriptions = (lines: unknown, context: z.RefinementCtx) => {
  refuseCardNumberAcross(
    context,
    (Array.isArray(lines) ? lines : []).map((line, index) => ({
      path: [index, 'description'],
      value: recordOf(line).description,
    })),
  );
};

/** An address read in each order the invoice prints it: a card number split across its lines is still one. */
export const refuseCardNumberAcrossAddress = (address: unknown, context: z.RefinementCtx) => {
  const fields = recordOf(address);
  addressReadingOrders.some((order) =>
    refuseCardNumberAcross(
      context,
      order.map((key) => ({ path: [key], value: fields[key] })),
    ),
  );
};
