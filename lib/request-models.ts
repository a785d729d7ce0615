// cdk: turns a route's zod request schema into the JSON Schema draft 4 that API Gateway request models accept.
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { z } from 'zod';

/** Every keyword JSON Schema draft 4 defines; anything else (`const`, `$defs`, …) API Gateway would not honour. */
const draft4Keywords = new Set([
  '$schema',
  'id',
  '$ref',
  'title',
  'description',
  'default',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'additionalItems',
  'items',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
  'additionalProperties',
  'definitions',
  'properties',
  'patternProperties',
  'dependencies',
  'enum',
  'type',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'format',
]);

/** Keywords whose value maps names (property names, definition names) to schemas. */
const schemaMapKeywords = new Set(['properties', 'patternProperties', 'definitions', 'dependencies']);

/** Unicode category Cc (control characters) as a range every regex dialect reads the same way. */
const controlCharacterRange = '\\u0000-\\u001F\\u007F-\\u009F';

/**
 * Rewrites a pattern so it means the same without the `u` flag. zod writes `\p{Cc}`; API Gateway's validator
 * (like any ECMAScript regex without `u`) would read that as the letters "p{Cc}" and reject names containing
 * "p" or "c". Other property escapes have no portable spelling and are refused.
 */
export function portablePattern(pattern: string, where: string): string {
  let result = '';
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index];
    if (character === '\\') {
      const escapeSequence = pattern.slice(index, index + 6);
      if (escapeSequence === '\\p{Cc}') {
        result += inClass ? controlCharacterRange : `[${controlCharacterRange}]`;
        index += 5;
        continue;
      }
      if (/^\\[pP]\{/.test(escapeSequence)) {
        throw new Error(
          `${where}: pattern ${pattern} uses the Unicode property escape ${escapeSequence}…, which API Gateway cannot read; spell it as a character range in the zod schema`,
        );
      }
      result += pattern.slice(index, index + 2);
      index += 1;
      continue;
    }
    if (character === '[' && !inClass) inClass = true;
    else if (character === ']' && inClass) inClass = false;
    result += character;
  }
  return result;
}

function toDraft4(node: unknown, where: string): unknown {
  if (Array.isArray(node)) return node.map((entry) => toDraft4(entry, where));
  if (node === null || typeof node !== 'object') return node;
  const output: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (!draft4Keywords.has(keyword)) {
      throw new Error(
        `${where}: the request schema produces JSON Schema keyword "${keyword}", which draft 4 (API Gateway) lacks; express it with draft 4 keywords or move the check into the handler`,
      );
    }
    // zod's formats (date, email, …) are not all draft 4 formats; zod also emits a pattern for each, which is portable.
    if (keyword === 'format' || keyword === '$schema') continue;
    if (keyword === 'enum' || keyword === 'default' || keyword === 'required') {
      // Data, not schemas: copied as they are.
      output[keyword] = value;
    } else if (keyword === 'pattern' && typeof value === 'string') {
      output[keyword] = portablePattern(value, where);
    } else if (schemaMapKeywords.has(keyword) && value !== null && typeof value === 'object') {
      output[keyword] = Object.fromEntries(
        Object.entries(value).map(([name, schema]) => [name, toDraft4(schema, `${where}.${name}`)]),
      );
    } else {
      output[keyword] = toDraft4(value, where);
    }
  }
  return output;
}

/**
 * The API Gateway model schema for a zod request schema: zod's draft 4 output, minus `format` and `$schema`
 * (CDK writes the draft 4 `$schema`), with portable patterns. Refinements (card numbers, currencies) do not
 * survive the conversion; the handler re-validates every body with the same zod schema.
 */
export function requestModelSchema(schema: z.ZodType, where: string): apigateway.JsonSchema {
  const jsonSchema = z.toJSONSchema(schema, { target: 'draft-4', io: 'input', unrepresentable: 'throw' });
  // Property names match CDK's JsonSchema type one to one; CDK adds `$schema: draft-04` on its own.
  return toDraft4(jsonSchema, where) as apigateway.JsonSchema;
}
