// bundling stand-in: linebreak, replaced in Lambda bundles (lib/bundling/options.ts). pdfkit needs it only for its
// own line wrapping (LineWrapper, for text drawn with a width); the invoice renderer lays out its lines itself and
// draws each with `lineBreak: false` (functions/adapters/pdf/canvas.ts), so pdfkit never wraps. The real module
// inflates its Unicode line-break table (unicode-trie over tiny-inflate) at load, on every cold start.

export class PdfTextWrappingNotBundledError extends Error {
  override readonly name = 'PdfTextWrappingNotBundledError';
}

/** pdfkit's only use of linebreak: `new LineBreaker(text)` inside its LineWrapper. */
export default class LineBreaker {
  constructor() {
    throw new PdfTextWrappingNotBundledError(
      "pdfkit's own line wrapping is not bundled: linebreak is replaced by lib/bundling/unwrapped-pdf-text-only.ts; draw text with lineBreak: false (Canvas.text), or drop the linebreak stand-in from lib/bundling/options.ts",
    );
  }
}
