// cdk bundling hook: makes pdfkit's standard fonts loadable next to a single-file ESM Lambda bundle.
//
// Usage (from bundleFunction, lib/bundling/bundle-function.ts): node bundle-pdf-fonts.mjs <inputDir> <outputDir> <Font>…
//
// pdfkit loads each standard font with createRequire(import.meta.url)('#standard-fonts/<Font>'), a subpath
// import resolved through the "imports" field of the package.json nearest to the calling file — the bundle
// once esbuild has inlined pdfkit (see functions/adapters/pdfkit-invoice-renderer.ts). So this copies
// node_modules/pdfkit/js/standard-fonts/<Font>.cjs and every relative file it requires into
// <outputDir>/standard-fonts/, and writes <outputDir>/package.json mapping '#standard-fonts/*' there.
// Plain Node APIs only, so it runs the same under bash, cmd and Docker bundling.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [inputDir, outputDir, ...fonts] = process.argv.slice(2);
if (inputDir === undefined || outputDir === undefined || fonts.length === 0) {
  throw new Error(
    'usage: node bundle-pdf-fonts.mjs <inputDir> <outputDir> <Font>… (e.g. Helvetica HelveticaBold)',
  );
}

const sourceRoot = path.join(inputDir, 'node_modules', 'pdfkit', 'js', 'standard-fonts');
const targetRoot = path.join(outputDir, 'standard-fonts');
const copied = new Set();

/** Copies one file (relative to standard-fonts/) and, recursively, the relative files it requires. */
function copyWithRequires(relativePath) {
  const normalized = path.normalize(relativePath);
  if (normalized.startsWith('..') || path.isAbsolute(normalized)) {
    throw new Error(`bundle-pdf-fonts: ${relativePath} lies outside pdfkit's standard-fonts folder`);
  }
  if (copied.has(normalized)) return;
  copied.add(normalized);
  const source = path.join(sourceRoot, normalized);
  if (!existsSync(source)) {
    throw new Error(
      `bundle-pdf-fonts: ${source} does not exist; pdfkit's font layout changed — update lib/bundle-pdf-fonts.mjs and the renderer notes`,
    );
  }
  const target = path.join(targetRoot, normalized);
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(source, target);
  for (const [, , required] of readFileSync(source, 'utf8').matchAll(/require\((['"])([^'"]+)\1\)/g)) {
    if (!required.startsWith('./') && !required.startsWith('../')) {
      // A package require would not resolve from the Lambda asset, which has no node_modules.
      throw new Error(
        `bundle-pdf-fonts: ${normalized} requires the package "${required}", which the bundle cannot provide`,
      );
    }
    copyWithRequires(path.join(path.dirname(normalized), required));
  }
}

for (const font of fonts) {
  if (!/^[A-Za-z]+$/.test(font)) {
    throw new Error(`bundle-pdf-fonts: font "${font}" must be a file name such as HelveticaBold`);
  }
  copyWithRequires(`${font}.cjs`);
}

// .cjs files stay CommonJS whatever "type" says; "module" matches the bundle's own format (index.mjs).
writeFileSync(
  path.join(outputDir, 'package.json'),
  `${JSON.stringify({ type: 'module', imports: { '#standard-fonts/*': './standard-fonts/*.cjs' } }, null, 2)}\n`,
);
