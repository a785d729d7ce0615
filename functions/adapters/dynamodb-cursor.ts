// adapter: opaque, authenticated page cursors over DynamoDB's LastEvaluatedKey.
//
// A cursor is the position sealed under the tenant's key with the list's name in the encryption context: the
// client can neither read the key layout out of it nor forge, edit or move one to another tenant or list — any
// such cursor fails to open and is refused (400) before DynamoDB sees it. The opened key is then still checked
// against the list's own partitions, so even a bug elsewhere could not point a query at other data.
import * as z from 'zod/mini';
import { InvalidCursorError } from '../ports/page';
import type { Sealer } from '../ports/sealer';

const positionSchema = z.object({
  v: z.literal(1),
  k: z.record(z.string(), z.string().check(z.minLength(1), z.maxLength(1024))),
});

/** For each key attribute of the list: the exact value it must have, or the prefix it must start with. */
export type CursorKeyRules = Readonly<
  Record<string, { readonly equals: string } | { readonly prefix: string }>
>;

const cursorEntity = 'page-cursor';

export class PageCursors {
  constructor(private readonly sealer: Sealer) {}

  private context(tenantId: string, list: string) {
    return { tenantId, entityType: cursorEntity, entityId: list, digest: list };
  }

  async encode(
    tenantId: string,
    list: string,
    lastEvaluatedKey: Record<string, unknown> | undefined,
  ): Promise<string | undefined> {
    if (lastEvaluatedKey === undefined) return undefined;
    const position = JSON.stringify({ v: 1, k: lastEvaluatedKey });
    const sealed = await this.sealer.seal(new TextEncoder().encode(position), this.context(tenantId, list));
    return Buffer.from(sealed).toString('base64url');
  }

  async decode(
    tenantId: string,
    list: string,
    cursor: string | undefined,
    rules: CursorKeyRules,
  ): Promise<Record<string, string> | undefined> {
    if (cursor === undefined) return undefined;
    let position: z.infer<typeof positionSchema>;
    try {
      const opened = await this.sealer.open(Buffer.from(cursor, 'base64url'), this.context(tenantId, list));
      position = positionSchema.parse(JSON.parse(new TextDecoder().decode(opened)));
    } catch (error) {
      throw new InvalidCursorError('the cursor is not one this API issued for this list', { cause: error });
    }
    const attributes = Object.keys(position.k).sort();
    if (attributes.join() !== Object.keys(rules).sort().join()) {
      throw new InvalidCursorError('the cursor does not belong to this list');
    }
    for (const [name, rule] of Object.entries(rules)) {
      const value = position.k[name] ?? '';
      const fits = 'equals' in rule ? value === rule.equals : value.startsWith(rule.prefix);
      if (!fits) throw new InvalidCursorError('the cursor does not belong to this list');
    }
    return position.k;
  }
}
