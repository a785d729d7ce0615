// adapter: Lambda (Invoke, request-response) → InvoiceDocumentLinks: asks the render function for an invoice's
// current document link, so api-read carries no PDF library.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod/mini';
import {
  DocumentServiceError,
  type InvoiceDocumentLink,
  type InvoiceDocumentLinks,
} from '../ports/invoice-document-links';
import { invokeForJson } from './lambda-invoke';

/** The render function's answer, parsed at the boundary like any other input. */
const linkSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('ready'), url: z.url(), expiresInSeconds: z.int().check(z.positive()) }),
  z.object({ outcome: z.literal('not-found') }),
  z.object({ outcome: z.literal('no-document'), reason: z.string().check(z.minLength(1)) }),
  z.object({ outcome: z.literal('integrity-failure') }),
]);

export class LambdaInvoiceDocumentLinks implements InvoiceDocumentLinks {
  constructor(
    private readonly options: {
      /**
       * The Lambda client, asked for on the first link: of api-read's routes only the PDF link invokes render, so
       * most instances never need one and need not build it at cold start.
       */
      readonly client: () => LambdaClient;
      /** The render function's name (or ARN). */
      readonly functionName: string;
    },
  ) {}

  async link(tenantId: string, invoiceId: string): Promise<InvoiceDocumentLink> {
    const outcome = await invokeForJson(this.options.client(), this.options.functionName, {
      tenantId,
      invoiceId,
    });
    if (outcome.kind === 'failed') {
      // The error's type only, and the 5xx the caller gets is generic anyway.
      throw new DocumentServiceError(
        `the render function failed (${outcome.functionError}, ${outcome.errorType})`,
      );
    }
    if (outcome.kind === 'not-json') {
      throw new DocumentServiceError('the render function answered something other than JSON', {
        cause: outcome.cause,
      });
    }
    const answer = linkSchema.safeParse(outcome.answer);
    if (!answer.success) throw new DocumentServiceError('the render function answered an unknown shape');
    return answer.data;
  }
}
