// adapter: Lambda (Invoke, request-response) → InvoiceRenderer: asks the render function to draw the document, so
// deliver carries no PDF library (pdfkit, its fonts and their cold-start load live in render alone).
import type { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod/mini';
import type { InvoiceDocument } from '../domain/invoice-document';
import { InvoiceRenderError, type InvoiceRenderer } from '../ports/invoice-renderer';
import { invokeForJson } from './lambda-invoke';

/** The render function's answer, parsed at the boundary like any other input. */
const renderedSchema = z.strictObject({ pdf: z.base64() });

/** The render function could not be reached or failed unexpectedly: passing trouble, worth a retry. */
export class RenderServiceError extends Error {
  override readonly name = 'RenderServiceError';
}

export class LambdaInvoiceRenderer implements InvoiceRenderer {
  constructor(
    private readonly options: {
      readonly client: LambdaClient;
      /** The render function's name (or ARN). */
      readonly functionName: string;
    },
  ) {}

  async render(document: InvoiceDocument): Promise<Uint8Array> {
    const outcome = await invokeForJson(this.options.client, this.options.functionName, { document });
    if (outcome.kind === 'failed') {
      const message = `the render function failed (${outcome.functionError}, ${outcome.errorType})`;
      // The document itself could not be drawn: as when rendering here. Anything else is the service's trouble.
      throw outcome.errorType === 'InvoiceRenderError'
        ? new InvoiceRenderError(message)
        : new RenderServiceError(message);
    }
    if (outcome.kind === 'not-json') {
      throw new RenderServiceError('the render function answered something other than JSON', {
        cause: outcome.cause,
      });
    }
    const answer = renderedSchema.safeParse(outcome.answer);
    if (!answer.success) throw new RenderServiceError('the render function answered an unknown shape');
    return new Uint8Array(Buffer.from(answer.data.pdf, 'base64'));
  }
}
