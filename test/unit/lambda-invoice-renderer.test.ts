// test: deliver's renderer — the document goes to the render function's handler through the adapter deliver runs
// on AWS (functions/adapters/lambda-invoice-renderer.ts) and an in-memory Invoke, and the PDF comes back; what
// fails is told apart: a document that cannot be drawn, and trouble with the render service.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaInvoiceRenderer, RenderServiceError } from '../../functions/adapters/lambda-invoice-renderer';
import type { InvoiceDocument } from '../../functions/domain/invoice-document';
import { InvoiceRenderError } from '../../functions/ports/invoice-renderer';
import { memoryWorld } from './support/memory-world';

const document: InvoiceDocument = {
  status: 'issued',
  seller: {
    name: 'Acme Widgets GmbH',
    address: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    paymentInstructions: 'IBAN DE89 3704 0044 0532 0130 00',
  },
  buyer: {
    name: 'Erika Mustermann',
    email: 'erika@example.com',
    address: { line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'DE' },
  },
  number: 'INV-2026-000123',
  issueDate: '2026-09-03',
  dueDate: '2026-10-03',
  currency: 'EUR',
  language: 'de-DE',
  lines: [
    { description: 'Beratung', quantity: 2, unitAmount: 12000, taxRateBps: 1900, amount: 24000, tax: 4560 },
  ],
  subtotal: 24000,
  tax: 4560,
  total: 28560,
  amountPaid: 0,
  amountCredited: 0,
  amountDue: 28560,
};

function setup() {
  const world = memoryWorld();
  return {
    world,
    renderer: new LambdaInvoiceRenderer({ client: world.renderClient, functionName: 'render' }),
  };
}

/** A Lambda client whose Invoke answers `payload` as the function's result. */
const answering = (payload: string) =>
  ({ send: async () => ({ Payload: new TextEncoder().encode(payload) }) }) as unknown as LambdaClient;

describe('LambdaInvoiceRenderer', () => {
  describe('rendering', () => {
    it('hands the render function the document and answers the bytes it drew', async () => {
      const { world, renderer } = setup();

      const pdf = await renderer.render(document);

      expect(new TextDecoder().decode(pdf)).toBe('%PDF-memory INV-2026-000123 issued');
      expect(world.renderer.rendered).toEqual([document]);
    });
  });

  describe('failures', () => {
    it('reports a document the renderer refused as InvoiceRenderError, without quoting it', async () => {
      const { world, renderer } = setup();
      world.renderer.faults.failNext(
        'render',
        1,
        () => new InvoiceRenderError('Erika Mustermann: bad amount'),
      );

      const failure = await renderer.render(document).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(InvoiceRenderError);
      expect((failure as Error).message).toBe('the render function failed (Unhandled, InvoiceRenderError)');
    });

    it('reports any other failure of the function as RenderServiceError, which deliver retries', async () => {
      const { world, renderer } = setup();
      world.renderer.faults.failNext('render', 1, () => new Error('out of memory'));

      await expect(renderer.render(document)).rejects.toThrow(RenderServiceError);
    });

    it('has render refuse a document of an unexpected shape, and says nothing of its content', async () => {
      const { world, renderer } = setup();

      const failure = await renderer
        .render({ ...document, buyer: { ...document.buyer, phone: '+49 221 1234567' } } as InvoiceDocument)
        .catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(RenderServiceError);
      expect((failure as Error).message).toContain('MalformedRenderRequestError');
      expect((failure as Error).message).not.toContain('Erika');
      expect(world.renderer.rendered).toEqual([]);
    });

    it.each([
      ['not JSON', 'Task timed out'],
      ['no pdf', '{"outcome":"ready"}'],
      ['a pdf that is not base64', '{"pdf":"%PDF-1.3 raw"}'],
    ])('refuses an answer with %s as RenderServiceError', async (_, payload) => {
      const renderer = new LambdaInvoiceRenderer({ client: answering(payload), functionName: 'render' });

      await expect(renderer.render(document)).rejects.toThrow(RenderServiceError);
    });
  });
});
