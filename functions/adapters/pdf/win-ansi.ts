// adapter: pdfkit → InvoiceRenderer — text the standard PDF fonts can draw (WinAnsiEncoding). No pdfkit import.
//
// The 14 standard fonts are used with WinAnsiEncoding (Windows-1252): ASCII, Latin-1 and 27 extras
// (€, ‚ „ “ ” ‘ ’, – —, …, Œ œ Š š Ž ž Ÿ ƒ ˆ ˜ ‰ ‹ › • † ‡ ™). pdfkit does not check: it writes the UTF-16
// code of any other character into a one-byte string, which garbles the line (and control characters
// shift every following glyph). Every string drawn goes through toWinAnsi() first, which keeps WinAnsi
// characters, maps typographic equivalents (narrow no-break space → no-break space, U+2212 minus → '-',
// fullwidth forms → ASCII), drops invisible characters (bidi marks, zero-width, soft hyphen, controls),
// strips accents WinAnsi lacks (ő → o, ș → s, ł → l), and replaces anything else (CJK, Cyrillic, Greek,
// emoji…) with '?', one per character. Names in those scripts therefore print as '???': a tenant that
// invoices in them needs an embedded Unicode font (pdfkit accepts TTF bytes), a later change.
// Locale-generated text (currency symbols such as ₹, month names such as "września") falls back to a
// form that needs no replacement (the ISO currency code, a numeric date) instead of being degraded.

// Code points above U+00FF that WinAnsiEncoding places at 0x80–0x9F (pdfkit's WIN_ANSI_MAP).
const winAnsiAboveLatin1 = new Set([
  0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014, 0x2018, 0x2019,
  0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122,
]);

function isWinAnsi(codePoint: number): boolean {
  return (
    (codePoint >= 0x20 && codePoint <= 0x7e) ||
    // U+00AD soft hyphen is in the table, but pdfkit would always draw it as a visible hyphen.
    (codePoint >= 0xa0 && codePoint <= 0xff && codePoint !== 0xad) ||
    winAnsiAboveLatin1.has(codePoint)
  );
}

// Replacements that lose nothing a reader would miss.
const equivalents = new Map<number, string>([
  // Intl puts U+202F (fr grouping, before % and €) and U+2007 in numbers; keep them unbreakable.
  [0x202f, '\u00a0'],
  [0x2007, '\u00a0'],
  [0x09, ' '],
  [0x205f, ' '],
  [0x3000, ' '],
  // Intl wraps RTL-locale numbers and dates in bidi marks; they, zero-width characters, the soft
  // hyphen and the BOM have nothing to draw.
  [0xad, ''],
  [0x061c, ''],
  [0xfeff, ''],
  [0x2010, '-'],
  [0x2011, '-'],
  [0x2012, '-'],
  [0x2212, '-'], // minus sign (sv, de-CH… negative amounts)
  [0x2015, '\u2014'],
  [0x201b, "'"],
  [0x201f, '"'],
  [0x2032, "'"],
  [0x2033, '"'],
  [0x2044, '/'],
  [0x2028, '\n'],
  [0x2029, '\n'],
  [0x85, '\n'],
]);
for (let codePoint = 0x2000; codePoint <= 0x200a; codePoint++) equivalents.set(codePoint, ' ');
for (const [from, to] of [
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x2064],
  [0x2066, 0x2069],
] as const) {
  for (let codePoint = from; codePoint <= to; codePoint++) equivalents.set(codePoint, '');
}

// Letters with no Unicode decomposition to strip an accent from.
const baseLetters = new Map<string, string>([
  ['ł', 'l'],
  ['Ł', 'L'],
  ['đ', 'd'],
  ['Đ', 'D'],
  ['ħ', 'h'],
  ['Ħ', 'H'],
  ['ı', 'i'],
  ['ŀ', 'l'],
  ['Ŀ', 'L'],
  ['ŧ', 't'],
  ['Ŧ', 'T'],
]);

const combiningMark = /\p{M}/u;
const combiningMarks = /\p{M}/gu;
const plainAscii = /^[\x20-\x7e\n]*$/;

function allWinAnsi(text: string): boolean {
  for (const char of text) if (!isWinAnsi(char.codePointAt(0) ?? 0)) return false;
  return true;
}

export interface WinAnsiText {
  /** Only WinAnsi characters and '\n'. */
  readonly text: string;
  /** False when an accent was stripped or a character replaced by '?'. */
  readonly lossless: boolean;
}

/** Makes text drawable with a standard PDF font (WinAnsiEncoding); see the file header for the rules. */
export function toWinAnsi(input: string): WinAnsiText {
  const normalized = input.replace(/\r\n?/g, '\n');
  if (plainAscii.test(normalized)) return { text: normalized, lossless: true };
  let text = '';
  let lossless = true;
  // NFC first, so 'e' + U+0301 becomes the Latin-1 'é' rather than an 'e' with a dropped accent.
  for (const char of normalized.normalize('NFC')) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint === 0x0a || isWinAnsi(codePoint)) {
      text += char;
      continue;
    }
    const equivalent = equivalents.get(codePoint);
    if (equivalent !== undefined) {
      text += equivalent;
      continue;
    }
    if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f)) continue; // control characters
    if (combiningMark.test(char)) {
      // An accent NFC could not compose with its letter (or a variation selector): the letter stays.
      lossless = false;
      continue;
    }
    // Compatibility forms: fullwidth 'Ａ' and '￥' (Intl's yen in ja-JP), ligature 'ﬁ', '№'…
    const compatible = char.normalize('NFKC');
    if (compatible !== char && allWinAnsi(compatible)) {
      text += compatible;
      continue;
    }
    const stripped = char.normalize('NFKD').replace(combiningMarks, '').normalize('NFC');
    const replacement =
      stripped !== char && stripped.length > 0 && allWinAnsi(stripped) ? stripped : undefined;
    text += replacement ?? baseLetters.get(char) ?? '?';
    lossless = false;
  }
  return { text, lossless };
}

/** toWinAnsi's text alone, for strings whose losses need no decision (descriptions, names, notes). */
export function clean(text: string): string {
  return toWinAnsi(text).text;
}

/** One line: names, address lines and numbers never break a layout row. */
export function cleanLine(text: string): string {
  return clean(text)
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}
