// application: the customer read use cases, including the exact look-up by email through the blind index.
import { toCustomerView } from '../domain/customer';
import type { CustomerRepository } from '../ports/customer-repository';
import { customerNotFound } from './customer-commands';
import { defaultPageSize } from './invoice-queries';
import type { Query } from './request';

export function makeCustomerQueries(dependencies: { readonly customers: CustomerRepository }) {
  const { customers } = dependencies;

  const getCustomer: Query<'getCustomer'> = async ({ caller, path }) => {
    const customer = await customers.get(caller.tenantId, path.customerId);
    if (customer === undefined) throw customerNotFound();
    return { body: toCustomerView(customer) };
  };

  const listCustomers: Query<'listCustomers'> = async ({ caller, query }) => {
    const { email, limit, cursor } = query;
    if (email !== undefined) {
      const found = await customers.findByEmail(caller.tenantId, email);
      return { body: { items: found.map(toCustomerView) } };
    }
    const page = await customers.list(caller.tenantId, limit ?? defaultPageSize, cursor);
    return { body: { ...page, items: page.items.map(toCustomerView) } };
  };

  return { getCustomer, listCustomers };
}
