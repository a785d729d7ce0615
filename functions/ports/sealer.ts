// port: seals sensitive attributes so only the holder of the KMS key can read them, bound to their item.

/**
 * Binds a sealed value to its item: tenant, entity type, entity id and a digest of the item's plaintext
 * business fields. Opening checks the stored context equals the expected one (the SDK does not).
 */
export interface SealingContext {
  readonly tenantId: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly digest: string;
}

export interface Sealer {
  seal(plaintext: Uint8Array, context: SealingContext): Promise<Uint8Array>;
  /** Throws IntegrityError when the ciphertext or its context does not match. */
  open(ciphertext: Uint8Array, expected: SealingContext): Promise<Uint8Array>;
}
