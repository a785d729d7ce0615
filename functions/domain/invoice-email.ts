// domain: the email around an invoice document — what the customer reads next to the PDF. Pure.
//
// It never asks for money that is not due. The pipeline emails only issued and paid invoices (a void one
// cannot be sent: see requestDelivery), but the function is also how api-read builds the document of a
// PDF download, void invoices included. So for a void invoice it does not throw: it composes a notice
// that the invoice is void and must not be paid, without the amount, due date or payment details.

import type { Invoice } from './invoice';
import { type InvoiceDocument, toInvoiceDocument } from './invoice-document';
import { formatDate, formatMoney } from './money-format';
import type { SellerProfile } from './seller';

const wording = {
  en: {
    subject: (seller: string, number: string) => `Invoice ${number} from ${seller}`,
    voidSubject: (seller: string, number: string) => `VOID – Invoice ${number} from ${seller}`,
    greeting: (name: string) => `Dear ${name},`,
    body: (number: string, amount: string, due: string) =>
      `please find attached invoice ${number}. The amount due is ${amount}, payable by ${due}.`,
    paidBody: (number: string, total: string) =>
      `please find attached invoice ${number} of ${total}. It has been paid in full; nothing is due.`,
    voidBody: (number: string) =>
      `invoice ${number} has been voided and is attached for your records only. Nothing is due: please do not pay it.`,
    payment: 'Payment details',
    closing: 'Kind regards',
  },
  de: {
    subject: (seller: string, number: string) => `Rechnung ${number} von ${seller}`,
    voidSubject: (seller: string, number: string) => `STORNIERT – Rechnung ${number} von ${seller}`,
    greeting: (name: string) => `Guten Tag ${name},`,
    body: (number: string, amount: string, due: string) =>
      `anbei erhalten Sie die Rechnung ${number}. Der offene Betrag von ${amount} ist fällig am ${due}.`,
    paidBody: (number: string, total: string) =>
      `anbei erhalten Sie die Rechnung ${number} über ${total}. Sie ist vollständig bezahlt; es ist kein Betrag offen.`,
    voidBody: (number: string) =>
      `die Rechnung ${number} wurde storniert; Sie erhalten sie nur für Ihre Unterlagen. Es ist kein Betrag offen – bitte nicht bezahlen.`,
    payment: 'Zahlungsinformationen',
    closing: 'Mit freundlichen Grüßen',
  },
} as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** What the email says about money: the request to pay on an issued invoice, and only there. */
function statement(document: InvoiceDocument, words: (typeof wording)[keyof typeof wording]): string {
  const money = (minorUnits: number) => formatMoney(minorUnits, document.currency, document.language);
  switch (document.status) {
    case 'void':
      return words.voidBody(document.number);
    case 'paid':
      return words.paidBody(document.number, money(document.total));
    case 'issued':
      return words.body(
        document.number,
        money(document.amountDue),
        formatDate(document.dueDate, document.language),
      );
  }
}

export function composeInvoiceEmail(invoice: Invoice, seller: SellerProfile) {
  const document = toInvoiceDocument(invoice, seller);
  const language = document.language;
  const words = language.toLowerCase().startsWith('de') ? wording.de : wording.en;
  // The document carries payment instructions only when it is payable (see toInvoiceDocument).
  const { paymentInstructions } = document.seller;
  const paragraphs = [
    words.greeting(invoice.customer.name),
    statement(document, words),
    ...(paymentInstructions === undefined ? [] : [`${words.payment}:\n${paymentInstructions}`]),
    `${words.closing}\n${seller.name}`,
  ];
  const subject = document.status === 'void' ? words.voidSubject : words.subject;
  return {
    subject: subject(seller.name, document.number),
    text: `${paragraphs.join('\n\n')}\n`,
    html: `<!doctype html><html lang="${escapeHtml(language)}"><body>${paragraphs
      .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
      .join('')}</body></html>`,
    filename: `${document.number}.pdf`,
    document,
  };
}
