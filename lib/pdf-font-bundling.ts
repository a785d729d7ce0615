// cdk: PDF font bundling — the afterBundling commands that ship pdfkit's standard fonts with a ProjectFunction.
import * as path from 'node:path';

/**
 * The pdfkit standard-font modules (`node_modules/pdfkit/js/standard-fonts/<name>.cjs`) a PDF-rendering bundle
 * carries: the fonts the renderer draws with (`fonts` in functions/adapters/pdf/canvas.ts: Helvetica, Helvetica-Bold).
 */
export const bundledPdfFonts = ['Helvetica', 'HelveticaBold'] as const;

/**
 * Commands that make pdfkit's standard fonts loadable next to a single-file ESM bundle: copy the font modules
 * (and the files they require) to `<outputDir>/standard-fonts/` and write `<outputDir>/package.json` whose
 * `imports` map resolves pdfkit's `#standard-fonts/*` there (see lib/bundle-pdf-fonts.mjs). One `node` call
 * with quoted paths, so bash, cmd and Docker bundling all run it.
 */
export function pdfFontBundlingCommands(inputDir: string, outputDir: string): string[] {
  const script = path.join(inputDir, 'lib', 'bundle-pdf-fonts.mjs');
  const quote = (value: string) => `"${value}"`;
  return [`node ${[script, inputDir, outputDir].map(quote).join(' ')} ${bundledPdfFonts.join(' ')}`];
}
