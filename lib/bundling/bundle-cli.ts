// cdk bundling CLI: builds one Lambda asset with bundleFunction (bundle-function.ts). ProjectFunction runs it in
// a child process during synthesis, since CDK's local bundling is synchronous and esbuild's plugins are not.
import path from 'node:path';
import { bundleFunction } from './bundle-function';

const usage = `Usage: tsx lib/bundling/bundle-cli.ts <entry-file> <output-dir> [--pdf-fonts]

Builds <output-dir>/index.mjs (with its source map) from <entry-file> with the esbuild options of every Lambda
bundle (lib/bundling/options.ts); with --pdf-fonts, also copies pdfkit's standard fonts beside it.
CDK runs this for each function during \`npm run synth\`; there is no need to run it by hand.

  --pdf-fonts   ship pdfkit's standard fonts (deliver and render)
  --help        print this text`;

const args = process.argv.slice(2);
const [entryFile, outputDir, ...rest] = args;
if (args.includes('--help')) {
  console.log(usage);
} else if (
  entryFile === undefined ||
  outputDir === undefined ||
  rest.some((flag) => flag !== '--pdf-fonts')
) {
  console.error(usage);
  process.exit(2);
} else {
  await bundleFunction(path.resolve(entryFile), path.resolve(outputDir), {
    pdfFonts: rest.includes('--pdf-fonts'),
  });
}
