// adapter: seals the personal-data part of a record and binds it to the record's plaintext part.
import { IntegrityError, type Sealer } from '../ports/sealer';
import { digestOf } from './item-digest';

export interface RecordIdentity {
  readonly tenantId: string;
  readonly entityType: string;
  readonly entityId: string;
}

/**
 * Seals `secret` under a context that holds a digest of `plaintext`: changing any plaintext attribute in
 * the table, or moving the sealed blob to another item, makes opening fail.
 */
export async function sealRecord(
  sealer: Sealer,
  identity: RecordIdentity,
  plaintext: unknown,
  secret: unknown,
): Promise<Uint8Array> {
  return sealer.seal(new TextEncoder().encode(JSON.stringify(secret)), {
    ...identity,
    digest: digestOf(plaintext),
  });
}

export async function openRecord(
  sealer: Sealer,
  identity: RecordIdentity,
  plaintext: unknown,
  sealed: Uint8Array,
): Promise<unknown> {
  const bytes = await sealer.open(sealed, { ...identity, digest: digestOf(plaintext) });
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new IntegrityError(`sealed part of ${identity.entityType} ${identity.entityId} is not JSON`, {
      cause: error,
    });
  }
}
