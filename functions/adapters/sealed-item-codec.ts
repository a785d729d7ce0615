// adapter: the one shape of every sealed DynamoDB item — a plaintext part (ids, states, amounts, dates) stored
// as attributes, and a secret part (personal data) sealed into one `sealed` attribute under an encryption
// context that binds it to the plaintext part, the tenant, the entity type and the entity id.
//
// Storage codecs and event parsers outside the HTTP API (adapters/, and the render, deliver, chain, backup and
// detect handlers) use zod/mini: every function loads them at cold start, and classic zod's chaining API is not
// tree-shaken (~75 kB of each bundle; chain's `import { z }` pulled in all of its locales, 454 kB). The API layer
// (platform/schemas, response schemas, OpenAPI) keeps classic zod for its error messages and its OpenAPI output.
import * as z from 'zod/mini';
import { IntegrityError, type Sealer } from '../ports/sealer';
import { openRecord, sealRecord } from './sealed-record';

type Item = Record<string, unknown>;

export interface SealedItemSpec<Entity, Plain extends Item, Secret, Extra> {
  readonly entityType: string;
  /** Everything stored in the clear and bound into the digest (must include `id` and `tenantId`). */
  readonly plainSchema: z.ZodMiniType<Plain>;
  readonly secretSchema: z.ZodMiniType<Secret>;
  /** Where the item lives. Checked on every read, so an item copied to another partition fails closed. */
  readonly key: (plain: Plain) => { readonly pk: string; readonly sk: string };
  readonly split: (entity: Entity, extra: Extra) => { readonly plain: Plain; readonly secret: Secret };
  readonly join: (plain: Plain, secret: Secret, unbound: Item) => Entity;
  /** Index keys stored beside the item: derived from the plaintext part, so they need no binding of their own. */
  readonly indexAttributes?: (plain: Plain) => Item;
  /**
   * Operational state stored in the clear and deliberately not bound (a function without the right to re-seal
   * the item moves it along), validated by its own schema on read.
   */
  readonly unbound?: { readonly schema: z.ZodMiniType<Item>; readonly of: (entity: Entity) => Item };
}

export interface SealedItemCodec<Entity, Extra> {
  toItem(sealer: Sealer, entity: Entity, extra: Extra): Promise<Item>;
  /** Throws IntegrityError when the item is malformed, not where it belongs, or fails to open. */
  fromItem(sealer: Sealer, tenantId: string, item: Item): Promise<Entity>;
}

const sealedBytes = z.instanceof(Uint8Array);

export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

export function defineSealedItem<
  Entity,
  Plain extends Item & { id: string; tenantId: string },
  Secret,
  Extra,
>(spec: SealedItemSpec<Entity, Plain, Secret, Extra>): SealedItemCodec<Entity, Extra> {
  const identity = (plain: Plain) => ({
    tenantId: plain.tenantId,
    entityType: spec.entityType,
    entityId: plain.id,
  });
  return {
    async toItem(sealer, entity, extra) {
      const { plain, secret } = spec.split(entity, extra);
      const sealed = await sealRecord(sealer, identity(plain), plain, withoutUndefined(secret as object));
      return {
        ...spec.key(plain),
        entity: spec.entityType,
        ...spec.indexAttributes?.(plain),
        ...plain,
        ...(spec.unbound === undefined ? {} : spec.unbound.of(entity)),
        sealed,
      };
    },

    async fromItem(sealer, tenantId, item) {
      const plainPart = spec.plainSchema.safeParse(item);
      if (!plainPart.success || !(item.sealed instanceof Uint8Array)) {
        throw new IntegrityError(`stored ${spec.entityType} has an unexpected shape`);
      }
      const plain = plainPart.data;
      const key = spec.key(plain);
      if (plain.tenantId !== tenantId || item.pk !== key.pk || item.sk !== key.sk) {
        throw new IntegrityError(`stored ${spec.entityType} ${plain.id} is not where it belongs`);
      }
      let unbound: Item = {};
      if (spec.unbound !== undefined) {
        const parsed = spec.unbound.schema.safeParse(item);
        if (!parsed.success) {
          throw new IntegrityError(`stored ${spec.entityType} ${plain.id} has unexpected operational state`);
        }
        unbound = parsed.data;
      }
      const opened = spec.secretSchema.safeParse(
        await openRecord(sealer, identity(plain), plain, sealedBytes.parse(item.sealed)),
      );
      if (!opened.success) {
        throw new IntegrityError(`sealed part of ${spec.entityType} ${plain.id} has an unexpected shape`);
      }
      return spec.join(plain, opened.data, unbound);
    },
  };
}
