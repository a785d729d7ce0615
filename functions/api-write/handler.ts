// entry: api-write — every mutation; its role can write the table and generate data keys.
import { randomBytes } from 'node:crypto';
import { writeSideFromEnvironment } from '../platform/dependencies';
import { apiMiddleware } from '../platform/middleware';
import { type Mutation, makeMutationRunner } from '../platform/mutations';
import { createObservability, type Observability } from '../platform/observability';
import { makeRouter, type Operation } from '../platform/router';
import type { CustomerRepository } from '../ports/customer-repository';
import type { IdempotencyStore } from '../ports/idempotency-store';
import type { InvoiceRepository } from '../ports/invoice-repository';
import type { Ledger } from '../ports/ledger';
import { makeCustomerMutations } from './customer-mutations';
import { makeInvoiceMutations } from './invoice-mutations';

export interface ApiWriteDependencies {
  readonly invoices: InvoiceRepository;
  readonly customers: CustomerRepository;
  readonly ledger: Ledger;
  readonly idempotency: IdempotencyStore;
  readonly observability: Observability;
  readonly now?: () => Date;
  readonly newId?: (prefix: string) => string;
}

const randomId = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

export function makeHandler(dependencies: ApiWriteDependencies) {
  const newId = dependencies.newId ?? randomId;
  const run = makeMutationRunner({
    ledger: dependencies.ledger,
    idempotency: dependencies.idempotency,
    now: dependencies.now ?? (() => new Date()),
  });
  const mutations: Record<string, Mutation> = {
    ...makeInvoiceMutations({ ...dependencies, newId }),
    ...makeCustomerMutations({ customers: dependencies.customers, newId }),
  };
  const operations: Record<string, Operation> = Object.fromEntries(
    Object.entries(mutations).map(([operationId, mutation]) => [
      operationId,
      (event, caller) => run(event, caller, mutation),
    ]),
  );
  return apiMiddleware(dependencies.observability, makeRouter('api-write', operations));
}

export const handler = makeHandler({
  ...writeSideFromEnvironment(),
  observability: createObservability('api-write'),
});
