// adapter: Lambda (Invoke, request-response) → InvoiceRenderer: asks the render function to draw the document, so
// deliver carries no PDF library (pdfkit, its fonts and their cold-start load live in render alone).
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod/mini';
import type { InvoiceDocument } from '../domain/invoice-document';
import { InvoiceRenderError, type InvoiceRenderer } from '../ports/invoice-renderer';

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
    const result = await this.options.client.send(
      new InvokeCommand({
        FunctionName: this.options.functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify({ document })),
      }),
    );
    const payload = result.Payload === undefined ? '' : new TextDecoder().decode(result.Payload);
    if (result.FunctionError !== undefined) {
      // The error's type only: its message may quote the document.
      const type = /"errorType"\s*:\s*"([A-Za-z0-9_.]+)"/.exec(payload)?.[1] ?? 'unknown';
      const message = `the render function failed (${result.FunctionError}, ${type})`;
      // The document itself could not be drawn: as when rendering here. Anything else is the service's trouble.
      throw type === 'InvoiceRenderError' ? new InvoiceRenderError(message) : new RenderServiceError(message);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (error) {
      throw new RenderServiceError('the render function answered something other than JSON', {
        cause: error,
      });
    }
    const answer = renderedSchema.safeParse(parsed);
    if (!answer.success) throw new RenderServiceError('the render function answered an unknown shape');
    return new Uint8Array(Buffer.from(answer.data.pdf, 'base64'));
  }
}
