// entry: render — the one function that carries pdfkit, so the others stay lean. Invoked synchronously by
// api-read for GET /v1/invoices/{id}/pdf (renders an invoice's current document once per state, keeps it in the
// documents bucket and answers a short-lived link to it), and by deliver with the document it is about to email
// (answers the PDF; deliver stores and sends it). The role reads the table and decrypts, and reads and writes
// documents under documents/v1/ only.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod/mini';
import {
  type InvoiceDocumentLinkDependencies,
  makeInvoiceDocumentLinks,
} from '../application/invoice-document-links';
import { invoiceDocumentSchema } from '../platform/invoice-document-schema';
import { idPatterns } from '../platform/key-layout';
import { flushMetrics, type Observability } from '../platform/observability';
import type { InvoiceDocumentLink } from '../ports/invoice-document-links';

export interface RenderDependencies extends InvoiceDocumentLinkDependencies {
  readonly observability: Observability;
}

/**
 * What api-read sends: the caller's tenant (from its authorizer context) and the invoice id, nothing else. What
 * deliver sends: the document it composed from the invoice it read (personal data: never logged).
 */
const renderRequestSchema = z.union([
  z.strictObject({
    tenantId: z.string().check(z.regex(idPatterns.tenant)),
    invoiceId: z.string().check(z.regex(idPatterns.invoice)),
  }),
  z.strictObject({ document: invoiceDocumentSchema }),
]);

/** The PDF deliver asked for, base64 in the JSON answer (an invoice is a few kB; Lambda answers up to 6 MB). */
export interface RenderedDocument {
  readonly pdf: string;
}

export class MalformedRenderRequestError extends Error {
  override readonly name = 'MalformedRenderRequestError';
}

export function makeHandler(dependencies: RenderDependencies) {
  const { logger, metrics } = dependencies.observability;
  const link = makeInvoiceDocumentLinks(dependencies);
  return middy<unknown, InvoiceDocumentLink | RenderedDocument>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics(metrics))
    .handler(async (event) => {
      const parsed = renderRequestSchema.safeParse(event);
      if (!parsed.success) {
        // Paths only: the event comes from api-read, but a malformed one is a bug to find, not data to log.
        const paths = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
        throw new MalformedRenderRequestError(`render request is malformed (${paths})`);
      }
      if ('document' in parsed.data) {
        const pdf = await dependencies.renderer.render(parsed.data.document);
        // The number only: the document's names and addresses are personal data.
        logger.info('document rendered', { number: parsed.data.document.number, bytes: pdf.length });
        return { pdf: Buffer.from(pdf).toString('base64') };
      }
      const { tenantId, invoiceId } = parsed.data;
      const result = await link(tenantId, invoiceId);
      logger.info('document link', { tenantId, invoiceId, outcome: result.outcome });
      return result;
    });
}
