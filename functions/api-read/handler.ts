// entry: api-read — every GET route; its role can read the table and decrypt, never write.
import { toInvoiceView } from '../domain/invoice';
import { NotFoundError } from '../platform/errors';
import { jsonResponse, parsePathParameter } from '../platform/http';
import { invoiceRepositoryFromEnvironment } from '../platform/invoice-dependencies';
import { apiMiddleware } from '../platform/middleware';
import { createObservability, type Observability } from '../platform/observability';
import { makeRouter } from '../platform/router';
import { invoiceIdSchema } from '../platform/schemas';
import type { InvoiceRepository } from '../ports/invoice-repository';

export interface ApiReadDependencies {
  readonly invoices: InvoiceRepository;
  readonly observability: Observability;
}

// Another tenant's id and an unknown id must be indistinguishable.
const invoiceNotFound = () => new NotFoundError('no invoice with this id');

export function makeHandler(dependencies: ApiReadDependencies) {
  const router = makeRouter('api-read', {
    getInvoice: async (event, caller) => {
      const invoiceId = parsePathParameter(event, 'invoiceId', invoiceIdSchema, invoiceNotFound);
      const invoice = await dependencies.invoices.get(caller.tenantId, invoiceId);
      if (invoice === undefined) throw invoiceNotFound();
      return jsonResponse(200, toInvoiceView(invoice));
    },
  });
  return apiMiddleware(dependencies.observability, router);
}

export const handler = makeHandler({
  invoices: invoiceRepositoryFromEnvironment(),
  observability: createObservability('api-read'),
});
