// port: remembers a tenant's Idempotency-Key so a retried POST replays the first response.
import type { StoredResponse } from './ledger';

export type ClaimOutcome =
  | { readonly outcome: 'claimed'; readonly claimToken: string }
  | { readonly outcome: 'completed'; readonly requestHash: string; readonly response: StoredResponse }
  | { readonly outcome: 'in-progress'; readonly requestHash: string };

export interface IdempotencyStore {
  /** Claims the key for this request, or says who has it. */
  claim(tenantId: string, key: string, requestHash: string): Promise<ClaimOutcome>;
  /** Gives the key back when the request failed before committing anything, so a retry may run. */
  release(tenantId: string, key: string, claimToken: string): Promise<void>;
}
