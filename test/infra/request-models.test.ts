// test: route schemas → API Gateway request models (JSON Schema draft 4 with portable patterns).
import { z } from 'zod';
import { freeText } from '../../functions/platform/free-text-schema';
import { createInvoiceSchema } from '../../functions/platform/schemas';
import { portablePattern, requestModelSchema } from '../../lib/request-models';

/** Every `pattern` in a schema, with the path that leads to it. */
function patterns(node: unknown, path = '$'): { path: string; pattern: string }[] {
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'pattern' && typeof value === 'string'
      ? [{ path, pattern: value }]
      : patterns(value, `${path}.${key}`),
  );
}

describe('requestModelSchema', () => {
  describe('create invoice', () => {
    const schema = requestModelSchema(createInvoiceSchema(), 'POST /v1/invoices') as Record<string, unknown>;

    it('keeps the structure: required fields that exist and no unknown properties', () => {
      expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
      const required = schema.required as string[];
      expect(required.length).toBeGreaterThan(0);
      expect(Object.keys(schema.properties as object)).toEqual(expect.arrayContaining(required));
    });

    it('leaves $schema and format to CDK and the patterns', () => {
      expect(JSON.stringify(schema)).not.toMatch(/"\$schema"|"format"/);
    });

    it('writes patterns that read the same without the regex u flag, as API Gateway reads them', () => {
      const found = patterns(schema);
      expect(found.length).toBeGreaterThan(0);
      for (const { path, pattern } of found) {
        expect({ path, pattern, hasPropertyEscape: /\\[pP]\{/.test(pattern) }).toEqual({
          path,
          pattern,
          hasPropertyEscape: false,
        });
      }
    });
  });

  describe('free text', () => {
    it('accepts text with the letters p and c and accents but refuses control characters', () => {
      const schema = requestModelSchema(z.object({ name: freeText(100) }), 'POST /v1/names') as {
        properties: { name: { pattern: string } };
      };
      const withoutUnicodeFlag = new RegExp(schema.properties.name.pattern);
      expect(withoutUnicodeFlag.test('Café Plüschke & Co.')).toBe(true);
      expect(withoutUnicodeFlag.test('bell\u0007')).toBe(false);
      expect(withoutUnicodeFlag.test('c1 control\u0085')).toBe(false);
    });
  });

  describe('unsupported schemas', () => {
    it('refuses keywords draft 4 lacks, naming the route', () => {
      const schema = z.object({ note: z.string().meta({ examples: ['x'] }) });
      expect(() => requestModelSchema(schema, 'POST /v1/notes')).toThrow(
        /POST \/v1\/notes.*keyword "examples", which draft 4/,
      );
    });
  });
});

describe('portablePattern', () => {
  describe('rewriting \\p{Cc}', () => {
    it('spells the category as a range inside a character class', () => {
      expect(portablePattern('^[^\\p{Cc}]*$', 'test')).toBe('^[^\\u0000-\\u001F\\u007F-\\u009F]*$');
    });

    it('wraps the range in a class outside one', () => {
      expect(portablePattern('^a\\p{Cc}$', 'test')).toBe('^a[\\u0000-\\u001F\\u007F-\\u009F]$');
    });

    it('leaves an escaped backslash followed by p alone', () => {
      expect(portablePattern('^\\\\p{Cc}$', 'test')).toBe('^\\\\p{Cc}$');
    });

    it('refuses other property escapes', () => {
      expect(() => portablePattern('^\\p{L}+$', 'GET /x')).toThrow(
        /GET \/x: pattern .* uses the Unicode property escape/,
      );
    });
  });
});
