// cdk bundling: an esbuild plugin that lets esbuild drop the schemas of AWS SDK operations a function never calls.
//
// Every AWS SDK v3 client keeps the schemas of all its operations and shapes in one module
// (`dist-es/schemas/schemas_0.js`), and marks them with trait objects whose keys are computed from the module's
// string constants: `[9, n0, _SE, { [_h]: ["POST", "/v2/email/outbound-emails", 200] }, …]` with `const _h = "http"`.
// esbuild cannot tell that such a key has no side effect (turning a key into a property name may run code), so it
// keeps every operation's schema and, through them, every shape, whether a command imports them or not: ~56 kB of
// S3's and ~46 kB of SESv2's in deliver, ~40 kB in api-read. Writing each constant's string as a literal key gives
// the same object; the unused schemas then have no side effects and are tree-shaken like any unused constant.
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/** The schema modules of the AWS SDK clients (`@aws-sdk/client-*`), on any platform's path separator. */
const schemaModule = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/**
 * `source` with every computed key `{ [_x]: …` or `, [_x]: …` whose `_x` is a top-level `const _x = "…"` of the
 * module written as the literal `"…"` instead. A key spelt `__proto__` stays computed: as a literal it would set
 * the object's prototype rather than an own property.
 */
export function withLiteralSchemaKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(/^const (_[A-Za-z0-9]+) = ("[A-Za-z0-9_.-]*");$/gm)) {
    if (name !== undefined && literal !== undefined && literal !== '"__proto__"')
      constants.set(name, literal);
  }
  return source.replace(/([{,]\s*)\[(_[A-Za-z0-9]+)\]:/g, (computed, before: string, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? computed : `${before}${literal}:`;
  });
}

export const sdkSchemaKeys: Plugin = {
  name: 'sdk-schema-keys',
  setup(build) {
    build.onLoad({ filter: schemaModule }, async (args) => ({
      contents: withLiteralSchemaKeys(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
