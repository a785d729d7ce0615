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
  /**
   * Throws IntegrityError when the ciphertext or its context does not match, KeysUnavailableError when the keys
   * to open it cannot be reached (an outage: retry, no integrity alarm).
   */
  open(ciphertext: Uint8Array, expected: SealingContext): Promise<Uint8Array>;
}

/**
 * A stored record failed its integrity check: the ciphertext or its encryption context does not match the
 * item, or the item is not where it belongs. Part of the contract of the Sealer and of every repository that
 * reads sealed records. Never the client's fault: the request fails closed and a security signal is raised.
 */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
}

/** The key hierarchy (KMS, the branch-key store) could not be reached: an outage of the system, not tampering. */
export class KeysUnavailableError extends Error {
  override readonly name = 'KeysUnavailableError';
}
