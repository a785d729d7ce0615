// bundling stand-in: fontkit, replaced in Lambda bundles (lib/bundling/options.ts). pdfkit calls fontkit only to
// open an embedded font; the invoice renderer draws with the PDF standard fonts (Helvetica, Helvetica-Bold), whose
// metrics pdfkit loads from its own standard-font modules.

export class EmbeddedFontsNotBundledError extends Error {
  override readonly name = 'EmbeddedFontsNotBundledError';
}

/** pdfkit's only use of fontkit: opening a TrueType/OpenType/WOFF font it was given. */
export function create(): never {
  throw new EmbeddedFontsNotBundledError(
    'embedded fonts are not bundled: fontkit is replaced by lib/bundling/standard-fonts-only.ts; draw with a PDF standard font, or drop the fontkit stand-in from lib/bundling/options.ts',
  );
}
