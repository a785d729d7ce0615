// adapter: pdfkit → InvoiceRenderer — the document as printed strings: labels, money, dates, addresses.
//
// Every string is formatted and made WinAnsi-safe here, before anything is drawn, so bad input fails
// before a PDF is begun. The numbers come from the domain (amounts, amount due, tax per rate); this file
// only decides how they read, and what a paid or void document shows instead of a request to pay.

import type { PostalAddress } from '../../domain/invoice';
import {
  type InvoiceDocument,
  type InvoiceDocumentStatus,
  invoiceDocumentStatuses,
  isPayable,
  taxBreakdown,
} from '../../domain/invoice-document';
import { formatDate, formatMoney, formatTaxRate } from '../../domain/money-format';
import { fallbackLanguage, type Labels, labelsFor, type MarkedStatus, resolveLocale } from './labels';
import { clean, cleanLine, toWinAnsi } from './win-ansi';

export interface PartyView {
  readonly name: string;
  readonly details: readonly string[];
}

export interface RowView {
  readonly description: string;
  readonly quantity: string;
  readonly unitPrice: string;
  readonly taxRate: string;
  readonly amount: string;
}

export interface TaxRateView {
  readonly rate: string;
  readonly base: string;
  readonly tax: string;
}

export interface TotalView {
  readonly label: string;
  readonly value: string;
  readonly emphasis: 'normal' | 'strong' | 'final';
}

/** A paid or void document's marking: the stamp on every page and the sentence under the totals. */
export interface MarkingView {
  readonly status: MarkedStatus;
  readonly stamp: string;
  readonly notice: string;
}

export interface InvoiceView {
  readonly locale: string;
  readonly labels: Labels;
  /** The PDF's Title: the number, preceded by the marking on a void document (nothing personal). */
  readonly title: string;
  /** The heading of the first page, e.g. "INVOICE" or "VOID – INVOICE". */
  readonly heading: string;
  readonly number: string;
  readonly issueDate: string;
  readonly dueDate: string;
  readonly seller: PartyView;
  readonly buyer: PartyView;
  readonly rows: readonly RowView[];
  readonly taxBreakdown: readonly TaxRateView[];
  readonly totals: readonly TotalView[];
  /** Absent on an issued document. */
  readonly marking?: MarkingView;
  /** Empty unless the document is payable: a paid or void one never shows bank details. */
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

/**
 * The document's status, checked against its amount due, so a renderer never prints a void or paid
 * document that still asks for money, whoever built it.
 */
function checkedStatus(document: InvoiceDocument): InvoiceDocumentStatus {
  // Typed callers always set it; an untyped caller written before the field existed sends none and
  // keeps the issued layout it always had.
  const status: InvoiceDocumentStatus = document.status ?? 'issued';
  if (!invoiceDocumentStatuses.includes(status)) throw new RangeError('unknown document status');
  if (status !== 'issued' && document.amountDue !== 0) {
    throw new RangeError(`a ${status} document has nothing due, so its amountDue must be 0`);
  }
  return status;
}

export function presentInvoice(document: InvoiceDocument): InvoiceView {
  const status = checkedStatus(document);
  const locale = resolveLocale(document.language);
  const labels = labelsFor(locale);

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

  const number = cleanLine(document.number);
  const marking =
    status === 'issued'
      ? undefined
      : { status, stamp: labels.stamp[status], notice: labels.statusNotice[status] };
  // A void document says so wherever it is seen: heading, every page, and the viewer's window title.
  const titleWord = status === 'void' ? `${labels.stamp.void} – ${labels.invoice}` : labels.invoice;
  const { seller, buyer } = document;
  const taxIdLine = (taxId: string | undefined): string[] =>
    taxId ? [cleanLine(`${labels.taxId}: ${taxId}`)] : [];
  const payable = isPayable({ status, amountDue: document.amountDue });
  return {
    locale,
    labels,
    title: status === 'void' ? `${titleWord} ${number}` : number,
    heading: titleWord.toUpperCase(),
    number,
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
    taxBreakdown: taxBreakdown(document.lines).map((entry) => ({
      rate: rate(entry.taxRateBps),
      base: money(entry.base),
      tax: money(entry.tax),
    })),
    totals,
    ...(marking === undefined ? {} : { marking }),
    // The domain already leaves bank details out of a document nobody should pay; this holds for
    // documents built elsewhere too.
    paymentInstructions: payable ? clean(seller.paymentInstructions ?? '').trim() : '',
    memo: clean(document.memo ?? '').trim(),
  };
}
