// port: a keyed, deterministic digest of a sensitive value, so it can be looked up without storing it.

export interface BlindIndexer {
  /** Same tenant and value always give the same digest; other tenants get unrelated digests. */
  digest(tenantId: string, purpose: string, value: string): Promise<string>;
}
