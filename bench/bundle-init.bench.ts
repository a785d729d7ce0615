// bench: module init time of every Lambda bundle against a DynamoDB-only reference bundle, measured in the same run.
//
// Each bundle is built as CDK builds its asset (lib/bundling/bundle-function.ts), the PDF fonts next to those that
// render. A sample is one fresh Node process importing one bundle, as a cold start does: the time from just before
// `import()` to its end (load, parse, evaluate: clients and renderer built at module scope), with
// `--enable-source-maps` as the functions run. Rounds interleave every bundle, so the shared machine's noise hits
// all alike; each bundle's median is reported with its ratio to the reference's median (goal: ≤ 2×).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleFunction } from '../lib/bundling/bundle-function';
import { projectRoot } from '../lib/bundling/options';
import type { FunctionEntry } from '../lib/project-function';
import { benchOptions, median } from './bench-cli';

const run = promisify(execFile);

const usage = `Usage: npm run bench:init -- [--rounds N]

Builds every Lambda bundle and a DynamoDB-only reference bundle with the functions' esbuild options, then
imports each in a fresh Node process, one of each per round, and prints each bundle's size, its median
module init time and its ratio to the reference's median (goal: at most 2×).

  --rounds N   measured rounds (default 15; each spawns one process per bundle)
  --help       print this text`;

const { rounds } = benchOptions(usage, { rounds: { default: 15, min: 3 } });

const functions: readonly FunctionEntry[] = [
  'authorizer',
  'api-read',
  'api-write',
  'render',
  'deliver',
  'chain',
  'backup',
  'detect',
];
const rendering = new Set<FunctionEntry>(['render']);

/** Every setting any function reads, and AWS pointed at a closed port: module init must not reach the network. */
const environment = {
  PATH: process.env.PATH,
  NODE_OPTIONS: '--enable-source-maps',
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'not-a-secret',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_EC2_METADATA_DISABLED: 'true',
  POWERTOOLS_SERVICE_NAME: 'ledgerlock-bench',
  POWERTOOLS_METRICS_NAMESPACE: 'Ledgerlock',
  POWERTOOLS_TRACE_ENABLED: 'false',
  TABLE_NAME: 'ledgerlock-bench',
  KEY_STORE_TABLE: 'ledgerlock-key-store-bench',
  DATA_KEY_ARN: 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000001',
  BLIND_INDEX_KEY_ARN: 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000002',
  DOCUMENTS_BUCKET: 'ledgerlock-documents-bench',
  DOCUMENTS_KEY_ARN: 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000003',
  BACKUP_BUCKET: 'ledgerlock-backups-bench',
  BACKUP_KEY_ARN: 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000004',
  ALERT_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:ledgerlock-alerts',
  MAIL_FROM: 'invoices@example.com',
  JWT_ISSUER: 'https://issuer.example',
  JWKS_URL: 'https://issuer.example/.well-known/jwks.json',
  RENDER_FUNCTION_NAME: 'ledgerlock-render',
  AUDIT_KEY_ARN: 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000005',
};

const workDir = mkdtempSync(path.join(tmpdir(), 'ledgerlock-init-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

async function bundle(name: string, entryFile: string, withFonts: boolean) {
  const directory = path.join(workDir, name);
  const outfile = path.join(directory, 'index.mjs');
  await bundleFunction(entryFile, directory, { pdfFonts: withFonts });
  return { name, directory, outfile, bytes: statSync(outfile).size };
}

/** One cold import in a fresh process; milliseconds from just before import() to its end. */
async function initMilliseconds(target: { directory: string; outfile: string }): Promise<number> {
  const script = `const started = performance.now(); const module = await import(${JSON.stringify(pathToFileURL(target.outfile).href)}); if (typeof module.handler !== 'function') throw new Error('no handler'); process.stdout.write(String(performance.now() - started));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: target.directory,
    env: environment,
  });
  return Number(stdout);
}

console.log(`building ${functions.length} bundles and the reference with lib/bundling/options.ts …`);
const reference = await bundle(
  'reference (DynamoDB only)',
  path.join(projectRoot, 'bench', 'init-reference.ts'),
  false,
);
const targets = [
  reference,
  ...(await Promise.all(
    functions.map((entry) =>
      bundle(entry, path.join(projectRoot, 'functions', entry, 'lambda.ts'), rendering.has(entry)),
    ),
  )),
];
const samples = new Map(targets.map((target) => [target.name, [] as number[]]));
await Promise.all(targets.map((target) => initMilliseconds(target))); // warm the file cache, not measured
for (let round = 0; round < rounds; round += 1) {
  // One process at a time: parallel processes would compete for the two cores and measure each other.
  for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
    samples.get(target.name)?.push(await initMilliseconds(target));
  }
}

const referenceMedian = median(samples.get(reference.name) ?? []);
console.log(
  `\nmodule init, median of ${rounds} fresh processes each (Node ${process.versions.node}, --enable-source-maps)\n`,
);
console.log(
  `${'bundle'.padEnd(28)}${'index.mjs'.padStart(12)}${'median ms'.padStart(12)}${'ratio'.padStart(9)}  goal ≤ 2×`,
);
for (const target of targets) {
  const value = median(samples.get(target.name) ?? []);
  const ratio = value / referenceMedian;
  const verdict = target === reference ? '' : ratio <= 2 ? 'met' : 'missed';
  console.log(
    `${target.name.padEnd(28)}${`${(target.bytes / 1000).toFixed(0)} kB`.padStart(12)}${value.toFixed(1).padStart(12)}${`${ratio.toFixed(2)}×`.padStart(9)}  ${verdict}`,
  );
}
