// bundling stand-in: png-js, replaced in Lambda bundles (lib/bundling/options.ts). pdfkit needs it only to embed a
// PNG image (`doc.image`); the invoice renderer draws text and lines alone (functions/adapters/pdf/draw.ts).

export class PdfImagesNotBundledError extends Error {
  override readonly name = 'PdfImagesNotBundledError';
}

/** pdfkit's only use of png-js: decoding an image it was given. */
export default class PNG {
  constructor() {
    throw new PdfImagesNotBundledError(
      'PNG images are not supported in Lambda bundles: png-js is replaced by lib/bundling/vector-pdfs-only.ts; draw without images, or drop the png-js stand-in from lib/bundling/options.ts',
    );
  }
}
