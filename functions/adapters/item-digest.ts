// adapter: a digest of an item's plaintext business fields, bound into the encryption context so that
// editing any plaintext attribute in the table makes the sealed part fail to open.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json';

export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}
