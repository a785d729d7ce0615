// adapter (memory): page cursors for the in-memory lists — an offset bound to tenant and list, refused like the
// sealed DynamoDB cursors when it was made for another tenant or list (InvalidCursorError → 400).
import * as z from 'zod/mini';
import { InvalidCursorError, type Page } from '../../ports/page';

const cursorSchema = z.object({ tenant: z.string(), list: z.string(), offset: z.int().check(z.minimum(0)) });

export function pageOf<Item>(
  items: readonly Item[],
  tenantId: string,
  list: string,
  limit: number,
  cursor?: string,
): Page<Item> {
  let offset = 0;
  if (cursor !== undefined) {
    let parsed: z.infer<typeof cursorSchema>;
    try {
      parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    } catch (error) {
      throw new InvalidCursorError('the cursor is not one this API issued for this list', { cause: error });
    }
    if (parsed.tenant !== tenantId || parsed.list !== list) {
      throw new InvalidCursorError('the cursor is not one this API issued for this list');
    }
    offset = parsed.offset;
  }
  const page = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? offset + limit : undefined;
  return {
    items: page,
    ...(next === undefined
      ? {}
      : {
          nextCursor: Buffer.from(JSON.stringify({ tenant: tenantId, list, offset: next })).toString(
            'base64url',
          ),
        }),
  };
}
