// domain: free text a person types — the invisible characters it must not hold, and the normalization that
// lets the card-number check see digits however they are written. Pure: no AWS, no zod.

/**
 * Characters that change how text displays without being seen: format characters (bidirectional embeddings,
 * overrides and isolates, zero-width space/joiners, word joiner, invisible operators, soft hyphen, BOM, tags),
 * the other default-ignorable code points (Hangul fillers, combining grapheme joiner, …) except variation
 * selectors (they pick an emoji or ideograph presentation), line and paragraph separators (they break a line
 * inside a name), and unpaired surrogates (no character at all).
 */
const invisiblePattern =
  /[\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?![\uFE00-\uFE0F\u180B-\u180D\u180F\u{E0100}-\u{E01EF}])\p{Default_Ignorable_Code_Point}/gu;

/** Scripts in which U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER select a visible letter form. */
const joiningScripts =
  'Arabic Syriac Nko Mongolian Devanagari Bengali Gurmukhi Gujarati Oriya Tamil Telugu Kannada Malayalam Sinhala Myanmar Khmer'
    .split(' ')
    .map((script) => new RegExp(`^\\p{Script=${script}}$`, 'u'));
const letterOrMarkPattern = /^[\p{L}\p{M}]$/u;
/** The viramas (combining class 9) of those scripts: after one, either joiner is part of the spelling. */
const viramaPattern =
  /^[\u094D\u09CD\u0A4D\u0ACD\u0B4D\u0BCD\u0C4D\u0CCD\u0D3B\u0D3C\u0D4D\u0DCA\u1039\u103A\u17D2]$/u;
const pictographPattern = /^\p{Extended_Pictographic}$/u;
/** Skin-tone modifiers and VS16 sit between an emoji and the ZWJ that joins it to the next one. */
const emojiTrailerPattern = /^[\u{1F3FB}-\u{1F3FF}\uFE0F]$/u;

/** Names of the invisible characters people meet most, for the message; the others get their category. */
const characterNames = new Map(
  [
    '00AD SOFT HYPHEN',
    '034F COMBINING GRAPHEME JOINER',
    '061C ARABIC LETTER MARK',
    '115F HANGUL CHOSEONG FILLER',
    '1160 HANGUL JUNGSEONG FILLER',
    '180E MONGOLIAN VOWEL SEPARATOR',
    '200B ZERO WIDTH SPACE',
    '200C ZERO WIDTH NON-JOINER',
    '200D ZERO WIDTH JOINER',
    '200E LEFT-TO-RIGHT MARK',
    '200F RIGHT-TO-LEFT MARK',
    '2028 LINE SEPARATOR',
    '2029 PARAGRAPH SEPARATOR',
    '202A LEFT-TO-RIGHT EMBEDDING',
    '202B RIGHT-TO-LEFT EMBEDDING',
    '202C POP DIRECTIONAL FORMATTING',
    '202D LEFT-TO-RIGHT OVERRIDE',
    '202E RIGHT-TO-LEFT OVERRIDE',
    '2060 WORD JOINER',
    '2061 FUNCTION APPLICATION',
    '2062 INVISIBLE TIMES',
    '2063 INVISIBLE SEPARATOR',
    '2064 INVISIBLE PLUS',
    '2066 LEFT-TO-RIGHT ISOLATE',
    '2067 RIGHT-TO-LEFT ISOLATE',
    '2068 FIRST STRONG ISOLATE',
    '2069 POP DIRECTIONAL ISOLATE',
    '3164 HANGUL FILLER',
    'FEFF ZERO WIDTH NO-BREAK SPACE (BYTE ORDER MARK)',
    'FFA0 HALFWIDTH HANGUL FILLER',
  ].map((entry) => [Number.parseInt(entry.slice(0, 4), 16), entry.slice(5)] as const),
);

const isBidirectionalControl = (codePoint: number) =>
  codePoint === 0x061c ||
  (codePoint >= 0x200e && codePoint <= 0x200f) ||
  (codePoint >= 0x202a && codePoint <= 0x202e) ||
  (codePoint >= 0x2066 && codePoint <= 0x2069);

export interface InvisibleCharacter {
  readonly codePoint: number;
  /** "U+202E", as the message names it. */
  readonly label: string;
  readonly name: string;
  /** Index in UTF-16 code units. */
  readonly index: number;
  readonly reason: string;
}

const codePointLabel = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;

function describe(codePoint: number, index: number): InvisibleCharacter {
  const reason = isBidirectionalControl(codePoint)
    ? 'it reorders how the text around it displays, so what a reader sees differs from what is stored'
    : codePoint === 0x2028 || codePoint === 0x2029
      ? 'it breaks the line inside a single field'
      : codePoint >= 0xd800 && codePoint <= 0xdfff
        ? 'it is half of a UTF-16 surrogate pair and encodes no character'
        : 'it is invisible, so two texts that look the same would differ, and hidden content could pass unseen';
  const name =
    characterNames.get(codePoint) ??
    (codePoint >= 0xd800 && codePoint <= 0xdfff
      ? 'UNPAIRED SURROGATE'
      : codePoint >= 0xe0000 && codePoint <= 0xe007f
        ? 'TAG CHARACTER'
        : 'INVISIBLE FORMAT CHARACTER');
  return { codePoint, label: codePointLabel(codePoint), name, index, reason };
}

/** The code point that ends just before `index` (both halves of a surrogate pair). */
function codePointBefore(text: string, index: number): string | undefined {
  if (index <= 0) return undefined;
  const pair = index >= 2 ? text.slice(index - 2, index) : '';
  return pair.length === 2 && (pair.codePointAt(0) ?? 0) > 0xffff ? pair : text[index - 1];
}

function codePointAfter(text: string, index: number): string | undefined {
  const codePoint = text.codePointAt(index);
  return codePoint === undefined ? undefined : String.fromCodePoint(codePoint);
}

/** Both neighbours are letters (or marks) of one script that shapes with the joiners. */
function betweenLettersOfAJoiningScript(before: string | undefined, after: string | undefined): boolean {
  if (before === undefined || after === undefined) return false;
  if (!letterOrMarkPattern.test(before) || !letterOrMarkPattern.test(after)) return false;
  return joiningScripts.some((script) => script.test(before) && script.test(after));
}

/**
 * The two joiners are part of how some text is spelled, and stay allowed there. RFC 5892's CONTEXTJ rule:
 * after a virama (Malayalam chillu "ന്‍", Hindi half forms "क्‍ष"); widened from Arabic joining types to the
 * letters of the scripts that shape with them (Persian "می‌خواهم"); and U+200D inside an emoji sequence such
 * as 👩‍💻. Anywhere else they are as invisible as any other format character.
 */
function isSpellingJoiner(text: string, index: number, codePoint: number): boolean {
  if (codePoint !== 0x200c && codePoint !== 0x200d) return false;
  const before = codePointBefore(text, index);
  if (before !== undefined && viramaPattern.test(before)) return true;
  if (codePoint === 0x200d && joinsEmoji(text, index)) return true;
  return betweenLettersOfAJoiningScript(before, codePointAfter(text, index + 1));
}

function joinsEmoji(text: string, index: number): boolean {
  let beforeIndex = index;
  let before = codePointBefore(text, beforeIndex);
  while (before !== undefined && emojiTrailerPattern.test(before)) {
    beforeIndex -= before.length;
    before = codePointBefore(text, beforeIndex);
  }
  const after = codePointAfter(text, index + 1);
  return (
    before !== undefined &&
    after !== undefined &&
    pictographPattern.test(before) &&
    pictographPattern.test(after)
  );
}

/** The first character of the text that could make it display differently from what is stored. */
export function findInvisibleCharacter(text: string): InvisibleCharacter | undefined {
  for (const match of text.matchAll(invisiblePattern)) {
    const codePoint = match[0].codePointAt(0) ?? 0;
    if (!isSpellingJoiner(text, match.index, codePoint)) return describe(codePoint, match.index);
  }
  return undefined;
}

// ---- normalization for the card-number check ----

/** Format characters, other default-ignorables and combining marks: none of them separates two digits. */
const ignoredForDigitsPattern = /[\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}]/gu;
const decimalDigitPattern = /\p{Nd}/u;
const nonAsciiDigitPattern = /(?![0-9])\p{Nd}/gu;
const digitValues = new Map<number, string>();

/**
 * The value of a Unicode decimal digit. Unicode encodes every decimal digit in runs of ten, 0 to 9 in order
 * (a stability guarantee), so the value is the distance from the start of the run, modulo ten for the runs
 * that hold several sets (mathematical digits).
 */
function asciiDigitOf(character: string): string {
  const codePoint = character.codePointAt(0) ?? 0;
  const known = digitValues.get(codePoint);
  if (known !== undefined) return known;
  let start = codePoint;
  while (start > 0 && decimalDigitPattern.test(String.fromCodePoint(start - 1))) start -= 1;
  const value = String((codePoint - start) % 10);
  digitValues.set(codePoint, value);
  return value;
}

/**
 * The text as the card-number check reads it: compatibility-normalized (NFKC: full-width and mathematical
 * digits become ASCII, no-break and thin spaces become spaces), without format characters, default-ignorables
 * and combining marks (zero-width characters, soft hyphens and the like vanish rather than separate), and with
 * every Unicode decimal digit (\p{Nd}: Arabic-Indic, Devanagari, …) replaced by its ASCII digit.
 */
export function normalizeForDigits(text: string): string {
  return text
    .normalize('NFKC')
    .replace(ignoredForDigitsPattern, '')
    .replace(nonAsciiDigitPattern, asciiDigitOf);
}

// ---- numbers in free text that carry their own check digits and are something else: IBANs, dates, parcels ----

/** ISO 13616 IBAN lengths by country (the SWIFT registry); RF is the ISO 11649 creditor reference. */
const ibanLengths = new Map(
  'AD24AE23AL28AT20AZ28BA20BE16BG22BH22BR29CH21CR22CY28CZ24DE22DK18DO28EE20EG29ES24FI18FO18FR27GB22GE22GI23GL18GR27GT28HR21HU28IE22IL23IQ23IS26IT27JO30KW30KZ20LB28LC32LI21LT20LU20LV21MC27MD24ME22MK19MR27MT31MU30NL18NO15PK24PL28PS29PT25QA29RO24RS22SA24SC31SE24SI19SK24SM27ST25SV28TL23TN24TR26UA29VA22VG24XK20'
    .match(/[A-Z]{2}\d{2}/g)
    ?.map((entry) => [entry.slice(0, 2), Number(entry.slice(2))] as const),
);

/** ISO 7064 MOD 97-10 over the reference moved behind its country code and check digits, letters as 10–35. */
function passesMod97(reference: string): boolean {
  const rearranged = reference.slice(4) + reference.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const value = Number.parseInt(character, 36);
    remainder = (remainder * (value > 9 ? 100 : 10) + value) % 97;
  }
  return remainder === 1;
}

/** GS1 mod 10 (weights 3 and 1 from the right): EAN/GTIN, SSCC parcel numbers, USPS tracking numbers. */
function passesGs1(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    const digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    sum += index % 2 === 0 ? digit : 3 * digit;
  }
  return sum % 10 === 0;
}

/** Swiss QR-bill reference: 27 digits, recursive mod 10 (the ISR/ESR check digit). */
function passesRecursiveMod10(digits: string): boolean {
  const table = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5];
  let carry = 0;
  for (const digit of digits.slice(0, -1)) carry = table[(carry + Number(digit)) % 10] ?? 0;
  return (10 - carry) % 10 === Number(digits.at(-1));
}

const compact = (text: string) => text.replace(/\D/g, '');
const isAlphanumeric = (character: string | undefined) =>
  character !== undefined && /[A-Za-z0-9]/.test(character);

/**
 * The IBAN or RF creditor reference starting at `start`, compact or in groups of four: where the longest
 * reading ends whose length fits (the country's IBAN length; 5–25 for RF) and whose check digits hold.
 */
function referenceEnd(text: string, start: number): number | undefined {
  const country = text.slice(start, start + 2).toUpperCase();
  const length = country === 'RF' ? 25 : ibanLengths.get(country);
  if (length === undefined) return undefined;
  let reference = '';
  let end: number | undefined;
  for (let index = start; index < text.length && reference.length < length; ) {
    const character = text[index];
    if (isAlphanumeric(character)) {
      reference += character?.toUpperCase();
      index += 1;
      const fits = country === 'RF' ? reference.length >= 5 : reference.length === length;
      if (fits && !isAlphanumeric(text[index]) && passesMod97(reference)) end = index;
    } else if (character === ' ' && reference.length >= 4 && isAlphanumeric(text[index + 1])) {
      index += 1;
    } else {
      break;
    }
  }
  return end;
}

/** Dates (ISO 8601, or day or month first with one separator used twice) and times of day. */
const dateOrTimePattern =
  /(?<!\d)(?:(?:19|20|21)\d\d([-./])\d\d?\1\d\d?|\d\d?([-./])\d\d?\2(?:19|20|21)\d\d|(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)(?!\d)/g;

function isDateOrTime(match: string): boolean {
  if (match.includes(':')) return true;
  const [first = 0, second = 0, third = 0] = match.split(/[-./]/).map(Number);
  const dayAndMonth = (day: number, month: number) => day >= 1 && day <= 31 && month >= 1 && month <= 12;
  return first > 31 ? dayAndMonth(third, second) : dayAndMonth(first, second) || dayAndMonth(second, first);
}

/**
 * Parcel numbers with a valid GS1 check digit, which begin as no card does: an SSCC behind its application
 * identifier 00 (DHL: 20 digits; four or more zeros are a padded number, not an SSCC) and USPS IMpb tracking
 * numbers (22 digits from 91–95), compact or, for USPS, in printed groups of four. Swiss QR-bill references:
 * 27 digits, compact or 2 + 5×5. The prefixes matter: "any 20-digit run with a GS1 check digit" would let one
 * card in ten with four digits glued on through. EAN-13 barcodes need no exception: no brand issues 13-digit
 * numbers in the GS1 prefixes in use, except Maestro's 5018, 5020 and 5038.
 */
const checkedNumbers: readonly { readonly pattern: RegExp; readonly valid: (digits: string) => boolean }[] = [
  { pattern: /(?<!\d)(?:00(?!00)\d{18}|9[1-5]\d{20}|9[1-5]\d\d(?: \d{4}){4} \d\d)(?!\d)/g, valid: passesGs1 },
  { pattern: /(?<!\d)(?:\d{27}|\d\d(?: \d{5}){5})(?!\d)/g, valid: passesRecursiveMod10 },
];

/**
 * Which characters of the text (as `normalizeForDigits` returns it) belong to a number that is recognizably something else: an IBAN,
 * a date or time, a barcode or parcel number with a valid check digit. A candidate made only of such digits
 * (a date range, the digits inside an IBAN) is not a card number; one that takes any other digit as well is
 * checked as usual, so a card cannot hide by containing a date-like piece.
 */
export function identifierCoverage(text: string): Uint8Array {
  const covered = new Uint8Array(text.length);
  for (const match of text.matchAll(/(?<![A-Za-z0-9])[A-Za-z]{2}\d\d/g)) {
    const end = referenceEnd(text, match.index);
    if (end !== undefined) covered.fill(1, match.index, end);
  }
  for (const match of text.matchAll(dateOrTimePattern)) {
    if (isDateOrTime(match[0])) covered.fill(1, match.index, match.index + match[0].length);
  }
  for (const { pattern, valid } of checkedNumbers) {
    for (const match of text.matchAll(pattern)) {
      if (valid(compact(match[0]))) covered.fill(1, match.index, match.index + match[0].length);
    }
  }
  return covered;
}
