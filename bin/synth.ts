// cdk: stand-in for `cdk synth --quiet` — runs the app as the CLI does (context from cdk.json, CDK_OUTDIR),
// because the installed aws-cdk CLI 3.0.0 reads cloud-assembly schema ≤ 43 and aws-cdk-lib 2.276 writes 55.
// Remove it and point the `synth` script back at `cdk synth --quiet` once the CLI is ≥ 2.1148.2.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'cdk.out');

const cdkJsonSchema = z.object({ app: z.string(), context: z.record(z.string(), z.unknown()).default({}) });
const cdkJson = cdkJsonSchema.parse(JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')));
const contextFile = path.join(root, 'cdk.context.json');
const cachedContext = existsSync(contextFile)
  ? z.record(z.string(), z.unknown()).parse(JSON.parse(readFileSync(contextFile, 'utf8')))
  : {};

// `-c key=value` / `--context key=value`, as on the CLI.
const argumentContext: Record<string, string> = {};
const args = process.argv.slice(2);
for (let index = 0; index < args.length; index++) {
  const flag = args[index];
  const pair = args[index + 1];
  if ((flag === '-c' || flag === '--context') && pair?.includes('=')) {
    const separator = pair.indexOf('=');
    argumentContext[pair.slice(0, separator)] = pair.slice(separator + 1);
    index++;
  } else {
    throw new Error(`synth: unknown argument "${flag}"; only -c key=value is supported`);
  }
}

const context = {
  ...cdkJson.context,
  ...cachedContext,
  // The CLI bundles every stack's assets on synth; so does this.
  'aws:cdk:bundling-stacks': ['**'],
  ...argumentContext,
};

rmSync(outdir, { recursive: true, force: true });
const started = Date.now();
const result = spawnSync(cdkJson.app, {
  cwd: root,
  shell: true,
  stdio: 'inherit',
  env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
});
if (result.status !== 0) process.exit(result.status ?? 1);

const manifest = z
  .object({ artifacts: z.record(z.string(), z.object({ type: z.string() })) })
  .parse(JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')));
const stacks = Object.entries(manifest.artifacts)
  .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
  .map(([name]) => name);
console.log(
  `Synthesized ${stacks.join(', ')} to ${path.relative(root, outdir)} in ${Date.now() - started} ms`,
);
