// adapter: pdfkit → InvoiceRenderer (an A4 invoice drawn with the PDF standard fonts Helvetica/Helvetica-Bold)
//
// How pdfkit 0.20.2 loads the standard fonts, and what bundling needs
// ---------------------------------------------------------------------
// pdfkit no longer reads .afm files at run time (js/data/*.afm are only kept for its tools): the metrics
// of each standard font ship as a generated JS module, js/standard-fonts/<Font>.cjs (plus a shared
// chunks/standardGlyphNames-<hash>.cjs). The Node builds register lazy loaders for them:
//     const require$1 = createRequire(import.meta.url);            // pdfkit.node.mjs (pdfkit.js: __filename)
//     registerStdFontLoaders({ Helvetica: () => require$1('#standard-fonts/Helvetica'), … });
// '#standard-fonts/*' is a subpath import, resolved at run time through the "imports" field of the
// package.json nearest to the *calling file*. esbuild cannot follow a createRequire()d require, so once
// pdfkit is bundled into one file, the calling file is the bundle, no package.json maps
// '#standard-fonts/*', and the first `new PDFDocument()` throws "Cannot find module
// '#standard-fonts/Helvetica'". The Node build exports no way to register font data (only the browser
// build has registerStdFonts), so the adapter cannot inject it; the deployment must provide it, one of:
//   1. keep pdfkit out of the bundle: esbuild `--external:pdfkit`, CDK NodejsFunction
//      `bundling: { nodeModules: ['pdfkit'] }` (installs pdfkit and its dependencies in the asset), or
//   2. bundle everything (format ESM) and copy next to the bundle, e.g. in `commandHooks.afterBundling`:
//        node_modules/pdfkit/js/standard-fonts/{Helvetica,HelveticaBold}.cjs and its chunks/ directory
//          → <outputDir>/standard-fonts/
//        a <outputDir>/package.json containing {"imports":{"#standard-fonts/*":"./standard-fonts/*.cjs"}}
//      (about 30 kB). A CJS-format bundle additionally breaks on `import.meta.url` (esbuild empties it and
//      pdfkit's module scope calls `new URL(…, import.meta.url)`): bundle as ESM.
// The unit tests bundle this adapter with esbuild: a bare bundle fails as described, (2) renders.
// So that a broken bundle fails at cold start and says why, rather than on every invoice, the constructor
// loads both fonts once and throws PdfFontsUnavailableError naming the fix.
//
// Characters the standard fonts cannot draw
// -----------------------------------------
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
//
// Personal data: the buyer's name, email and address appear only on the page, never in the document
// information dictionary (Title is the invoice number; no Author, Subject or Keywords). PDF 1.3 is kept
// so pdfkit writes no XMP metadata stream (it would copy the Title into XML unescaped).
import PDFDocument from 'pdfkit';
import type { PostalAddress } from '../domain/invoice';
import { type InvoiceDocument, taxBreakdown } from '../domain/invoice-document';
import { formatDate, formatMoney, formatTaxRate } from '../domain/money-format';
import { InvoiceRenderError, type InvoiceRenderer } from '../ports/invoice-renderer';

type Pdf = PDFKit.PDFDocument;

export interface PdfKitInvoiceRendererOptions {
  /**
   * Clock for the PDF CreationDate (which also seeds the file identifier). Inject a fixed date to get
   * byte-identical output for identical input.
   * @default - the current time
   */
  readonly now?: () => Date;
  /** Deflate page content streams. @default true */
  readonly compress?: boolean;
}

/** pdfkit could not load its standard font metrics: the deployment bundle lacks them (see the file header). */
export class PdfFontsUnavailableError extends Error {
  override readonly name = 'PdfFontsUnavailableError';
}

// ---------------------------------------------------------------------------------------------------
// WinAnsi text

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

function clean(text: string): string {
  return toWinAnsi(text).text;
}

/** One line: names, address lines and numbers never break a layout row. */
function cleanLine(text: string): string {
  return clean(text)
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

// ---------------------------------------------------------------------------------------------------
// Labels

interface Labels {
  readonly invoice: string;
  readonly number: string;
  readonly issueDate: string;
  readonly dueDate: string;
  readonly billTo: string;
  readonly taxId: string;
  readonly description: string;
  readonly quantity: string;
  readonly unitPrice: string;
  readonly taxRate: string;
  readonly amount: string;
  readonly taxBreakdownRate: string;
  readonly taxBreakdownBase: string;
  readonly taxBreakdownTax: string;
  readonly subtotal: string;
  readonly tax: string;
  readonly total: string;
  readonly amountPaid: string;
  readonly amountCredited: string;
  readonly amountDue: string;
  readonly paymentDetails: string;
  readonly notes: string;
  page(page: number, pages: number): string;
}

const english: Labels = {
  invoice: 'Invoice',
  number: 'Invoice number',
  issueDate: 'Issue date',
  dueDate: 'Due date',
  billTo: 'Bill to',
  taxId: 'Tax ID',
  description: 'Description',
  quantity: 'Qty',
  unitPrice: 'Unit price',
  taxRate: 'Tax',
  amount: 'Amount',
  taxBreakdownRate: 'Tax rate',
  taxBreakdownBase: 'Taxable amount',
  taxBreakdownTax: 'Tax',
  subtotal: 'Subtotal',
  tax: 'Tax',
  total: 'Total',
  amountPaid: 'Amount paid',
  amountCredited: 'Amount credited',
  amountDue: 'Amount due',
  paymentDetails: 'Payment details',
  notes: 'Notes',
  page: (page, pages) => `Page ${page} of ${pages}`,
};
const labelsByLanguage = new Map<string, Labels>([
  ['en', english],
  [
    'de',
    {
      invoice: 'Rechnung',
      number: 'Rechnungsnummer',
      issueDate: 'Rechnungsdatum',
      dueDate: 'Fällig am',
      billTo: 'Rechnungsempfänger',
      taxId: 'USt-IdNr.',
      description: 'Beschreibung',
      quantity: 'Menge',
      unitPrice: 'Einzelpreis',
      taxRate: 'USt.',
      amount: 'Betrag',
      taxBreakdownRate: 'USt.-Satz',
      taxBreakdownBase: 'Nettobetrag',
      taxBreakdownTax: 'USt.',
      subtotal: 'Zwischensumme',
      tax: 'Umsatzsteuer',
      total: 'Gesamtbetrag',
      amountPaid: 'Bereits bezahlt',
      amountCredited: 'Gutgeschrieben',
      amountDue: 'Offener Betrag',
      paymentDetails: 'Zahlungsinformationen',
      notes: 'Hinweise',
      page: (page, pages) => `Seite ${page} von ${pages}`,
    },
  ],
  [
    'fr',
    {
      invoice: 'Facture',
      number: 'Numéro de facture',
      issueDate: "Date d'émission",
      dueDate: "Date d'échéance",
      billTo: 'Facturé à',
      taxId: 'N° TVA',
      description: 'Désignation',
      quantity: 'Qté',
      unitPrice: 'Prix unitaire',
      taxRate: 'TVA',
      amount: 'Montant HT',
      taxBreakdownRate: 'Taux de TVA',
      taxBreakdownBase: 'Base HT',
      taxBreakdownTax: 'TVA',
      subtotal: 'Total HT',
      tax: 'TVA',
      total: 'Total TTC',
      amountPaid: 'Déjà payé',
      amountCredited: 'Avoir',
      amountDue: 'Reste à payer',
      paymentDetails: 'Modalités de paiement',
      notes: 'Remarques',
      page: (page, pages) => `Page ${page} sur ${pages}`,
    },
  ],
]);
const fallbackLanguage = 'en';

/**
 * The canonical form of a BCP 47 tag this runtime can format, else 'en'. Falling back explicitly keeps
 * the output independent of the host's default locale, which Intl would otherwise use.
 */
function resolveLocale(language: string): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(language);
    if (canonical !== undefined && Intl.NumberFormat.supportedLocalesOf(canonical).length > 0)
      return canonical;
  } catch {
    // RangeError: malformed tag. Fall through: a wrong label language is better than no invoice.
  }
  return fallbackLanguage;
}

// ---------------------------------------------------------------------------------------------------
// What is printed (every string formatted and made WinAnsi-safe before anything is drawn)

interface PartyView {
  readonly name: string;
  readonly details: readonly string[];
}

interface RowView {
  readonly description: string;
  readonly quantity: string;
  readonly unitPrice: string;
  readonly taxRate: string;
  readonly amount: string;
}

interface TotalView {
  readonly label: string;
  readonly value: string;
  readonly emphasis: 'normal' | 'strong' | 'final';
}

interface InvoiceView {
  readonly locale: string;
  readonly labels: Labels;
  readonly number: string;
  readonly issueDate: string;
  readonly dueDate: string;
  readonly seller: PartyView;
  readonly buyer: PartyView;
  readonly rows: readonly RowView[];
  readonly taxBreakdown: readonly { readonly rate: string; readonly base: string; readonly tax: string }[];
  readonly totals: readonly TotalView[];
  readonly paymentInstructions: string;
  readonly memo: string;
}

const regionNames = new Map<string, Intl.DisplayNames>();

function countryName(code: string, locale: string): string {
  const upper = code.trim().toUpperCase();
  const name = (forLocale: string): string | undefined => {
    let names = regionNames.get(forLocale);
    if (names === undefined) {
      names = new Intl.DisplayNames([forLocale], { type: 'region', fallback: 'code' });
      regionNames.set(forLocale, names);
    }
    try {
      return names.of(upper);
    } catch {
      return undefined; // not a well-formed region code: print it as given
    }
  };
  // A name in a script the font lacks (Germany in ru) would print as '?'s: use English, then the code.
  for (const candidate of [name(locale), name(fallbackLanguage)]) {
    if (candidate !== undefined && toWinAnsi(candidate).lossless) return clean(candidate);
  }
  return cleanLine(upper);
}

function addressLines(address: PostalAddress, locale: string): string[] {
  const lines = [address.line1, address.line2 ?? ''];
  const region = address.region ?? '';
  switch (address.country.trim().toUpperCase()) {
    case 'US':
    case 'CA':
    case 'AU':
      lines.push(`${address.city}${region ? `, ${region}` : ''} ${address.postalCode}`);
      break;
    case 'GB':
    case 'IE':
      lines.push(address.city, region, address.postalCode);
      break;
    default:
      lines.push(`${address.postalCode} ${address.city}`, region);
  }
  return [...lines.map(cleanLine), countryName(address.country, locale)].filter((line) => line.length > 0);
}

function present(document: InvoiceDocument): InvoiceView {
  const locale = resolveLocale(document.language);
  const labels = labelsByLanguage.get(new Intl.Locale(locale).language) ?? english;

  // The locale's currency symbol unless the font cannot draw it (₹, ₽, د.ب.): then the ISO code.
  const currency = document.currency;
  const symbolSample = formatMoney(123456789, currency, locale);
  const currencyDisplay = toWinAnsi(symbolSample).lossless ? 'symbol' : 'code';
  const money = (minorUnits: number | bigint): string =>
    cleanLine(formatMoney(minorUnits, currency, locale, { currencyDisplay }));
  // Month names the font cannot draw ("września", "сентября") would lose letters: use digits instead.
  const dateStyle =
    toWinAnsi(formatDate(document.issueDate, locale)).lossless &&
    toWinAnsi(formatDate(document.dueDate, locale)).lossless
      ? 'long'
      : 'numeric';
  const date = (isoDate: string): string => cleanLine(formatDate(isoDate, locale, dateStyle));
  const quantityFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 6, numberingSystem: 'latn' });
  const rate = (basisPoints: number): string => cleanLine(formatTaxRate(basisPoints, locale));

  const rows = document.lines.map((line) => {
    if (!Number.isFinite(line.quantity))
      throw new RangeError(`quantity must be finite, got ${line.quantity}`);
    return {
      description: clean(line.description).trim(),
      quantity: cleanLine(quantityFormat.format(line.quantity)),
      unitPrice: money(line.unitAmount),
      taxRate: rate(line.taxRateBps),
      amount: money(line.amount),
    };
  });

  const totals: TotalView[] = [
    { label: labels.subtotal, value: money(document.subtotal), emphasis: 'normal' },
    { label: labels.tax, value: money(document.tax), emphasis: 'normal' },
    { label: labels.total, value: money(document.total), emphasis: 'strong' },
  ];
  if (document.amountPaid !== 0) {
    totals.push({ label: labels.amountPaid, value: money(document.amountPaid), emphasis: 'normal' });
  }
  if (document.amountCredited !== 0) {
    totals.push({ label: labels.amountCredited, value: money(document.amountCredited), emphasis: 'normal' });
  }
  totals.push({ label: labels.amountDue, value: money(document.amountDue), emphasis: 'final' });

  const { seller, buyer } = document;
  const taxIdLine = (taxId: string | undefined): string[] =>
    taxId ? [cleanLine(`${labels.taxId}: ${taxId}`)] : [];
  return {
    locale,
    labels,
    number: cleanLine(document.number),
    issueDate: date(document.issueDate),
    dueDate: date(document.dueDate),
    seller: {
      name: cleanLine(seller.name),
      details: [
        ...addressLines(seller.address, locale),
        ...taxIdLine(seller.taxId),
        ...(seller.email ? [cleanLine(seller.email)] : []),
      ],
    },
    buyer: {
      name: cleanLine(buyer.name),
      details: [...addressLines(buyer.address, locale), cleanLine(buyer.email), ...taxIdLine(buyer.taxId)],
    },
    rows,
    // The sums per rate are the domain's (exact, in BigInt); here they are only formatted.
    taxBreakdown: taxBreakdown(document.lines).map((entry) => ({
      rate: rate(entry.taxRateBps),
      base: money(entry.base),
      tax: money(entry.tax),
    })),
    totals,
    paymentInstructions: clean(seller.paymentInstructions ?? '').trim(),
    memo: clean(document.memo ?? '').trim(),
  };
}

// ---------------------------------------------------------------------------------------------------
// Drawing

// A4 in PostScript points. The bottom margin leaves room for the footer.
const pageSize = { width: 595.28, height: 841.89 } as const;
const margins = { top: 50, bottom: 72, left: 50, right: 50 } as const;
const contentRight = pageSize.width - margins.right;
const bodyBottom = pageSize.height - margins.bottom;
const footerTop = pageSize.height - 48;

const fonts = { regular: 'Helvetica', bold: 'Helvetica-Bold' } as const;
const colors = { text: '#111111', muted: '#5f6368', rule: '#c8ccd0', strongRule: '#5f6368' } as const;
const bodySize = 9;
const lineHeight = 12;
const rowPadding = 4;

interface Column {
  readonly key: keyof RowView;
  readonly x: number;
  readonly width: number;
  readonly align: 'left' | 'right';
}
const columnGap = 8;
const lineColumns: readonly Column[] = (() => {
  const spec: readonly Omit<Column, 'x'>[] = [
    { key: 'description', width: 0, align: 'left' }, // takes what the others leave
    { key: 'quantity', width: 40, align: 'right' },
    { key: 'unitPrice', width: 85, align: 'right' },
    { key: 'taxRate', width: 45, align: 'right' },
    { key: 'amount', width: 95, align: 'right' },
  ];
  const fixed = spec.reduce((sum, column) => sum + column.width, 0) + columnGap * (spec.length - 1);
  let x = margins.left;
  return spec.map((column) => {
    const width = column.width || contentRight - margins.left - fixed;
    const placed = { ...column, x, width };
    x += width + columnGap;
    return placed;
  });
})();

/** Draws top to bottom, adding pages itself: pdfkit's own automatic page breaks are never triggered. */
class Canvas {
  y: number = margins.top;
  private size = bodySize;

  constructor(readonly pdf: Pdf) {}

  font(name: string, size: number, color: string = colors.text): void {
    this.size = size;
    this.pdf.font(name).fontSize(size).fillColor(color);
  }

  /** Draws one line of WinAnsi text with its top at y; lineBreak: false keeps pdfkit from wrapping or paging. */
  text(text: string, x: number, y: number = this.y): void {
    if (text.length > 0) this.pdf.text(text, x, y, { lineBreak: false });
  }

  /** Right-aligned at `right`, shrunk to fit `maxWidth` (a 10^15 amount still fits its column). */
  textRight(text: string, right: number, maxWidth: number, y: number = this.y): void {
    const width = this.pdf.widthOfString(text);
    if (width > maxWidth) {
      this.pdf.fontSize((this.size * maxWidth) / width);
      this.pdf.text(text, right - maxWidth, y, { lineBreak: false });
      this.pdf.fontSize(this.size);
      return;
    }
    this.text(text, right - width, y);
  }

  rule(y: number, from: number = margins.left, to: number = contentRight, color: string = colors.rule): void {
    this.pdf
      .moveTo(from, y)
      .lineTo(to, y)
      .lineWidth(color === colors.rule ? 0.5 : 0.8)
      .strokeColor(color)
      .stroke();
  }

  fits(height: number): boolean {
    return this.y + height <= bodyBottom;
  }

  newPage(): void {
    this.pdf.addPage({ size: 'A4', margins });
    this.y = margins.top;
  }

  /**
   * Greedy word wrap with the current font; a word wider than the column is cut between characters.
   * Widths are summed word by word (a line's width plus " word") rather than re-measuring the whole
   * line for every word, which was most of the cost of long descriptions. The sum ignores the kerning
   * between a line's last letter and the space; Helvetica only kerns space pairs closer, so the sum can
   * only overestimate and a line never exceeds the column.
   */
  wrap(text: string, width: number): string[] {
    const lines: string[] = [];
    for (const paragraph of text.split('\n')) {
      let line = '';
      let lineWidth = 0;
      for (const word of paragraph.split(' ')) {
        if (word.length === 0) continue;
        const addedWidth = this.pdf.widthOfString(line === '' ? word : ` ${word}`);
        if (lineWidth + addedWidth <= width) {
          line = line === '' ? word : `${line} ${word}`;
          lineWidth += addedWidth;
          continue;
        }
        if (line !== '') lines.push(line);
        let rest = word;
        while (rest.length > 1 && this.pdf.widthOfString(rest) > width) {
          const cut = this.fittingPrefix(rest, width);
          lines.push(rest.slice(0, cut));
          rest = rest.slice(cut);
        }
        line = rest;
        lineWidth = this.pdf.widthOfString(rest);
      }
      lines.push(line);
    }
    return lines;
  }

  private fittingPrefix(word: string, width: number): number {
    let used = 0;
    for (let index = 0; index < word.length; index++) {
      used += this.pdf.widthOfString(word.charAt(index));
      // At least one character per line, or a glyph wider than the column would loop forever.
      if (used > width) return Math.max(index, 1);
    }
    return word.length;
  }

  /** A heading and wrapped paragraph that may continue on the next pages, line by line. */
  paragraph(heading: string, body: string): void {
    this.font(fonts.regular, bodySize);
    const lines = this.wrap(body, contentRight - margins.left);
    this.y += 14;
    if (!this.fits(lineHeight * 2)) this.newPage();
    this.font(fonts.bold, bodySize);
    this.text(heading, margins.left);
    this.y += lineHeight + 2;
    this.font(fonts.regular, bodySize);
    for (const line of lines) {
      if (!this.fits(lineHeight)) this.newPage();
      this.text(line, margins.left);
      this.y += lineHeight;
    }
  }
}

function drawHeader(canvas: Canvas, view: InvoiceView): void {
  const { labels } = view;
  const leftWidth = 260;
  const rightLeft = 330;

  // Seller, top left.
  let left = margins.top;
  canvas.font(fonts.bold, 12);
  for (const line of canvas.wrap(view.seller.name, leftWidth)) {
    canvas.text(line, margins.left, left);
    left += 15;
  }
  canvas.font(fonts.regular, bodySize, colors.muted);
  for (const detail of view.seller.details) {
    for (const line of canvas.wrap(detail, leftWidth)) {
      canvas.text(line, margins.left, left);
      left += lineHeight;
    }
  }

  // Title and invoice facts, top right.
  let right = margins.top;
  canvas.font(fonts.bold, 22);
  canvas.textRight(labels.invoice.toUpperCase(), contentRight, contentRight - rightLeft, right);
  right += 34;
  for (const [label, value] of [
    [labels.number, view.number],
    [labels.issueDate, view.issueDate],
    [labels.dueDate, view.dueDate],
  ] as const) {
    canvas.font(fonts.regular, bodySize, colors.muted);
    canvas.text(label, rightLeft, right);
    canvas.font(fonts.bold, bodySize);
    canvas.textRight(value, contentRight, contentRight - rightLeft - 90, right);
    right += lineHeight + 2;
  }

  // Buyer.
  let y = Math.max(left, right) + 26;
  canvas.font(fonts.bold, 8, colors.muted);
  canvas.text(labels.billTo.toUpperCase(), margins.left, y);
  y += lineHeight;
  canvas.font(fonts.bold, 11);
  for (const line of canvas.wrap(view.buyer.name, leftWidth)) {
    canvas.text(line, margins.left, y);
    y += 14;
  }
  canvas.font(fonts.regular, bodySize);
  for (const detail of view.buyer.details) {
    for (const line of canvas.wrap(detail, leftWidth)) {
      canvas.text(line, margins.left, y);
      y += lineHeight;
    }
  }
  canvas.y = y + 24;
}

function drawTableHeader(canvas: Canvas, labels: Labels): void {
  canvas.font(fonts.bold, 8.5, colors.muted);
  const titles: Record<keyof RowView, string> = {
    description: labels.description,
    quantity: labels.quantity,
    unitPrice: labels.unitPrice,
    taxRate: labels.taxRate,
    amount: labels.amount,
  };
  for (const column of lineColumns) {
    const title = titles[column.key];
    if (column.align === 'left') canvas.text(title, column.x);
    else canvas.textRight(title, column.x + column.width, column.width);
  }
  canvas.y += lineHeight + 1;
  canvas.rule(canvas.y, margins.left, contentRight, colors.strongRule);
}

function drawLines(canvas: Canvas, view: InvoiceView): void {
  const [descriptionColumn, ...numberColumns] = lineColumns;
  if (descriptionColumn === undefined) return;
  drawTableHeader(canvas, view.labels);
  for (const row of view.rows) {
    canvas.font(fonts.regular, bodySize);
    const lines = canvas.wrap(row.description, descriptionColumn.width);
    // The first description line stays with the numbers; later lines may continue on the next page.
    if (!canvas.fits(rowPadding * 2 + lineHeight)) {
      canvas.newPage();
      drawTableHeader(canvas, view.labels);
      canvas.font(fonts.regular, bodySize);
    }
    canvas.y += rowPadding;
    for (const column of numberColumns) {
      canvas.textRight(row[column.key], column.x + column.width, column.width);
    }
    lines.forEach((line, index) => {
      if (index > 0 && !canvas.fits(lineHeight + rowPadding)) {
        canvas.newPage();
        drawTableHeader(canvas, view.labels);
        canvas.font(fonts.regular, bodySize);
        canvas.y += rowPadding;
      }
      canvas.text(line, descriptionColumn.x);
      canvas.y += lineHeight;
    });
    canvas.y += rowPadding;
    canvas.rule(canvas.y);
  }
}

/** Totals on the right, kept together; the tax breakdown on the left, row by row across pages if long. */
function drawSummary(canvas: Canvas, view: InvoiceView): void {
  const totalsLeft = 330;
  const totalsHeight = view.totals.length * (lineHeight + 4) + 10;
  canvas.y += 16;
  if (!canvas.fits(totalsHeight)) canvas.newPage();
  const top = canvas.y;
  const startPage = canvas.pdf.bufferedPageRange().count;

  let y = top;
  for (const total of view.totals) {
    if (total.emphasis === 'final') {
      y += 4;
      canvas.rule(y - 3, totalsLeft, contentRight, colors.strongRule);
    }
    const size = total.emphasis === 'final' ? 11 : bodySize;
    canvas.font(total.emphasis === 'normal' ? fonts.regular : fonts.bold, size);
    canvas.text(total.label, totalsLeft, y);
    canvas.textRight(total.value, contentRight, contentRight - totalsLeft - 95, y);
    y += (total.emphasis === 'final' ? 15 : lineHeight) + 4;
  }
  const totalsBottom = y;

  // Tax breakdown, left of the totals: rate | taxable amount | tax.
  const baseRight = margins.left + 170;
  const taxRight = totalsLeft - 20;
  const amountWidth = 85;
  const breakdownRow = (rate: string, base: string, tax: string): void => {
    canvas.text(rate, margins.left);
    canvas.textRight(base, baseRight, amountWidth);
    canvas.textRight(tax, taxRight, amountWidth);
  };
  canvas.font(fonts.bold, 8.5, colors.muted);
  breakdownRow(view.labels.taxBreakdownRate, view.labels.taxBreakdownBase, view.labels.taxBreakdownTax);
  canvas.y += lineHeight + 1;
  canvas.rule(canvas.y, margins.left, taxRight, colors.strongRule);
  canvas.font(fonts.regular, bodySize);
  for (const entry of view.taxBreakdown) {
    if (!canvas.fits(lineHeight + rowPadding)) {
      canvas.newPage();
      canvas.font(fonts.regular, bodySize);
    }
    canvas.y += rowPadding;
    breakdownRow(entry.rate, entry.base, entry.tax);
    canvas.y += lineHeight;
  }
  if (canvas.pdf.bufferedPageRange().count === startPage) canvas.y = Math.max(canvas.y, totalsBottom);
}

/** Page numbers, only once the document has more than one page. Needs bufferPages. */
function drawFooters(canvas: Canvas, view: InvoiceView): void {
  const { start, count } = canvas.pdf.bufferedPageRange();
  if (count < 2) return;
  for (let index = 0; index < count; index++) {
    canvas.pdf.switchToPage(start + index);
    canvas.rule(footerTop - 6, margins.left, contentRight, colors.rule);
    canvas.font(fonts.regular, 8, colors.muted);
    canvas.text(view.number, margins.left, footerTop);
    canvas.textRight(view.labels.page(index + 1, count), contentRight, 150, footerTop);
  }
}

let standardFontsLoaded = false;

/** Loads the two fonts once per process, so a bundle without them fails at cold start with the fix. */
function assertStandardFontsLoadable(): void {
  if (standardFontsLoaded) return;
  try {
    new PDFDocument({ autoFirstPage: false, font: fonts.regular }).font(fonts.bold);
  } catch (error) {
    throw new PdfFontsUnavailableError(
      'pdfkit cannot load the standard font metrics (#standard-fonts/Helvetica*). When bundled, either keep ' +
        'pdfkit external (installed in node_modules) or copy node_modules/pdfkit/js/standard-fonts next to the ' +
        'bundle with a package.json mapping {"imports":{"#standard-fonts/*":"./standard-fonts/*.cjs"}}; ' +
        'see functions/adapters/pdfkit-invoice-renderer.ts.',
      { cause: error },
    );
  }
  standardFontsLoaded = true;
}

function collect(pdf: Pdf): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    pdf.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    pdf.on('error', reject);
    pdf.on('end', () => {
      const bytes = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
      resolve(bytes);
    });
  });
}

export class PdfKitInvoiceRenderer implements InvoiceRenderer {
  private readonly now: () => Date;
  private readonly compress: boolean;

  /** Throws PdfFontsUnavailableError when the deployment lacks pdfkit's font data (see the file header). */
  constructor(options: PdfKitInvoiceRendererOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.compress = options.compress ?? true;
    assertStandardFontsLoadable();
  }

  async render(document: InvoiceDocument): Promise<Uint8Array> {
    try {
      // Format and validate everything first, so bad input fails before a document is begun.
      const view = present(document);
      const pdf = new PDFDocument({
        size: 'A4',
        margins,
        bufferPages: true, // footers need the page count, known only at the end
        compress: this.compress,
        lang: view.locale,
        displayTitle: true,
        font: fonts.regular,
        // Title is the invoice number only: nothing personal in metadata (see the file header).
        info: { Title: view.number, Creator: 'Ledgerlock', CreationDate: this.now() },
      });
      const bytes = collect(pdf);
      const canvas = new Canvas(pdf);
      drawHeader(canvas, view);
      drawLines(canvas, view);
      drawSummary(canvas, view);
      if (view.paymentInstructions) canvas.paragraph(view.labels.paymentDetails, view.paymentInstructions);
      if (view.memo) canvas.paragraph(view.labels.notes, view.memo);
      drawFooters(canvas, view);
      pdf.end();
      return await bytes;
    } catch (error) {
      // The message names no field value: the document holds personal data and errors get logged.
      throw new InvoiceRenderError('could not render the invoice PDF', { cause: error });
    }
  }
}
