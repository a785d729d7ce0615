// entry: api-write — every mutation; its role can write the table and generate data keys.
import { randomBytes } from 'node:crypto';
import { createDraftInvoice, toInvoiceView } from '../domain/invoice';
import { AmountTooLargeError } from '../domain/money';
import { UnprocessableError } from '../platform/errors';
import { jsonResponse, parseJsonBody } from '../platform/http';
import { invoiceRepositoryFromEnvironment } from '../platform/invoice-dependencies';
import { apiMiddleware } from '../platform/middleware';
import { createObservability, type Observability } from '../platform/observability';
import { makeRouter } from '../platform/router';
import { createInvoiceSchema } from '../platform/schemas';
import type { InvoiceRepository } from '../ports/invoice-repository';

export interface ApiWriteDependencies {
  readonly invoices: InvoiceRepository;
  readonly observability: Observability;
  readonly now?: () => Date;
  readonly newId?: (prefix: string) => string;
}

const randomId = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

export function makeHandler(dependencies: ApiWriteDependencies) {
  const now = dependencies.now ?? (() => new Date());
  const newId = dependencies.newId ?? randomId;

  const router = makeRouter('api-write', {
    createInvoice: async (event, caller) => {
      const input = parseJsonBody(event, createInvoiceSchema);
      let invoice: ReturnType<typeof createDraftInvoice>;
      try {
        invoice = createDraftInvoice(input, { id: newId('inv'), tenantId: caller.tenantId, now: now() });
      } catch (error) {
        if (error instanceof AmountTooLargeError)
          throw new UnprocessableError(error.message, { cause: error });
        throw error;
      }
      await dependencies.invoices.create(invoice);
      const response = jsonResponse(201, toInvoiceView(invoice));
      return { ...response, headers: { ...response.headers, location: `/v1/invoices/${invoice.id}` } };
    },
  });
  return apiMiddleware(dependencies.observability, router);
}

export const handler = makeHandler({
  invoices: invoiceRepositoryFromEnvironment(),
  observability: createObservability('api-write'),
});
