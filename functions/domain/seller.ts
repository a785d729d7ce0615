// domain: the tenant as a seller — what its invoices and emails say about it. Pure, no AWS import.
import type { PostalAddress } from './invoice';

/** May be personal data (a sole trader's name and address), so it is sealed at rest like customers. */
export interface SellerProfile {
  readonly name: string;
  readonly address: PostalAddress;
  readonly taxId?: string;
  /** Reply-to for invoice emails. */
  readonly email?: string;
  /** Printed under "Payment details", e.g. IBAN, BIC and the reference to quote. */
  readonly paymentInstructions?: string;
}
