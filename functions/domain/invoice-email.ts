// domain: the email around an invoice document — what the customer reads next to the PDF. Pure.
import type { Invoice } from './invoice';
import { toInvoiceDocument } from './invoice-document';
import { formatDate, formatMoney } from './money-format';
import type { SellerProfile } from './seller';

const wording = {
  en: {
    subject: (seller: string, number: string) => `Invoice ${number} from ${seller}`,
    greeting: (name: string) => `Dear ${name},`,
    body: (number: string, amount: string, due: string) =>
      `please find attached invoice ${number}. The amount due is ${amount}, payable by ${due}.`,
    payment: 'Payment details',
    closing: 'Kind regards',
  },
  de: {
    subject: (seller: string, number: string) => `Rechnung ${number} von ${seller}`,
    greeting: (name: string) => `Guten Tag ${name},`,
    body: (number: string, amount: string, due: string) =>
      `anbei erhalten Sie die Rechnung ${number}. Der offene Betrag von ${amount} ist fällig am ${due}.`,
    payment: 'Zahlungsinformationen',
    closing: 'Mit freundlichen Grüßen',
  },
} as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function composeInvoiceEmail(invoice: Invoice, seller: SellerProfile) {
  const document = toInvoiceDocument(invoice, seller);
  const language = document.language;
  const words = language.toLowerCase().startsWith('de') ? wording.de : wording.en;
  const amount = formatMoney(invoice.amountDue, invoice.currency, language);
  const due = formatDate(document.dueDate, language);
  const paragraphs = [
    words.greeting(invoice.customer.name),
    words.body(document.number, amount, due),
    ...(seller.paymentInstructions === undefined ? [] : [`${words.payment}:\n${seller.paymentInstructions}`]),
    `${words.closing}\n${seller.name}`,
  ];
  return {
    subject: words.subject(seller.name, document.number),
    text: `${paragraphs.join('\n\n')}\n`,
    html: `<!doctype html><html lang="${escapeHtml(language)}"><body>${paragraphs
      .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
      .join('')}</body></html>`,
    filename: `${document.number}.pdf`,
    document,
  };
}
