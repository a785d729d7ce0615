// test: the PDF-rendering Lambda bundles — built by ProjectFunction with real esbuild bundling, then loaded in
// Node with dummy configuration and every AWS endpoint pointed at a closed local port (nothing reaches AWS).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { build } from 'esbuild';
import { esbuildOptionsFor } from '../../lib/bundling/options';
import { type FunctionEntry, ProjectFunction } from '../../lib/project-function';
import { testApp, testEnv } from './ledgerlock-app';

const run = promisify(execFile);
const repositoryRoot = path.resolve(import.meta.dirname, '../..');

/** Synthesizes one ProjectFunction with bundling on and returns the directory of its asset. */
function bundle(entry: FunctionEntry, bundlesPdfFonts: boolean): string {
  const app = testApp({ bundling: true });
  const stack = new Stack(app, 'Bundle', { env: testEnv });
  new ProjectFunction(stack, 'Fn', {
    entry,
    description: 'bundle under test',
    logKey: new kms.Key(stack, 'LogKey'),
    bundlesPdfFonts,
  });
  const outdir = app.synth().directory;
  const assets = readdirSync(outdir)
    .map((name) => path.join(outdir, name))
    .filter((directory) => existsSync(path.join(directory, 'index.mjs')));
  expect(assets).toHaveLength(1);
  return assets[0] as string;
}

/** Dummy configuration for every function, and AWS endpoints on a port where nothing listens. */
const isolatedEnvironment = {
  PATH: process.env.PATH,
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'not-a-secret',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_EC2_METADATA_DISABLED: 'true',
  TABLE_NAME: 'ledgerlock-test',
  DATA_KEY_ARN: 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000001',
  KEY_STORE_TABLE: 'ledgerlock-key-store-test',
  BLIND_INDEX_KEY_ARN: 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000002',
  AUDIT_KEY_ARN: 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000003',
  DOCUMENTS_BUCKET: 'ledgerlock-documents-test',
  DOCUMENTS_KEY_ARN: 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000003',
  MAIL_FROM: 'invoices@example.com',
  POWERTOOLS_SERVICE_NAME: 'ledgerlock-test',
};

/** Imports the bundle as the Lambda runtime would and reports what its module exports. */
async function load(asset: string): Promise<{ stdout: string; stderr: string }> {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(asset, 'index.mjs')).href)}); console.log(typeof m.handler);`;
  return run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: asset,
    env: isolatedEnvironment,
  }).catch((error: { stdout: string; stderr: string }) => error);
}

describe('PDF bundles', () => {
  describe('render', () => {
    let asset = '';
    beforeAll(() => {
      asset = bundle('render', true);
    }, 120_000);

    it('carries the standard-font modules and the imports map pdfkit resolves them through', () => {
      expect(readdirSync(path.join(asset, 'standard-fonts')).sort()).toEqual([
        'Helvetica.cjs',
        'HelveticaBold.cjs',
        'chunks',
      ]);
      expect(readdirSync(path.join(asset, 'standard-fonts', 'chunks'))).toEqual([
        expect.stringMatching(/^standardGlyphNames-.+\.cjs$/),
      ]);
      expect(JSON.parse(readFileSync(path.join(asset, 'package.json'), 'utf8'))).toEqual({
        type: 'module',
        imports: { '#standard-fonts/*': './standard-fonts/*.cjs' },
      });
    });

    it('loads in Node and builds its renderer at module scope', async () => {
      const outcome = await load(asset);

      expect({ stdout: outcome.stdout.trim(), stderr: outcome.stderr }).toEqual({
        stdout: 'function',
        stderr: expect.not.stringContaining('Error'),
      });
    }, 60_000);

    it('renders a PDF with the fonts next to the bundle', async () => {
      // A probe bundled the same way into the same directory, so it resolves fonts exactly as index.mjs does.
      const probeEntry = path.join(asset, 'probe.ts');
      writeFileSync(
        probeEntry,
        [
          `import { PdfKitInvoiceRenderer } from ${JSON.stringify(path.join(repositoryRoot, 'functions/adapters/pdfkit-invoice-renderer.ts'))};`,
          `import { computeTotals } from ${JSON.stringify(path.join(repositoryRoot, 'functions/domain/money.ts'))};`,
          // A description longer than its column, so the renderer wraps it (it wraps lines itself, not pdfkit).
          `const lines = [{ description: 'Consulting: design, implementation and review of the invoicing pipeline across two release cycles', quantity: 2, unitAmount: 12000, taxRateBps: 1900 }];`,
          'const totals = computeTotals(lines);',
          'const bytes = await new PdfKitInvoiceRenderer().render({',
          `  seller: { name: 'Acme GmbH', address: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' } },`,
          `  buyer: { name: 'Jane Buyer', email: 'jane@example.com', address: { line1: '1 High St', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' } },`,
          `  number: 'INV-2026-000001', issueDate: '2026-09-03', dueDate: '2026-10-03', currency: 'EUR', language: 'en-GB',`,
          '  lines: lines.map((line, index) => ({ ...line, ...totals.lines[index] })),',
          '  subtotal: totals.subtotal, tax: totals.tax, total: totals.total,',
          '  amountPaid: 0, amountCredited: 0, amountDue: totals.total,',
          '});',
          `process.stdout.write(new TextDecoder('latin1').decode(bytes.subarray(0, 5)));`,
        ].join('\n'),
      );
      // With the functions' own esbuild options, stand-ins included, so a stand-in the renderer reaches fails here.
      await build(esbuildOptionsFor(probeEntry, path.join(asset, 'probe.mjs')));

      const { stdout } = await run(process.execPath, [path.join(asset, 'probe.mjs')], {
        cwd: asset,
        env: isolatedEnvironment,
      });

      expect(stdout).toBe('%PDF-');
    }, 60_000);
  });

  describe('without the fonts', () => {
    it('fails to load render at cold start with PdfFontsUnavailableError', async () => {
      const asset = bundle('render', false);

      const outcome = await load(asset);

      expect(outcome.stderr).toContain('PdfFontsUnavailableError');
    }, 120_000);
  });
});
