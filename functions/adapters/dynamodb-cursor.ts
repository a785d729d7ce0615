// adapter: opaque page cursors over DynamoDB's LastEvaluatedKey, bound to the tenant and the list that asked.
//
// A cursor only positions a query whose partition key comes from the caller's token, and every key in it
// must lie in that very list's partitions, so an edited, foreign or other-list cursor is refused (400)
// before DynamoDB sees it and can reach no other tenant's data.
import { z } from 'zod';
import { InvalidCursorError } from '../ports/invoice-repository';

const cursorSchema = z.object({ v: z.literal(1), k: z.record(z.string(), z.string().max(1024)) });

/** For each key attribute of the list: the exact value it must have, or the prefix it must start with. */
export type CursorKeyRules = Readonly<
  Record<string, { readonly equals: string } | { readonly prefix: string }>
>;

export function encodeCursor(lastEvaluatedKey: Record<string, unknown> | undefined): string | undefined {
  if (lastEvaluatedKey === undefined) return undefined;
  return Buffer.from(JSON.stringify({ v: 1, k: lastEvaluatedKey })).toString('base64url');
}

export function decodeCursor(
  cursor: string | undefined,
  rules: CursorKeyRules,
): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError('the cursor is not one this API issued');
  }
  const attributes = Object.keys(parsed.k).sort();
  if (attributes.join() !== Object.keys(rules).sort().join()) {
    throw new InvalidCursorError('the cursor does not belong to this list');
  }
  for (const [name, rule] of Object.entries(rules)) {
    const value = parsed.k[name] ?? '';
    const fits = 'equals' in rule ? value === rule.equals : value.startsWith(rule.prefix);
    if (!fits) throw new InvalidCursorError('the cursor does not belong to this list');
  }
  return parsed.k;
}
