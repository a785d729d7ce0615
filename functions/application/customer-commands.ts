// application: the customer write use cases, as plans the mutation runner commits.
import { createCustomer, toCustomerView, updateCustomer } from '../domain/customer';
import type { IdKind } from '../platform/key-layout';
import type { CustomerRepository } from '../ports/customer-repository';
import { UnknownEntityError } from './errors';
import type { Command } from './request';

export const customerNotFound = () => new UnknownEntityError('no customer with this id');

export function makeCustomerCommands(dependencies: {
  readonly customers: CustomerRepository;
  readonly newId: (kind: IdKind) => string;
}) {
  const create: Command<'createCustomer'> = async ({ caller, body }, now) => {
    const { paymentReference, ...details } = body;
    const customer = createCustomer(
      { details, paymentReference },
      { id: dependencies.newId('customer'), tenantId: caller.tenantId, now },
    );
    return {
      changes: [{ type: 'putCustomer', customer, expectedVersion: null }],
      audit: { action: 'customer.created', entityType: 'customer', entityId: customer.id },
      reply: { body: toCustomerView(customer), location: `/v1/customers/${customer.id}` },
    };
  };

  const update: Command<'updateCustomer'> = async ({ caller, body, path }, now) => {
    const { paymentReference, ...details } = body;
    const customer = await dependencies.customers.get(caller.tenantId, path.customerId);
    if (customer === undefined) throw customerNotFound();
    const updated = updateCustomer(
      customer,
      { details, ...(paymentReference === undefined ? {} : { paymentReference }) },
      now,
    );
    const emailChanged = details.email !== undefined && details.email !== customer.details.email;
    return {
      changes: [{ type: 'putCustomer', customer: updated, expectedVersion: customer.version }],
      audit: {
        action: 'customer.updated',
        entityType: 'customer',
        entityId: customer.id,
        details: {
          fields: Object.keys(details)
            .concat(paymentReference === undefined ? [] : ['paymentReference'])
            .join(','),
          emailChanged,
        },
      },
      reply: { body: toCustomerView(updated) },
    };
  };

  return { createCustomer: create, updateCustomer: update };
}
