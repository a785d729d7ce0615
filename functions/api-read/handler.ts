// entry: api-read — every GET route; its role can read the table and decrypt, never write.
import { makeAuditQueries } from '../application/audit-queries';
import { makeCustomerQueries } from '../application/customer-queries';
import { makeInvoiceQueries } from '../application/invoice-queries';
import type { QueriesOf, Reply } from '../application/request';
import { makeSellerProfileQueries } from '../application/seller-profile';
import { apiMiddleware } from '../platform/middleware';
import type { Observability } from '../platform/observability';
import { makeRouter, respond, toProxyResult } from '../platform/router';
import type { AuditTrail } from '../ports/audit-trail';
import type { CheckpointVerifier } from '../ports/checkpoint-signer';
import type { CustomerRepository } from '../ports/customer-repository';
import type { InvoiceDocumentLinks } from '../ports/invoice-document-links';
import type { InvoiceRepository } from '../ports/invoice-repository';
import type { SecuritySignals } from '../ports/security-signals';
import type { SellerProfiles } from '../ports/seller-profiles';

export interface ApiReadDependencies {
  readonly invoices: InvoiceRepository;
  readonly customers: CustomerRepository;
  readonly auditTrail: AuditTrail;
  /** Checks the signatures of the audit chain's checkpoints. */
  readonly checkpoints: CheckpointVerifier;
  readonly sellers: SellerProfiles;
  /** The render function, asked for the PDF's link (GET /v1/invoices/{id}/pdf). */
  readonly documentLinks: InvoiceDocumentLinks;
  readonly signals: SecuritySignals;
  readonly observability: Observability;
}

export function makeHandler(dependencies: ApiReadDependencies) {
  const queries = {
    ...makeInvoiceQueries(dependencies),
    ...makeCustomerQueries(dependencies),
    ...makeAuditQueries(dependencies),
    ...makeSellerProfileQueries(dependencies),
  } satisfies QueriesOf<'api-read'>;
  const route = makeRouter('api-read');
  return apiMiddleware(dependencies.observability, dependencies.signals, async (event) => {
    const { route: definition, caller, request } = route(event);
    // The map is typed per operation above; here one lookup serves them all.
    const query = queries[definition.operationId] as (input: unknown) => Promise<Reply>;
    return toProxyResult(respond(definition, await query({ ...request, caller })));
  });
}
