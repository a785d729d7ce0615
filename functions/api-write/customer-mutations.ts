// entry support: the customer write operations of api-write, as plans the mutation runner commits.
import { createCustomer, toCustomerView, updateCustomer } from '../domain/customer';
import { NotFoundError } from '../platform/errors';
import { jsonResponse, parseJsonBody, parsePathParameter } from '../platform/http';
import type { Mutation } from '../platform/mutations';
import { createCustomerSchema, customerIdSchema, updateCustomerSchema } from '../platform/schemas';
import type { CustomerRepository } from '../ports/customer-repository';

export const customerNotFound = () => new NotFoundError('no customer with this id');

export function makeCustomerMutations(dependencies: {
  readonly customers: CustomerRepository;
  readonly newId: (prefix: string) => string;
}) {
  const create: Mutation = async (event, caller, now) => {
    const { paymentReference, ...details } = parseJsonBody(event, createCustomerSchema);
    const customer = createCustomer(
      { details, paymentReference },
      { id: dependencies.newId('cus'), tenantId: caller.tenantId, now },
    );
    const response = jsonResponse(201, toCustomerView(customer));
    return {
      changes: [{ type: 'putCustomer', customer, expectedVersion: null }],
      audit: { action: 'customer.created', entityType: 'customer', entityId: customer.id },
      response: { ...response, headers: { ...response.headers, location: `/v1/customers/${customer.id}` } },
    };
  };

  const update: Mutation = async (event, caller, now) => {
    const customerId = parsePathParameter(event, 'customerId', customerIdSchema, customerNotFound);
    const { paymentReference, ...details } = parseJsonBody(event, updateCustomerSchema);
    const customer = await dependencies.customers.get(caller.tenantId, customerId);
    if (customer === undefined) throw customerNotFound();
    const updated = updateCustomer(
      customer,
      { details, ...(paymentReference === undefined ? {} : { paymentReference }) },
      now,
    );
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
        },
      },
      response: jsonResponse(200, toCustomerView(updated)),
    };
  };

  return { createCustomer: create, updateCustomer: update };
}
