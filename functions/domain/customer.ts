// domain: customers a tenant bills. All their details are personal data, sealed at rest. Pure, no AWS import.
import type { CustomerDetails } from './invoice';

export interface Customer {
  readonly id: string;
  readonly tenantId: string;
  readonly details: CustomerDetails;
  /** Bank or payment reference (e.g. a mandate id); personal data. */
  readonly paymentReference?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** The blind index purpose of customer emails (tenant and purpose are both part of what is MACed). */
export const emailIndexPurpose = 'customer-email';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function createCustomer(
  input: { readonly details: CustomerDetails; readonly paymentReference?: string | undefined },
  identity: { readonly id: string; readonly tenantId: string; readonly now: Date },
): Customer {
  const timestamp = identity.now.toISOString();
  return {
    id: identity.id,
    tenantId: identity.tenantId,
    details: input.details,
    ...(input.paymentReference === undefined ? {} : { paymentReference: input.paymentReference }),
    createdAt: timestamp,
    updatedAt: timestamp,
    version: 1,
  };
}

export function updateCustomer(
  customer: Customer,
  patch: { readonly details?: Partial<CustomerDetails>; readonly paymentReference?: string | null },
  now: Date,
): Customer {
  const { paymentReference: _previous, ...rest } = customer;
  const paymentReference =
    patch.paymentReference === undefined ? customer.paymentReference : (patch.paymentReference ?? undefined);
  return {
    ...rest,
    details: { ...customer.details, ...patch.details },
    ...(paymentReference === undefined ? {} : { paymentReference }),
    updatedAt: now.toISOString(),
    version: customer.version + 1,
  };
}

export function toCustomerView(customer: Customer) {
  return {
    id: customer.id,
    ...customer.details,
    ...(customer.paymentReference === undefined ? {} : { paymentReference: customer.paymentReference }),
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
  };
}
