// unit tests: adapters/pdfkit-invoice-renderer — renders real PDFs and reads them back with pdf.js (unpdf).
// Characters outside WinAnsi: pdf-win-ansi.test.ts; paid and void documents: pdf-invoice-status.test.ts.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  PdfFontsUnavailableError,
  PdfKitInvoiceRenderer,
} from '../../functions/adapters/pdfkit-invoice-renderer';
import { InvoiceRenderError } from '../../functions/ports/invoice-renderer';
import { fixedClock, invoice, readPdf, renderer, twoLines } from './pdf-support';

const repositoryRoot = resolve(import.meta.dirname, '../..');

describe('PdfKitInvoiceRenderer', () => {
  describe('content', () => {
    it('shows the number, the buyer, the total and the amount due', async () => {
      const document = invoice(twoLines, { amountPaid: 5000 });

      const { text, totalPages } = await readPdf(await renderer.render(document));

      expect(totalPages).toBe(1);
      expect(text).toContain('INV-2026-000123');
      expect(text).toContain('Jane Q. Buyer');
      expect(text).toContain('jane.buyer@example.com');
      expect(text).toContain('Total €317.70'); // 240.00 + 45.60 + 30.00 + 2.10
      expect(text).toContain('Amount paid €50.00');
      expect(text).toContain('Amount due €267.70');
    });

    it('lists each line with quantity, unit price, tax rate and amount', async () => {
      const { text } = await readPdf(await renderer.render(invoice(twoLines)));

      expect(text).toContain('2 €120.00 19% €240.00 Consulting, September');
      expect(text).toContain('1 €30.00 7% €30.00 Printed handbook');
    });

    it('breaks tax down by rate, with the taxable amount and the tax of each', async () => {
      const document = invoice([
        { description: 'A', quantity: 1, unitAmount: 10000, taxRateBps: 1900 },
        { description: 'B', quantity: 1, unitAmount: 5000, taxRateBps: 1900 },
        { description: 'C', quantity: 1, unitAmount: 12000, taxRateBps: 700 },
        { description: 'D', quantity: 2, unitAmount: 4000, taxRateBps: 700 },
        { description: 'E', quantity: 1, unitAmount: 1000, taxRateBps: 0 },
        { description: 'F', quantity: 1, unitAmount: 2000, taxRateBps: 0 },
      ]);

      const { text } = await readPdf(await renderer.render(document));

      // Sums over two lines each, so these figures appear nowhere else on the page.
      expect(text).toContain(
        'Tax rate Taxable amount Tax 0% €30.00 €0.00 7% €200.00 €14.00 19% €150.00 €28.50',
      );
    });

    it('omits amount paid and amount credited when they are zero, and shows credits when not', async () => {
      const unpaid = await readPdf(await renderer.render(invoice(twoLines)));
      const credited = await readPdf(await renderer.render(invoice(twoLines, { amountCredited: 1770 })));

      expect(unpaid.text).not.toContain('Amount paid');
      expect(unpaid.text).not.toContain('Amount credited');
      expect(unpaid.text).toContain('Amount due €317.70');
      expect(credited.text).toContain('Amount credited €17.70 Amount due €300.00');
    });

    it('prints the payment instructions and the memo', async () => {
      const document = invoice(twoLines, {
        memo: 'Thank you for your business.\nQuestions: billing@acme.example',
      });

      const { text } = await readPdf(await renderer.render(document));

      expect(text).toContain(
        'Payment details IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX · Reference INV-2026-000123',
      );
      expect(text).toContain('Notes Thank you for your business. Questions: billing@acme.example');
    });

    it('wraps a long description instead of cutting it, even a word wider than the column', async () => {
      const words = Array.from({ length: 120 }, (_, index) => `word${index}`);
      const unbroken = `https://example.com/${'x'.repeat(180)}/end`;
      const document = invoice([
        { description: `${words.join(' ')} ${unbroken}`, quantity: 1, unitAmount: 100, taxRateBps: 0 },
      ]);

      const { text } = await readPdf(await renderer.render(document));

      for (const word of words) expect(text).toMatch(new RegExp(`\\b${word}\\b`));
      expect(text.replace(/\s/g, '')).toContain(unbroken);
    });
  });

  describe('language', () => {
    const amounts = [{ description: 'Beratung', quantity: 1, unitAmount: 103745, taxRateBps: 1900 }];

    it('writes German labels, money and dates for de-DE', async () => {
      const document = invoice(amounts, { language: 'de-DE', dueDate: '2026-12-31' });

      const { text } = await readPdf(await renderer.render(document));

      expect(text).toContain('RECHNUNG');
      expect(text).toContain('Rechnungsnummer INV-2026-000123');
      expect(text).toContain('Fällig am 31. Dezember 2026');
      expect(text).toContain('Gesamtbetrag 1.234,57 €'); // 1 037,45 + 197,12
      expect(text).toContain('19 % 1.037,45 € 197,12 €');
      expect(text).toContain('10115 Berlin Deutschland');
    });

    it('writes French labels and French grouping for fr', async () => {
      const { text } = await readPdf(await renderer.render(invoice(amounts, { language: 'fr' })));

      expect(text).toContain('FACTURE');
      expect(text).toContain('Total TTC 1 234,57 €');
      expect(text).toContain("Date d'échéance 3 octobre 2026");
    });

    it.each(['ja-JP', 'not a language tag'])('falls back to English labels for %j', async (language) => {
      const { text } = await readPdf(await renderer.render(invoice(amounts, { language })));

      expect(text).toContain('INVOICE');
      expect(text).toContain('Amount due');
    });

    it('writes the ISO code when the font cannot draw the currency symbol', async () => {
      const document = invoice(amounts, { language: 'en-IN', currency: 'INR' });

      const { text } = await readPdf(await renderer.render(document));

      expect(text).toContain('Total INR 1,234.57');
      expect(text).not.toContain('?1,234.57');
    });

    it('writes a numeric date when the month name needs letters the font lacks', async () => {
      const { text } = await readPdf(await renderer.render(invoice(amounts, { language: 'ru' })));

      expect(text).toContain('03.10.2026');
      expect(text).not.toContain('?');
    });
  });

  describe('pagination', () => {
    const hundredLines = Array.from({ length: 100 }, (_, index) => ({
      description: `Service line ${String(index + 1).padStart(3, '0')}${index % 7 === 0 ? ' with a description long enough to wrap over more than one line of its column' : ''}`,
      quantity: (index % 4) + 1,
      unitAmount: 1000 + index * 37,
      taxRateBps: [1900, 700, 0][index % 3] ?? 0,
    }));

    it('spreads 100 lines over several pages and keeps every line, in order', async () => {
      const { totalPages, text } = await readPdf(await renderer.render(invoice(hundredLines)));

      expect(totalPages).toBeGreaterThan(1);
      let previous = -1;
      for (let number = 1; number <= 100; number++) {
        const label = `Service line ${String(number).padStart(3, '0')}`;
        const position = text.indexOf(label);
        expect({ label, found: position > previous }).toEqual({ label, found: true });
        expect(text.indexOf(label, position + 1)).toBe(-1);
        previous = position;
      }
      expect(text).toContain('Amount due');
    });

    it('numbers every page and repeats the table header on each', async () => {
      const { totalPages, pages } = await readPdf(await renderer.render(invoice(hundredLines)));

      pages.forEach((page, index) => {
        expect(page).toContain(`Page ${index + 1} of ${totalPages}`);
        expect(page).toContain('Description Qty Unit price Tax Amount');
      });
    });

    it('keeps all text inside the page margins and never draws text over text', async () => {
      const document = invoice(hundredLines, {
        amountPaid: 100,
        amountCredited: 200,
        memo: 'Long memo. '.repeat(400),
      });

      const { items } = await readPdf(await renderer.render(document));

      const outside: string[] = [];
      const overlapping: string[] = [];
      items.forEach((page, pageIndex) => {
        // pdf.js gives the baseline (origin bottom left) and the font size as height.
        const boxes = page
          .filter((item) => item.str.trim().length > 0)
          .map((item) => ({
            str: item.str,
            left: item.x,
            right: item.x + item.width,
            bottom: item.y,
            top: item.y + item.height,
          }));
        for (const box of boxes) {
          // A4 is 595 × 842 pt; the margins are 50 pt left and right; the footer sits above 30 pt.
          if (box.left < 49.5 || box.right > 545.8 || box.bottom < 30 || box.top > 800) {
            outside.push(`page ${pageIndex + 1}: ${box.str}`);
          }
        }
        boxes.forEach((box, index) => {
          for (const other of boxes.slice(index + 1)) {
            const width = Math.min(box.right, other.right) - Math.max(box.left, other.left);
            const height = Math.min(box.top, other.top) - Math.max(box.bottom, other.bottom);
            if (width > 0.5 && height > 0.5)
              overlapping.push(`page ${pageIndex + 1}: ${box.str} × ${other.str}`);
          }
        });
      });

      expect(items.length).toBeGreaterThan(2);
      expect(outside).toEqual([]);
      expect(overlapping).toEqual([]);
    });

    it('prints no page numbers on a one-page invoice', async () => {
      const { totalPages, text } = await readPdf(await renderer.render(invoice(twoLines)));

      expect(totalPages).toBe(1);
      expect(text).not.toContain('Page 1');
    });
  });

  describe('metadata', () => {
    it('titles the PDF with the invoice number and puts no personal data in its metadata', async () => {
      const document = invoice(twoLines);

      const { info, xmp, text } = await readPdf(await renderer.render(document));

      expect(info.Title).toBe('INV-2026-000123');
      expect(info).not.toHaveProperty('Author');
      expect(info).not.toHaveProperty('Subject');
      expect(info).not.toHaveProperty('Keywords');
      const metadata = JSON.stringify({ info, xmp });
      for (const personal of ['Jane', 'jane.buyer@example.com', 'Downing', 'SW1A', 'GB999999973']) {
        expect(text).toContain(personal); // it is on the page…
        expect(metadata).not.toContain(personal); // …and only there
      }
    });

    it('is byte-for-byte identical for the same input and clock, dated by that clock', async () => {
      const document = invoice(twoLines);

      const first = await renderer.render(document);
      const second = await new PdfKitInvoiceRenderer({ now: fixedClock }).render(document);

      expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
      expect((await readPdf(first)).info.CreationDate).toBe('D:20260903100000Z');
    });
  });

  describe('invalid input', () => {
    it.each([
      ['an unknown currency', { currency: 'EURO' }],
      ['a fractional amount', { amountDue: 12.5 }],
      ['an impossible date', { dueDate: '2026-02-30' }],
    ] as const)('rejects %s with InvoiceRenderError, naming no personal data', async (_, overrides) => {
      const rendering = renderer.render(invoice(twoLines, overrides));

      await expect(rendering).rejects.toBeInstanceOf(InvoiceRenderError);
      await expect(rendering).rejects.not.toThrow(/Jane|example\.com/);
    });
  });

  describe('bundled into one file by esbuild', () => {
    const run = promisify(execFile);
    let directory = '';
    beforeAll(async () => {
      directory = await mkdtemp(join(tmpdir(), 'ledgerlock-pdf-bundle-'));
    });
    afterAll(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    /** Bundles a script that renders one invoice, as a Lambda build would (ESM, platform node). */
    async function bundle(outputDirectory: string): Promise<string> {
      await mkdir(outputDirectory, { recursive: true });
      const entry = join(outputDirectory, 'entry.ts');
      const adapter = join(repositoryRoot, 'functions/adapters/pdfkit-invoice-renderer.ts');
      await writeFile(
        entry,
        [
          `import { PdfKitInvoiceRenderer } from ${JSON.stringify(adapter)};`,
          `const bytes = await new PdfKitInvoiceRenderer().render(${JSON.stringify(invoice(twoLines))});`,
          `process.stdout.write(new TextDecoder('latin1').decode(bytes.subarray(0, 5)));`,
        ].join('\n'),
      );
      const outfile = join(outputDirectory, 'index.mjs');
      await run(join(repositoryRoot, 'node_modules/.bin/esbuild'), [
        entry,
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--target=node24',
        `--outfile=${outfile}`,
        '--log-level=error',
      ]);
      return outfile;
    }

    it('fails at construction with PdfFontsUnavailableError when the font files are missing', async () => {
      const bundled = await bundle(join(directory, 'bare'));

      const outcome = await run(process.execPath, [bundled]).catch((error: { stderr: string }) => error);

      expect('stderr' in outcome ? outcome.stderr : '').toContain(new PdfFontsUnavailableError('').name);
      expect('stderr' in outcome ? outcome.stderr : '').toContain(
        "Cannot find module '#standard-fonts/Helvetica'",
      );
    }, 60_000);

    it('renders once standard-fonts/ and the package.json imports map are copied next to the bundle', async () => {
      const outputDirectory = join(directory, 'with-fonts');
      const bundled = await bundle(outputDirectory);
      const fontSource = join(repositoryRoot, 'node_modules/pdfkit/js/standard-fonts');
      for (const file of ['Helvetica.cjs', 'HelveticaBold.cjs', 'chunks']) {
        await cp(join(fontSource, file), join(outputDirectory, 'standard-fonts', file), { recursive: true });
      }
      await writeFile(
        join(outputDirectory, 'package.json'),
        JSON.stringify({ imports: { '#standard-fonts/*': './standard-fonts/*.cjs' } }),
      );

      const { stdout } = await run(process.execPath, [bundled], { cwd: outputDirectory });

      expect(stdout).toBe('%PDF-');
    }, 60_000);
  });
});
