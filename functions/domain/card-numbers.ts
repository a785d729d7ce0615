// domain: detects payment card numbers in free text, however they are written, so they are refused before
// anything is stored (keeps Ledgerlock out of PCI cardholder-data scope). Pure: no AWS, no zod.
import { identifierCoverage, normalizeForDigits } from './free-text';

export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

// ---- what a card number is: an issuer prefix (IIN) of a card brand, a length that brand issues, Luhn ----

interface Brand {
  readonly name: string;
  /** Prefixes, or ranges of prefixes of one length ("2221-2720"). */
  readonly prefixes: readonly string[];
  readonly lengths: readonly number[];
}

const lengthsFrom = (shortest: number) =>
  Array.from({ length: 20 - shortest }, (_, index) => shortest + index);

/**
 * The brands whose numbers must never enter the system. Lengths are the ones each brand issues, not all of
 * 13–19: a bare 13-digit number starting with 4 is far more often a German EAN barcode (400–440), a unified
 * German tax number or a +49 phone number than one of the 13-digit Visa numbers last issued decades ago.
 */
export const cardBrands: readonly Brand[] = [
  { name: 'Visa', prefixes: ['4'], lengths: [16, 18, 19] },
  { name: 'Mastercard', prefixes: ['51-55', '2221-2720'], lengths: [16] },
  { name: 'American Express', prefixes: ['34', '37'], lengths: [15] },
  { name: 'Discover', prefixes: ['6011', '644-649', '65'], lengths: lengthsFrom(16) },
  { name: 'JCB', prefixes: ['3528-3589'], lengths: lengthsFrom(16) },
  { name: 'Diners Club', prefixes: ['300-305', '3095', '36', '38-39'], lengths: [14, 16, 19] },
  { name: 'UnionPay', prefixes: ['62'], lengths: lengthsFrom(16) },
  {
    name: 'Maestro',
    prefixes: ['5018', '5020', '5038', '5893', '6304', '6759', '6761-6763'],
    lengths: lengthsFrom(13),
  },
  { name: 'Maestro', prefixes: ['50', '56-69'], lengths: lengthsFrom(16) },
  { name: 'Mir', prefixes: ['2200-2204'], lengths: lengthsFrom(16) },
];

function hasPrefix(digits: string, prefix: string): boolean {
  const [from = '', to = from] = prefix.split('-');
  const head = Number(digits.slice(0, from.length));
  return head >= Number(from) && head <= Number(to);
}

/** The brand a digit string would be a card number of, if it passed Luhn. */
export function cardBrandOf(digits: string): string | undefined {
  return cardBrands.find(
    (brand) =>
      brand.lengths.includes(digits.length) && brand.prefixes.some((prefix) => hasPrefix(digits, prefix)),
  )?.name;
}

export const isCardNumber = (digits: string) => cardBrandOf(digits) !== undefined && passesLuhn(digits);

// ---- where the digits of one number can be: runs of digits joined by short separators ----

/**
 * Between two digits of one number there may be up to three separator characters (punctuation, symbols,
 * spaces of any kind: "4111 – 1111", "4111/ 1111"); a run of whitespace or of one repeated character counts
 * once, so "4111    1111" and "4111 ---- 1111" stay one number. A letter ends the number.
 */
const maxSeparators = 3;
const isAsciiDigit = (character: string) => character >= '0' && character <= '9';
const isLetterOrNumber = (character: string) => /[\p{L}\p{N}]/u.test(character);
const separatorKey = (character: string) => (/\s/u.test(character) ? ' ' : character);

/** A run of digits with no separator inside, and which of its digits belong to a recognized identifier. */
interface DigitGroup {
  readonly digits: string;
  /** "1" for each digit inside an identifier, "0" for the others. */
  readonly covered: string;
}

/** The digit groups of each number in the normalized text: "4111 1111-1111" → ["4111", "1111", "1111"]. */
function digitSequences(text: string, coverage: Uint8Array): DigitGroup[][] {
  const sequences: DigitGroup[][] = [];
  let groups: DigitGroup[] = [];
  let digits = '';
  let covered = '';
  let separators = 0;
  let lastSeparator = '';
  const endGroup = () => {
    if (digits !== '') groups.push({ digits, covered });
    digits = '';
    covered = '';
  };
  const endSequence = () => {
    endGroup();
    if (groups.length > 0) sequences.push(groups);
    groups = [];
  };
  for (let index = 0; index < text.length; ) {
    const character = String.fromCodePoint(text.codePointAt(index) ?? 0);
    if (isAsciiDigit(character)) {
      if (digits === '' && separators > maxSeparators) endSequence();
      digits += character;
      covered += coverage[index] === 1 ? '1' : '0';
      separators = 0;
      lastSeparator = '';
    } else if (isLetterOrNumber(character)) {
      endSequence();
      separators = maxSeparators + 1;
    } else {
      endGroup();
      const key = separatorKey(character);
      if (key !== lastSeparator) separators += 1;
      lastSeparator = key;
    }
    index += character.length;
  }
  endSequence();
  return sequences;
}

const isCardCandidate = (digits: string, covered: string) => covered.includes('0') && isCardNumber(digits);

/**
 * A card number in one sequence of digit groups: any span of whole groups (a number is grouped the way it is
 * written, so "12 4111 1111 1111 1111" holds one); a run padded with zeros, read without them (no card number
 * begins with 0); and the beginning or the end of a longer unbroken run ("41111111111111111227", a card with
 * its expiry glued on).
 *
 * Inside a longer run only windows of 15–19 digits are tried, and only at its ends: every extra window is one
 * more 1-in-10 chance that a random number passes Luhn, and the 13- and 14-digit lengths (Maestro, Diners Club)
 * would flag one 15-digit parcel number in 250. So a 13- or 14-digit card with other digits glued to it, and a
 * card buried in the middle of a longer run, are not looked for.
 */
function holdsCardNumber(groups: readonly DigitGroup[]): boolean {
  for (let first = 0; first < groups.length; first += 1) {
    let digits = '';
    let covered = '';
    for (let last = first; last < groups.length && digits.length < 19; last += 1) {
      digits += groups[last]?.digits;
      covered += groups[last]?.covered;
      if (digits.length >= 13 && digits.length <= 19 && isCardCandidate(digits, covered)) return true;
    }
  }
  for (const group of groups) {
    const zeros = group.digits.length - group.digits.replace(/^0+/, '').length;
    const digits = group.digits.slice(zeros);
    const covered = group.covered.slice(zeros);
    if (zeros > 0 && digits.length >= 13 && digits.length <= 19 && isCardCandidate(digits, covered))
      return true;
    for (let length = 15; length <= Math.min(19, digits.length - 1); length += 1) {
      if (isCardCandidate(digits.slice(0, length), covered.slice(0, length))) return true;
      if (isCardCandidate(digits.slice(-length), covered.slice(-length))) return true;
    }
  }
  return false;
}

/** True when the text holds what looks like a payment card number, however spaced, scripted or disguised. */
export function containsCardNumber(text: string): boolean {
  const normalized = normalizeForDigits(text);
  if ((normalized.match(/\d/g)?.length ?? 0) < 13) return false;
  return digitSequences(normalized, identifierCoverage(normalized)).some(holdsCardNumber);
}

// ---- fields a number can be split across, and e-mail addresses ----

/** Neighbouring fields are read as if written one after the other, with a space between them. */
const fieldJoiner = ' ';

/**
 * The first run of consecutive fields (indexes `from`..`to`) that together hold a card number, or undefined.
 * A field that holds one on its own comes first (from === to); then neighbours two and three at a time, then all
 * fields in order (a number split further). Absent fields are skipped: line1 and city are neighbours without
 * line2.
 */
export function findCardNumberAcrossFields(
  values: readonly (string | undefined)[],
): { readonly from: number; readonly to: number } | undefined {
  const present = values.flatMap((value, index) => (value === undefined || value === '' ? [] : [index]));
  const holds = (first: number, last: number) =>
    containsCardNumber(
      present
        .slice(first, last + 1)
        .map((index) => values[index])
        .join(fieldJoiner),
    );
  const single = present.findIndex((_, position) => holds(position, position));
  if (single >= 0) return { from: present[single] ?? 0, to: present[single] ?? 0 };
  for (const width of [2, 3]) {
    for (let first = 0; first + width <= present.length; first += 1) {
      const last = first + width - 1;
      if (holds(first, last)) return { from: present[first] ?? 0, to: present[last] ?? 0 };
    }
  }
  if (present.length < 4 || !holds(0, present.length - 1)) return undefined;
  // Split four ways or more: the first end at which the prefix holds a card, then the latest start for it.
  let last = 3;
  while (last < present.length - 1 && !holds(0, last)) last += 1;
  let first = last - 3;
  while (first > 0 && !holds(first, last)) first -= 1;
  return { from: present[first] ?? 0, to: present[last] ?? 0 };
}

export const containsCardNumberAcrossFields = (values: readonly (string | undefined)[]) =>
  findCardNumberAcrossFields(values) !== undefined;

/** An e-mail address holds a card number in its local part ("4111111111111111@example.com") or its domain. */
export function emailHoldsCardNumber(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at < 0) return containsCardNumber(address);
  return containsCardNumber(address.slice(0, at)) || containsCardNumber(address.slice(at + 1));
}
