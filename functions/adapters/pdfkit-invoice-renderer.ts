// adapter: pdfkit → InvoiceRenderer (an A4 invoice drawn with the PDF standard fonts Helvetica/Helvetica-Bold)
//
// The work is split along its seams under pdf/: win-ansi.ts makes text drawable by the standard fonts,
// labels.ts holds the words per language, invoice-view.ts turns the document into printed strings,
// canvas.ts is the pdfkit cursor and draw.ts lays the invoice out. This file owns pdfkit's lifecycle:
// loading the fonts, the document and its metadata, and collecting the bytes.
//
// How pdfkit 0.20.2 loads the standard fonts, and what bundling needs
// ---------------------------------------------------------------------
// pdfkit no longer reads .afm files at run time (js/data/*.afm are only kept for its tools): the metrics
// of each standard font ship as a generated JS module, js/standard-fonts/<Font>.cjs (plus a shared
// chunks/standardGlyphNames-<hash>.cjs). The Node builds register lazy loaders for them:
//     const require$1 = createRequire(import.meta.url);            // pdfkit.node.mjs (pdfkit.js: __filename)
//     registerStdFontLoaders({ Helvetica: () => require$1('#standard-fonts/Helvetica'), … });
// '#standard-fonts/*' is a subpath import, resolved at run time through the "imports" field of the
// package.json nearest to the *calling file*. esbuild cannot follow a createRequire()d require, so once
// pdfkit is bundled into one file, the calling file is the bundle, no package.json maps
// '#standard-fonts/*', and the first `new PDFDocument()` throws "Cannot find module
// '#standard-fonts/Helvetica'". The Node build exports no way to register font data (only the browser
// build has registerStdFonts), so the adapter cannot inject it; the deployment must provide it, one of:
//   1. keep pdfkit out of the bundle (esbuild `--external:pdfkit`) and install pdfkit and its dependencies in
//      the asset, or
//   2. bundle everything (format ESM) and copy next to the bundle (lib/bundling/bundle-function.ts does, through
//      lib/bundle-pdf-fonts.mjs):
//        node_modules/pdfkit/js/standard-fonts/{Helvetica,HelveticaBold}.cjs and its chunks/ directory
//          → <outputDir>/standard-fonts/
//        a <outputDir>/package.json containing {"imports":{"#standard-fonts/*":"./standard-fonts/*.cjs"}}
//      (about 30 kB). A CJS-format bundle additionally breaks on `import.meta.url` (esbuild empties it and
//      pdfkit's module scope calls `new URL(…, import.meta.url)`): bundle as ESM.
// The unit tests bundle this adapter with esbuild: a bare bundle fails as described, (2) renders.
// So that a broken bundle fails at cold start and says why, rather than on every invoice, the constructor
// loads both fonts once and throws PdfFontsUnavailableError naming the fix.
//
// Personal data: the buyer's name, email and address appear only on the page, never in the document
// information dictionary (Title is the invoice number, on a void one with the marking before it; no
// Author, Subject or Keywords). PDF 1.3 is kept so pdfkit writes no XMP metadata stream (it would copy
// the Title into XML unescaped).
import PDFDocument from 'pdfkit';
import type { InvoiceDocument } from '../domain/invoice-document';
import { InvoiceRenderError, type InvoiceRenderer } from '../ports/invoice-renderer';
import { Canvas, fonts, margins, type Pdf } from './pdf/canvas';
import { drawInvoice } from './pdf/draw';
import { presentInvoice } from './pdf/invoice-view';

export interface PdfKitInvoiceRendererOptions {
  /**
   * Clock for the PDF CreationDate (which also seeds the file identifier). Inject a fixed date to get
   * byte-identical output for identical input.
   * @default - the current time
   */
  readonly now?: () => Date;
  /** Deflate page content streams. @default true */
  readonly compress?: boolean;
}

/** pdfkit could not load its standard font metrics: the deployment bundle lacks them (see the file header). */
export class PdfFontsUnavailableError extends Error {
  override readonly name = 'PdfFontsUnavailableError';
}

let standardFontsLoaded = false;

/** Loads the two fonts once per process, so a bundle without them fails at cold start with the fix. */
function assertStandardFontsLoadable(): void {
  if (standardFontsLoaded) return;
  try {
    new PDFDocument({ autoFirstPage: false, font: fonts.regular }).font(fonts.bold);
  } catch (error) {
    throw new PdfFontsUnavailableError(
      'pdfkit cannot load the standard font metrics (#standard-fonts/Helvetica*). When bundled, either keep ' +
        'pdfkit external (installed in node_modules) or copy node_modules/pdfkit/js/standard-fonts next to the ' +
        'bundle with a package.json mapping {"imports":{"#standard-fonts/*":"./standard-fonts/*.cjs"}}; ' +
        'see functions/adapters/pdfkit-invoice-renderer.ts.',
      { cause: error },
    );
  }
  standardFontsLoaded = true;
}

function collect(pdf: Pdf): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    pdf.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    pdf.on('error', reject);
    pdf.on('end', () => {
      const bytes = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
      resolve(bytes);
    });
  });
}

export class PdfKitInvoiceRenderer implements InvoiceRenderer {
  private readonly now: () => Date;
  private readonly compress: boolean;

  /** Throws PdfFontsUnavailableError when the deployment lacks pdfkit's font data (see the file header). */
  constructor(options: PdfKitInvoiceRendererOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.compress = options.compress ?? true;
    assertStandardFontsLoadable();
  }

  async render(document: InvoiceDocument): Promise<Uint8Array> {
    try {
      // Format and validate everything first, so bad input fails before a document is begun.
      const view = presentInvoice(document);
      const pdf = new PDFDocument({
        size: 'A4',
        margins,
        bufferPages: true, // page marks (stamps, page numbers) are drawn once every page exists
        compress: this.compress,
        lang: view.locale,
        displayTitle: true,
        font: fonts.regular,
        // Title is the invoice number (and a void marking): nothing personal in metadata (see the file header).
        info: { Title: view.title, Creator: 'Ledgerlock', CreationDate: this.now() },
      });
      const bytes = collect(pdf);
      drawInvoice(new Canvas(pdf), view);
      pdf.end();
      return await bytes;
    } catch (error) {
      // The message names no field value: the document holds personal data and errors get logged.
      throw new InvoiceRenderError('could not render the invoice PDF', { cause: error });
    }
  }
}
