// adapter: Lambda (Invoke, request-response) → InvoiceDocumentLinks: asks the render function for an invoice's
// current document link, so api-read carries no PDF library.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod/mini';
import {
  DocumentServiceError,
  type InvoiceDocumentLink,
  type InvoiceDocumentLinks,
} from '../ports/invoice-document-links';

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
    const result = await this.options.client().send(
      new InvokeCommand({
        FunctionName: this.options.functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify({ tenantId, invoiceId })),
      }),
    );
    const payload = result.Payload === undefined ? '' : new TextDecoder().decode(result.Payload);
    if (result.FunctionError !== undefined) {
      // The error's type only: its message may name ids, and the 5xx the caller gets is generic anyway.
      const type = /"errorType"\s*:\s*"([A-Za-z0-9_.]+)"/.exec(payload)?.[1] ?? 'unknown';
      throw new DocumentServiceError(`the render function failed (${result.FunctionError}, ${type})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (error) {
      throw new DocumentServiceError('the render function answered something other than JSON', {
        cause: error,
      });
    }
    const answer = linkSchema.safeParse(parsed);
    if (!answer.success) throw new DocumentServiceError('the render function answered an unknown shape');
    return answer.data;
  }
}
