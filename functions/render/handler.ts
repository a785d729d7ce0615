// entry: render — invoked by api-read (synchronously) for GET /v1/invoices/{id}/pdf: renders an invoice's current
// document once per state, keeps it in the documents bucket and answers a short-lived link to it. pdfkit lives
// here so the API functions stay lean; the role reads the table and decrypts, and reads and writes documents
// under documents/v1/ only.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod/mini';
import {
  type InvoiceDocumentLinkDependencies,
  makeInvoiceDocumentLinks,
} from '../application/invoice-document-links';
import { idPatterns } from '../platform/key-layout';
import { flushMetrics, type Observability } from '../platform/observability';
import type { InvoiceDocumentLink } from '../ports/invoice-document-links';

export interface RenderDependencies extends InvoiceDocumentLinkDependencies {
  readonly observability: Observability;
}

/** What api-read sends: the caller's tenant (from its authorizer context) and the invoice id, nothing else. */
const renderRequestSchema = z.strictObject({
  tenantId: z.string().check(z.regex(idPatterns.tenant)),
  invoiceId: z.string().check(z.regex(idPatterns.invoice)),
});

export class MalformedRenderRequestError extends Error {
  override readonly name = 'MalformedRenderRequestError';
}

export function makeHandler(dependencies: RenderDependencies) {
  const { logger, metrics } = dependencies.observability;
  const link = makeInvoiceDocumentLinks(dependencies);
  return middy<unknown, InvoiceDocumentLink>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics(metrics))
    .handler(async (event) => {
      const parsed = renderRequestSchema.safeParse(event);
      if (!parsed.success) {
        // Paths only: the event comes from api-read, but a malformed one is a bug to find, not data to log.
        const paths = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
        throw new MalformedRenderRequestError(`render request is malformed (${paths})`);
      }
      const { tenantId, invoiceId } = parsed.data;
      const result = await link(tenantId, invoiceId);
      logger.info('document link', { tenantId, invoiceId, outcome: result.outcome });
      return result;
    });
}
