// cdk: PDF font bundling — which of pdfkit's standard fonts a PDF-rendering Lambda asset carries
// (lib/bundling/bundle-function.ts copies them with lib/bundle-pdf-fonts.mjs).

/**
 * The pdfkit standard-font modules (`node_modules/pdfkit/js/standard-fonts/<name>.cjs`) a PDF-rendering bundle
 * carries: the fonts the renderer draws with (`fonts` in functions/adapters/pdf/canvas.ts: Helvetica, Helvetica-Bold).
 */
export const bundledPdfFonts = ['Helvetica', 'HelveticaBold'] as const;
