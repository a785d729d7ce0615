// test: DynamoDB's billing rules as npm run cost applies them (local/dynamodb-pricing.ts) — item sizes, the bytes an
// item is stored as with its index entries, the same size whether a binary comes as base64 or as bytes, and the
// kind of item a key names.
import { itemBytes, itemLabel, storedBytes, type TableSchema } from '../../local/dynamodb-pricing';

const schema: TableSchema = {
  keys: ['pk', 'sk'],
  indexes: [
    { name: 'all', keys: ['gsi1pk'], projection: 'ALL', included: [] },
    { name: 'keys', keys: ['gsi2pk'], projection: 'KEYS_ONLY', included: [] },
  ],
};

describe('DynamoDB pricing rules', () => {
  it('sizes an item by its attribute names and values', () => {
    // names 2 + 2 + 1 + 1 + 1; values 5 + 3 + (5 digits → 4 bytes) + 4 bytes + (map: 3 + 1 name + 1 value + 1)
    const item = {
      pk: { S: 'hello' },
      sk: { S: 'abc' },
      n: { N: '12345' },
      b: { B: Buffer.from([1, 2, 3, 4]).toString('base64') },
      m: { M: { x: { BOOL: true } } },
    };
    expect(itemBytes(item)).toBe(2 + 5 + 2 + 3 + 1 + 4 + 1 + 4 + 1 + (3 + 1 + 1 + 1));
    expect(itemBytes({ ...item, b: { B: new Uint8Array([1, 2, 3, 4]) } })).toBe(itemBytes(item));
  });

  it('stores an item with 100 bytes of overhead, and again in each index that holds it', () => {
    const item = {
      pk: { S: 'p' },
      sk: { S: 's' },
      gsi1pk: { S: 'g' },
      gsi2pk: { S: 'h' },
      v: { S: 'x'.repeat(500) },
    };
    const size = itemBytes(item);
    const keysOnly = itemBytes({ pk: item.pk, sk: item.sk, gsi2pk: item.gsi2pk });
    expect(storedBytes(schema, item)).toEqual({ table: size + 100, indexes: size + 100 + keysOnly + 100 });
    const { gsi1pk: _gone, gsi2pk: _too, ...unindexed } = item;
    expect(storedBytes(schema, unindexed).indexes).toBe(0);
  });

  it.each([
    [{ pk: { S: 't1#INVOICE#i1' }, sk: { S: 'INVOICE' } }, 'INVOICE'],
    [{ pk: { S: 't1#AUDIT' }, sk: { S: 'EVENT#000000000042' } }, 'EVENT'],
    [{ pk: { S: 'DETECT#tenant:t1' }, sk: { S: 'RULE#create-spike#2026-12-02T01' } }, 'RULE'],
    [{ pk: { S: 'DELIVERY#0017' }, sk: { S: 't1#i1' } }, 'DELIVERY'],
    [{ 'branch-key-id': { S: 't1' }, type: { S: 'branch:ACTIVE' } }, 'other'],
  ])('names the kind of item %j as %s', (key, label) => {
    expect(itemLabel(key)).toBe(label);
  });
});
