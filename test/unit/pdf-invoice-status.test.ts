// unit tests: adapters/pdfkit-invoice-renderer — paid and void invoices must not read as payable; issued ones still do.
import { PdfKitInvoiceRenderer } from '../../functions/adapters/pdfkit-invoice-renderer';
import { createDraftInvoice, issueInvoice, voidInvoice } from '../../functions/domain/invoice';
import { type InvoiceDocument, toInvoiceDocument } from '../../functions/domain/invoice-document';
import { InvoiceRenderError } from '../../functions/ports/invoice-renderer';
import {
  invoice,
  type LineInput,
  type ReadBack,
  readPdf,
  renderer,
  sellerPaymentInstructions,
  twoLines,
} from './pdf-support';

/** Every piece of the seller's payment instructions that could be copied into a bank transfer. */
const paymentText = ['Payment details', 'IBAN', 'DE89 3704', 'COBADEFFXXX', 'Reference INV-2026-000123'];

const manyLines: readonly LineInput[] = Array.from({ length: 60 }, (_, index) => ({
  description: `Service line ${index + 1}`,
  quantity: 1,
  unitAmount: 1000,
  taxRateBps: 1900,
}));

/** A void document as the domain makes it, plus the bank details a careless caller might leave in. */
function voided(lines: readonly LineInput[], overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return invoice(lines, { status: 'void', amountDue: 0, ...overrides });
}

function paid(lines: readonly LineInput[], overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  const { total } = invoice(lines);
  return invoice(lines, { status: 'paid', amountPaid: total, ...overrides });
}

/** The large diagonal stamp: the text item in a font far bigger than any other on the page. */
function stamps(readBack: ReadBack): string[][] {
  return readBack.items.map((page) => page.filter((item) => item.height > 50).map((item) => item.str));
}

describe('PdfKitInvoiceRenderer', () => {
  describe('a void invoice', () => {
    it('is marked void in the heading, in the PDF title and with a stamp on every page', async () => {
      const readBack = await readPdf(await renderer.render(voided(manyLines)));

      expect(readBack.totalPages).toBeGreaterThan(1);
      expect(readBack.pages[0]).toContain('VOID – INVOICE');
      expect(readBack.info.Title).toBe('VOID – Invoice INV-2026-000123');
      expect(stamps(readBack)).toEqual(readBack.pages.map(() => ['VOID']));
    });

    it('shows an amount due of zero and says that nothing is to be paid', async () => {
      const { text } = await readPdf(await renderer.render(voided(twoLines)));

      expect(text).toContain('Total €317.70 Amount due €0.00');
      expect(text).toContain('Status: VOID This invoice has been voided. Nothing is due: do not pay it.');
    });

    it('prints none of the payment instructions, even when the document carries them', async () => {
      const document = voided(twoLines);
      expect(document.seller.paymentInstructions).toBe(sellerPaymentInstructions);

      const { text } = await readPdf(await renderer.render(document));

      for (const fragment of paymentText) expect(text).not.toContain(fragment);
    });

    it('reads as void end to end, from a voided invoice through toInvoiceDocument', async () => {
      const now = new Date('2026-09-03T10:00:00Z');
      const customer = {
        name: 'Jane Q. Buyer',
        email: 'jane.buyer@example.com',
        address: { line1: '10 Downing Street', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' },
        language: 'en-GB',
      };
      const draft = createDraftInvoice(
        { customer, customerId: null, currency: 'EUR', lines: twoLines },
        { id: 'inv_1', tenantId: 'ten_abcdefgh', now },
      );
      const issued = issueInvoice(draft, { number: 'INV-2026-000123', customer, now });
      const seller = { ...invoice(twoLines).seller, paymentInstructions: sellerPaymentInstructions };

      const { text, info } = await readPdf(
        await renderer.render(toInvoiceDocument(voidInvoice(issued, 'duplicate', now), seller)),
      );

      expect(info.Title).toBe('VOID – Invoice INV-2026-000123');
      expect(text).toContain('VOID – INVOICE');
      expect(text).toContain('Amount due €0.00');
      for (const fragment of paymentText) expect(text).not.toContain(fragment);
    });

    it.each([
      ['de-DE', 'STORNIERT – RECHNUNG', 'STORNIERT – Rechnung INV-2026-000123', 'Offener Betrag 0,00 €'],
      ['fr', 'ANNULÉE – FACTURE', 'ANNULÉE – Facture INV-2026-000123', 'Reste à payer 0,00 €'],
    ])('is marked in the document language (%s)', async (language, heading, title, amountDue) => {
      const readBack = await readPdf(await renderer.render(voided(twoLines, { language })));

      expect(readBack.text).toContain(heading);
      expect(readBack.text).toContain(amountDue);
      expect(readBack.info.Title).toBe(title);
      expect(stamps(readBack)).toEqual([[heading.split(' ')[0]]]);
    });

    it.each(['en-GB', 'de-DE', 'fr'])('keeps the stamp inside the page margins (%s)', async (language) => {
      const { items } = await readPdf(await renderer.render(voided(twoLines, { language })));
      const stamp = items[0]?.find((item) => item.height > 50);
      if (stamp === undefined) throw new Error('no stamp on the page');

      // pdf.js gives the baseline origin, the advance along the baseline and the font size; the stamp
      // rises at 35°, so its corners are the origin moved along the baseline and across it.
      const angle = (35 * Math.PI) / 180;
      const along = { x: Math.cos(angle), y: Math.sin(angle) };
      const across = { x: -Math.sin(angle), y: Math.cos(angle) };
      const corners = [
        [0, 0],
        [stamp.width, 0],
        [0, stamp.height],
        [stamp.width, stamp.height],
      ].map(([a = 0, b = 0]) => ({
        x: stamp.x + a * along.x + b * across.x,
        y: stamp.y + a * along.y + b * across.y,
      }));
      for (const corner of corners) {
        expect(corner.x).toBeGreaterThan(50);
        expect(corner.x).toBeLessThan(545.28);
        expect(corner.y).toBeGreaterThan(72);
        expect(corner.y).toBeLessThan(791.89);
      }
    });
  });

  describe('a paid invoice', () => {
    it('is stamped paid on every page and shows nothing due and no payment instructions', async () => {
      const readBack = await readPdf(await renderer.render(paid(manyLines)));

      expect(stamps(readBack)).toEqual(readBack.pages.map(() => ['PAID']));
      expect(readBack.text).toContain('Amount paid €714.00 Amount due €0.00');
      expect(readBack.text).toContain('Status: PAID This invoice has been paid in full. Nothing is due.');
      for (const fragment of paymentText) expect(readBack.text).not.toContain(fragment);
    });

    it('keeps the plain heading and title: a paid invoice is not cancelled', async () => {
      const { text, info } = await readPdf(await renderer.render(paid(twoLines)));

      expect(text).toContain('INVOICE');
      expect(text).not.toContain('VOID');
      expect(info.Title).toBe('INV-2026-000123');
    });
  });

  describe('an issued invoice', () => {
    it('shows the amount due and the payment instructions, and no marking', async () => {
      const readBack = await readPdf(await renderer.render(invoice(twoLines)));

      expect(readBack.text).toContain('Amount due €317.70');
      expect(readBack.text).toContain(`Payment details ${sellerPaymentInstructions}`);
      expect(readBack.text).not.toMatch(/VOID|PAID|Status/);
      expect(stamps(readBack)).toEqual([[]]);
    });

    it('is what a document without a status gets (a caller written before the field existed)', async () => {
      const { status: _status, ...withoutStatus } = invoice(twoLines);
      const legacy = withoutStatus as InvoiceDocument;

      const { text } = await readPdf(await renderer.render(legacy));

      expect(text).toContain('Amount due €317.70');
      expect(text).toContain(`Payment details ${sellerPaymentInstructions}`);
    });
  });

  describe('inconsistent input', () => {
    it.each([
      ['a void document with an amount due', { status: 'void' }],
      ['a paid document with an amount due', { status: 'paid' }],
      ['an unknown status', { status: 'draft' as InvoiceDocument['status'] }],
    ] as const)('rejects %s with InvoiceRenderError', async (_, overrides) => {
      const rendering = new PdfKitInvoiceRenderer().render(invoice(twoLines, overrides));

      await expect(rendering).rejects.toBeInstanceOf(InvoiceRenderError);
    });
  });
});
