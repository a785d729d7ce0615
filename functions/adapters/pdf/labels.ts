// adapter: pdfkit → InvoiceRenderer — the printed labels per language, and the locale every string follows.
import type { InvoiceDocumentStatus } from '../../domain/invoice-document';

/** A status the document is marked with: every status but 'issued'. */
export type MarkedStatus = Exclude<InvoiceDocumentStatus, 'issued'>;

export interface Labels {
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
  readonly status: string;
  /** The large marking stamped on every page of a paid or void document, and put before its title. */
  readonly stamp: Readonly<Record<MarkedStatus, string>>;
  /** One sentence under the totals saying that nothing is to be paid. */
  readonly statusNotice: Readonly<Record<MarkedStatus, string>>;
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
  status: 'Status',
  stamp: { paid: 'PAID', void: 'VOID' },
  statusNotice: {
    paid: 'This invoice has been paid in full. Nothing is due.',
    void: 'This invoice has been voided. Nothing is due: do not pay it.',
  },
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
      status: 'Status',
      stamp: { paid: 'BEZAHLT', void: 'STORNIERT' },
      statusNotice: {
        paid: 'Diese Rechnung ist vollständig bezahlt. Es ist kein Betrag offen.',
        void: 'Diese Rechnung wurde storniert. Es ist kein Betrag offen; bitte nicht bezahlen.',
      },
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
      status: 'Statut',
      stamp: { paid: 'PAYÉE', void: 'ANNULÉE' },
      statusNotice: {
        paid: "Cette facture a été payée intégralement. Aucun montant n'est dû.",
        void: "Cette facture a été annulée. Aucun montant n'est dû : ne la payez pas.",
      },
      page: (page, pages) => `Page ${page} sur ${pages}`,
    },
  ],
]);
export const fallbackLanguage = 'en';

/**
 * The canonical form of a BCP 47 tag this runtime can format, else 'en'. Falling back explicitly keeps
 * the output independent of the host's default locale, which Intl would otherwise use.
 */
export function resolveLocale(language: string): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(language);
    if (canonical !== undefined && Intl.NumberFormat.supportedLocalesOf(canonical).length > 0)
      return canonical;
  } catch {
    // RangeError: malformed tag. Fall through: a wrong label language is better than no invoice.
  }
  return fallbackLanguage;
}

/** The labels of the locale's language; English for a language without its own. */
export function labelsFor(locale: string): Labels {
  return labelsByLanguage.get(new Intl.Locale(locale).language) ?? english;
}
