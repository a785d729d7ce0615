// adapter: opaque page cursors over DynamoDB's LastEvaluatedKey, bound to the tenant that asked.
//
// A cursor only positions a query whose partition key comes from the caller's token, and every key in it
// must lie in that tenant's partitions, so an edited or foreign cursor cannot reach other tenants' data.
import { z } from 'zod';
import { InvalidCursorError } from '../ports/invoice-repository';

const cursorSchema = z.object({ v: z.literal(1), k: z.record(z.string(), z.string().max(1024)) });

export function encodeCursor(lastEvaluatedKey: Record<string, unknown> | undefined): string | undefined {
  if (lastEvaluatedKey === undefined) return undefined;
  return Buffer.from(JSON.stringify({ v: 1, k: lastEvaluatedKey })).toString('base64url');
}

export function decodeCursor(
  cursor: string | undefined,
  tenantId: string,
  expectedAttributes: readonly string[],
): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError('the cursor is not one this API issued');
  }
  const attributes = Object.keys(parsed.k).sort();
  if (attributes.join() !== [...expectedAttributes].sort().join()) {
    throw new InvalidCursorError('the cursor does not belong to this list');
  }
  for (const [name, value] of Object.entries(parsed.k)) {
    if (name.endsWith('pk') && !value.startsWith(`${tenantId}#`)) {
      throw new InvalidCursorError('the cursor does not belong to this list');
    }
  }
  return parsed.k;
}
