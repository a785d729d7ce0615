// cdk: the esbuild options of every Lambda bundle, in one place: ProjectFunction builds its asset with them
// (bundle-function.ts), and the bundle-size test and the init benchmark build with them too, so neither can drift
// from what CDK ships (test/infra/bundle-size.test.ts also checks that both builds give the same bytes).
import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { sdkSchemaKeys } from './sdk-schema-keys';

/** Repository root: entries and the stand-ins below are resolved against it, and esbuild runs from it. */
export const projectRoot = path.resolve(import.meta.dirname, '..', '..');

/** ESM output still runs CommonJS dependencies that call require(); give them one. */
const requireBanner =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * Packages a Lambda bundle replaces with a stand-in from lib/bundling/, each for code that can never run on
 * Lambda and would otherwise be inlined (esbuild inlines dynamic imports into a single-file bundle) and parsed, and
 * often run, at every cold start (bench/bundle-init.bench.ts measures that):
 * - the default credential chain's links for developer machines (profile files, SSO, `credential_process`, web
 *   identity token files) — Lambda hands the role's credentials to the function in environment variables, which
 *   the chain's first link reads; the environment, container and instance-metadata links stay as the SDK has
 *   them. ~140 kB per function.
 * - asn1.js (with its own copy of bn.js), which the Encryption SDK needs only for ECDSA-signed messages; the sealer
 *   writes and accepts the unsigned committing suite alone, so a signed message fails closed with or without it.
 *   ~68 kB in every function that opens sealed records.
 * - bn.js, which the Encryption SDK needs for the 64-bit content lengths of every message (native BigInt does
 *   those) and for the curve arithmetic of signed messages only (which throws, as the asn1.js stand-in does).
 *   ~45 kB in every function that opens sealed records.
 * - fontkit, which pdfkit needs only for embedded (TrueType/OpenType/WOFF) fonts; the renderer draws with the PDF
 *   standard fonts alone (functions/adapters/pdf/canvas.ts), whose metrics pdfkit reads without fontkit. ~720 kB
 *   with brotli in deliver.
 * - @noble/ciphers/aes and png-js, which pdfkit needs only for password-protected documents and PNG images; the
 *   renderer writes neither (the AES module also builds its tables at load). ~11 kB in deliver and render.
 * - linebreak, which pdfkit needs only to wrap text drawn with a width; the renderer wraps its lines itself and draws
 *   each with `lineBreak: false`. ~15 kB with unicode-trie and tiny-inflate, and the line-break table they inflate
 *   at load, in deliver and render.
 * - readable-stream, a userland copy of Node 10's streams, which the Encryption SDK (and duplexify under it) builds
 *   its sealing and opening pipelines from: not code that cannot run but a second copy of what Node 24 has built in
 *   and the AWS SDK has loaded already; native-streams.ts hands over Node's classes. ~45 kB with string_decoder,
 *   and its module-scope setup, in every function that opens sealed records.
 * - semver, which aws-xray-sdk-core needs only to check an AWS SDK v2's version in `captureAWS`; the traced
 *   functions capture SDK v3 clients alone. ~30 kB, and the regular expressions it compiles at load, in every
 *   function with the tracer.
 * - the AWS SDK's event streams, which the S3 and Lambda clients wire in for their streaming operations
 *   (SelectObjectContent, InvokeWithResponseStream); the functions make request/response calls alone. ~15 kB in
 *   every function with an S3 or Lambda client.
 * Each stand-in throws a named error if the code it replaces is ever reached (bn.js's keeps the length arithmetic
 * every message needs; native-streams.ts replaces rather than refuses), so a change that needs the real package fails loudly: the infra tests load every bundle,
 * render a PDF and seal and open messages with the stand-ins in place (pdf-bundles, sealed-bundles).
 */
export const bundleStandIns = {
  '@aws-sdk/credential-provider-ini': 'lib/bundling/developer-credential-sources.ts',
  '@aws-sdk/credential-provider-process': 'lib/bundling/developer-credential-sources.ts',
  '@aws-sdk/credential-provider-sso': 'lib/bundling/developer-credential-sources.ts',
  '@aws-sdk/credential-provider-web-identity': 'lib/bundling/developer-credential-sources.ts',
  'asn1.js': 'lib/bundling/unsigned-messages-only.ts',
  'bn.js': 'lib/bundling/message-lengths-only.ts',
  fontkit: 'lib/bundling/standard-fonts-only.ts',
  'readable-stream': 'lib/bundling/native-streams.ts',
  '@noble/ciphers/aes': 'lib/bundling/unencrypted-pdfs-only.ts',
  'png-js': 'lib/bundling/vector-pdfs-only.ts',
  linebreak: 'lib/bundling/unwrapped-pdf-text-only.ts',
  semver: 'lib/bundling/sdk-v3-tracing-only.ts',
  '@smithy/core/event-streams': 'lib/bundling/request-response-calls-only.ts',
} as const;

/**
 * What every bundle is built with. ESM (pdfkit needs `import.meta.url`), Node 24, the `module` build of every
 * package that has one (ESM tree-shakes; CommonJS does not), minified, line-mapped without embedded sources, the
 * AWS SDK bundled so its version is the one in package-lock.json rather than the runtime's, nothing external.
 */
const lambdaBundleOptions = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  banner: requireBanner,
  external: [] as string[],
  alias: Object.fromEntries(
    Object.entries(bundleStandIns).map(([name, standIn]) => [name, `./${standIn}`]),
  ) as Record<string, string>,
} as const;

/**
 * esbuild's build options for one entry, run from the project root, with the plugin that drops the AWS SDK
 * schemas a function never uses (sdk-schema-keys.ts), plus the metafile the size test reads.
 */
export function esbuildOptionsFor(entryFile: string, outfile: string): BuildOptions {
  const { banner, ...options } = lambdaBundleOptions;
  return {
    ...options,
    mainFields: [...options.mainFields],
    external: [...options.external],
    alias: { ...options.alias },
    banner: { js: banner },
    entryPoints: [path.relative(projectRoot, entryFile)],
    absWorkingDir: projectRoot,
    bundle: true,
    outfile,
    plugins: [sdkSchemaKeys],
    metafile: true,
    logLevel: 'error',
  };
}
