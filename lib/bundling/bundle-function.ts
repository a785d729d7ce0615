// cdk bundling: one function's Lambda asset — index.mjs and its source map, built with esbuild's API (the only
// way to run the sdk-schema-keys plugin), plus pdfkit's standard fonts for the bundles that render PDFs.
// ProjectFunction builds each asset through bundleAssetLocally during synthesis; the init bench builds with
// bundleFunction, and the bundle-size test with the same options (esbuildOptionsFor).
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { esbuildOptionsFor, projectRoot } from './options';

/**
 * The pdfkit standard-font modules (`node_modules/pdfkit/js/standard-fonts/<name>.cjs`) a PDF-rendering bundle
 * carries: the fonts the renderer draws with (`fonts` in functions/adapters/pdf/canvas.ts: Helvetica, Helvetica-Bold).
 */
const bundledPdfFonts = ['Helvetica', 'HelveticaBold'] as const;

/** Builds `<outputDir>/index.mjs` (and its map) from `entryFile`; with `pdfFonts`, pdfkit's fonts beside it. */
export async function bundleFunction(
  entryFile: string,
  outputDir: string,
  options: { readonly pdfFonts: boolean },
): Promise<void> {
  await build(esbuildOptionsFor(entryFile, path.join(outputDir, 'index.mjs')));
  if (options.pdfFonts) {
    // See lib/bundle-pdf-fonts.mjs: the font modules and the package.json `imports` map pdfkit resolves them by.
    execFileSync(
      process.execPath,
      [path.join(projectRoot, 'lib', 'bundle-pdf-fonts.mjs'), projectRoot, outputDir, ...bundledPdfFonts],
      { stdio: 'pipe' },
    );
  }
}

/**
 * CDK's local bundling (`tryBundle`) must answer synchronously, and esbuild runs plugins only in its
 * asynchronous API: so synthesis runs bundle-cli.ts in a child Node process and waits for it. Throws with the
 * child's output when the build fails, so `cdk synth` stops on it rather than shipping an empty asset.
 */
export function bundleAssetLocally(entryFile: string, outputDir: string, pdfFonts: boolean): true {
  const cli = path.join(projectRoot, 'lib', 'bundling', 'bundle-cli.ts');
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', cli, entryFile, outputDir, ...(pdfFonts ? ['--pdf-fonts'] : [])],
    { cwd: projectRoot, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    const output =
      `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() || String(result.error ?? result.signal);
    throw new Error(`bundling ${path.relative(projectRoot, entryFile)} failed:\n${output}`);
  }
  return true;
}
