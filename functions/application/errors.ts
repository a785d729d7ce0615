// application: how a use case can refuse, in its own words. The API edge gives each a status (middleware.ts).

/** No such entity for this tenant. Another tenant's id must read exactly like an unknown one. */
export class UnknownEntityError extends Error {
  override readonly name = 'UnknownEntityError';
}

// Another tenant's id and an unknown id must be indistinguishable.
export const invoiceNotFound = () => new UnknownEntityError('no invoice with this id');

/** The Idempotency-Key was already used with a different request. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
}

/** A request with this Idempotency-Key is still running. */
export class IdempotencyKeyInFlightError extends Error {
  override readonly name = 'IdempotencyKeyInFlightError';
}

/** Other requests kept changing what this one depends on; it gave up after its retries. */
export class ContentionError extends Error {
  override readonly name = 'ContentionError';
}
