// local: DynamoDB's billing rules for what the emulator cannot tell us — the write request units of a
// TransactWriteItems, and the bytes an item is stored (and backed up) as — computed from the items themselves.
// DynamoDB Local computes single-item units correctly but reports a transaction as if it held one small item (a
// transaction of ten 600-byte puts answers 2 units, not 20), which would hide most of our writes from `npm run cost`.
// So the metering proxy reads every item a transaction touches before and after it (DynamoDB JSON, straight from
// the emulator) and this module prices them by DynamoDB's published rules.
//
// The rules (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html,
// …/transaction-apis.html, …/GSI.html#GSI.ThroughputConsiderations):
// - an item's size is the sum of its attribute names and values (strings and binaries by their bytes, numbers by
//   their digits, maps and lists with 3 bytes plus 1 per element);
// - a write costs 1 unit per started KB of the larger of the item before and after it; every action of a
//   transaction (ConditionCheck included) costs twice that;
// - each global secondary index the item is (or was) in costs a write of its index entry's size when a projected
//   attribute changes, two (a delete and a put) when the index key changes. Index writes are propagated after the
//   transaction commits and are priced here as standard writes, not transactional ones;
// - storage is each item's size plus 100 bytes, and each index entry's (projected attributes) plus 100 bytes;
//   backups and point-in-time recovery are sized by the table without its global secondary indexes.

type AttributeValue = Readonly<Record<string, unknown>>;
export type DynamoItem = Readonly<Record<string, AttributeValue>>;

export interface IndexSchema {
  readonly name: string;
  readonly keys: readonly string[];
  readonly projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly included: readonly string[];
}

export interface TableSchema {
  readonly keys: readonly string[];
  readonly indexes: readonly IndexSchema[];
}

/** The key schema and indexes of a DescribeTable answer's `Table`. */
export function tableSchemaOf(table: {
  readonly KeySchema?: readonly { readonly AttributeName?: string }[];
  readonly GlobalSecondaryIndexes?: readonly {
    readonly IndexName?: string;
    readonly KeySchema?: readonly { readonly AttributeName?: string }[];
    readonly Projection?: { readonly ProjectionType?: string; readonly NonKeyAttributes?: readonly string[] };
  }[];
}): TableSchema {
  const names = (keys: readonly { readonly AttributeName?: string }[] | undefined) =>
    (keys ?? []).map((key) => key.AttributeName ?? '');
  return {
    keys: names(table.KeySchema),
    indexes: (table.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName ?? '',
      keys: names(index.KeySchema),
      projection: (index.Projection?.ProjectionType ?? 'ALL') as IndexSchema['projection'],
      included: index.Projection?.NonKeyAttributes ?? [],
    })),
  };
}

function valueBytes(value: AttributeValue): number {
  const [type, content] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(content), 'utf8');
    case 'N':
      return numberBytes(String(content));
    case 'B':
      return binaryBytes(content);
    case 'SS':
      return (content as string[]).reduce((sum, entry) => sum + Buffer.byteLength(entry, 'utf8'), 0);
    case 'NS':
      return (content as string[]).reduce((sum, entry) => sum + numberBytes(entry), 0);
    case 'BS':
      return (content as unknown[]).reduce((sum: number, entry) => sum + binaryBytes(entry), 0);
    case 'M':
      return Object.entries(content as Record<string, AttributeValue>).reduce(
        (sum, [name, entry]) => sum + 1 + Buffer.byteLength(name, 'utf8') + valueBytes(entry),
        3,
      );
    case 'L':
      return (content as AttributeValue[]).reduce((sum, entry) => sum + 1 + valueBytes(entry), 3);
    default:
      return 1; // BOOL, NULL
  }
}

/** DynamoDB JSON carries binaries as base64; the SDK's AttributeValue as bytes. */
const binaryBytes = (content: unknown) =>
  content instanceof Uint8Array ? content.length : Buffer.from(String(content), 'base64').length;

/** Numbers take about one byte per two significant digits, plus one. */
function numberBytes(text: string): number {
  const digits = text
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

export function itemBytes(item: DynamoItem | undefined, only?: ReadonlySet<string>): number {
  if (item === undefined) return 0;
  return Object.entries(item)
    .filter(([name]) => only === undefined || only.has(name))
    .reduce((sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + valueBytes(value), 0);
}

const unitsOf = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/** The key of an item (or of a Key) under a table's key schema, as one string. */
export function keyString(schema: TableSchema, item: DynamoItem): string {
  return JSON.stringify(schema.keys.map((name) => item[name] ?? null));
}

/** The attributes of an item an index holds, or undefined when the item is not in it. */
function indexEntry(schema: TableSchema, index: IndexSchema, item?: DynamoItem): DynamoItem | undefined {
  if (item === undefined || !index.keys.every((name) => item[name] !== undefined)) return undefined;
  if (index.projection === 'ALL') return item;
  const projected = new Set([
    ...schema.keys,
    ...index.keys,
    ...(index.projection === 'INCLUDE' ? index.included : []),
  ]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => projected.has(name)));
}

/** Bytes an item is billed for as storage: in the table itself, and in its global secondary indexes. */
export function storedBytes(schema: TableSchema, item: DynamoItem): { table: number; indexes: number } {
  return {
    table: itemBytes(item) + 100,
    indexes: schema.indexes.reduce((sum, index) => {
      const entry = indexEntry(schema, index, item);
      return entry === undefined ? sum : sum + itemBytes(entry) + 100;
    }, 0),
  };
}

function indexUnits(
  schema: TableSchema,
  index: IndexSchema,
  before?: DynamoItem,
  after?: DynamoItem,
): number {
  const was = indexEntry(schema, index, before);
  const is = indexEntry(schema, index, after);
  if (was === undefined && is === undefined) return 0;
  if (was === undefined) return unitsOf(itemBytes(is));
  if (is === undefined) return unitsOf(itemBytes(was));
  const sameKey = index.keys.every((name) => JSON.stringify(was[name]) === JSON.stringify(is[name]));
  if (!sameKey) return unitsOf(itemBytes(was)) + unitsOf(itemBytes(is));
  return JSON.stringify(was) === JSON.stringify(is) ? 0 : unitsOf(itemBytes(is));
}

export interface TransactionAction {
  readonly table: string;
  readonly kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  /** The item's key string (keyString). */
  readonly key: string;
  /** The item's key attributes, as a Key. */
  readonly keyItem: DynamoItem;
  /** For a Put: the item written. */
  readonly item?: DynamoItem;
}

/** The actions of a TransactWriteItems request, with their keys under each table's schema. */
export function transactionActions(
  request: { readonly TransactItems?: readonly Record<string, Record<string, unknown>>[] },
  schemas: ReadonlyMap<string, TableSchema>,
): TransactionAction[] {
  return (request.TransactItems ?? []).flatMap((action) => {
    const [kind, body] = Object.entries(action)[0] ?? [];
    if (body === undefined) return [];
    const table = String(body.TableName ?? '');
    const schema = schemas.get(table);
    if (schema === undefined) return [];
    const item = body.Item as DynamoItem | undefined;
    const source = (item ?? body.Key) as DynamoItem;
    const keyItem = Object.fromEntries(schema.keys.map((name) => [name, source[name] ?? { NULL: true }]));
    return [
      {
        table,
        kind: kind as TransactionAction['kind'],
        key: keyString(schema, source),
        keyItem,
        ...(item === undefined ? {} : { item }),
      },
    ];
  });
}

/**
 * Write units of each action of a committed transaction (table and index writes together), with its table and the
 * kind of item it wrote, from the items as they were before it and are after it (`before` and `after` keyed by
 * table, then key string).
 */
export function transactionWriteUnits(
  actions: readonly TransactionAction[],
  schemas: ReadonlyMap<string, TableSchema>,
  before: ReadonlyMap<string, ReadonlyMap<string, DynamoItem>>,
  after: ReadonlyMap<string, ReadonlyMap<string, DynamoItem>>,
): { readonly table: string; readonly item: string; readonly units: number }[] {
  return actions.flatMap((action) => {
    const schema = schemas.get(action.table);
    if (schema === undefined) return [];
    const old = before.get(action.table)?.get(action.key);
    const updated =
      action.kind === 'Delete'
        ? undefined
        : action.kind === 'Put'
          ? action.item
          : action.kind === 'Update'
            ? after.get(action.table)?.get(action.key)
            : old;
    let units = 2 * unitsOf(Math.max(itemBytes(old), itemBytes(updated)));
    if (action.kind !== 'ConditionCheck') {
      for (const index of schema.indexes) units += indexUnits(schema, index, old, updated);
    }
    return [{ table: action.table, item: itemLabel(action.keyItem), units }];
  });
}

/**
 * What kind of item a key names, for the cost report's write units by item: the sort key's leading word
 * (`INVOICE`, `EVENT#…` → `EVENT`), else the partition key's first word (`DELIVERY#…`), else `other` (the key
 * store's branch keys).
 */
export function itemLabel(keyItem: DynamoItem): string {
  const isWord = (segment: string) => /^[A-Z]+$/.test(segment);
  const sortWord = String(keyItem.sk?.S ?? '').split('#')[0] ?? '';
  if (isWord(sortWord)) return sortWord;
  return (
    String(keyItem.pk?.S ?? '')
      .split('#')
      .find(isWord) ?? 'other'
  );
}
