// domain: the tenant as a seller — what its invoices and emails say about it, and where it is paid. Pure.
import type { PostalAddress } from './invoice';

/** Where customers pay the seller. A change of it just before invoices go out is the classic redirection fraud. */
export interface Payout {
  /** Electronic format: no spaces, capital letters (`DE02120300000000202051`). */
  readonly iban: string;
  readonly bic?: string;
  readonly accountHolder: string;
}

/** May be personal data (a sole trader's name, address and account), so all of it is sealed at rest. */
export interface SellerProfile {
  readonly name: string;
  readonly address: PostalAddress;
  readonly taxId?: string;
  /** Reply-to for invoice emails. */
  readonly email?: string;
  readonly payout?: Payout;
  /** Extra text printed under "Payment details", e.g. "quote the invoice number". */
  readonly paymentInstructions?: string;
}

/** ISO 13616 check: move the first four characters to the end, letters to numbers, the rest mod 97 is 1. */
export function isValidIban(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = `${iban.slice(4)}${iban.slice(0, 4)}`;
  let remainder = 0;
  for (const character of rearranged) {
    const value = /\d/.test(character) ? character : String(character.charCodeAt(0) - 55);
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** `DE02 1203 0000 0000 2020 51`, as printed. */
export function formatIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}

/** The text under "Payment details" on a payable invoice: the payout account and any extra instructions. */
export function paymentDetailsOf(seller: SellerProfile): string | undefined {
  const parts = [
    ...(seller.payout === undefined
      ? []
      : [
          `IBAN ${formatIban(seller.payout.iban)}`,
          ...(seller.payout.bic === undefined ? [] : [`BIC ${seller.payout.bic}`]),
          seller.payout.accountHolder,
        ]),
    ...(seller.paymentInstructions === undefined ? [] : [seller.paymentInstructions]),
  ];
  return parts.length === 0 ? undefined : parts.join(' · ');
}

/** Whether an update changes where the seller is paid (the detector watches this). */
export function payoutChanged(before: SellerProfile | undefined, after: SellerProfile): boolean {
  const a = before?.payout;
  const b = after.payout;
  return a?.iban !== b?.iban || a?.bic !== b?.bic || a?.accountHolder !== b?.accountHolder;
}
