// local: the stream poller's retry waits as data — exponential backoff with a ceiling, computable without a clock
export interface RetryBackoff {
  /** Wait before the first retry. */
  readonly firstDelayMs: number;
  /** Each further retry waits this many times longer than the one before (1 = constant)… */
  readonly factor: number;
  /** …but never longer than this. */
  readonly maximumDelayMs: number;
}

/** Doubling from 200 ms gives a dependency about six seconds to come back over five retries. */
export const defaultRetryBackoff: RetryBackoff = Object.freeze({
  firstDelayMs: 200,
  factor: 2,
  maximumDelayMs: 5_000,
});

export class InvalidRetryBackoffError extends Error {
  override readonly name = 'InvalidRetryBackoffError';
}

export function assertValidRetryBackoff(backoff: RetryBackoff): void {
  const { firstDelayMs, factor, maximumDelayMs } = backoff;
  if (!Number.isFinite(firstDelayMs) || firstDelayMs < 0) {
    throw new InvalidRetryBackoffError(`firstDelayMs is ${firstDelayMs}; use a finite number ≥ 0, e.g. 200`);
  }
  if (!Number.isFinite(factor) || factor < 1) {
    throw new InvalidRetryBackoffError(
      `factor is ${factor}; use a finite number ≥ 1 (1 waits the same each time)`,
    );
  }
  if (!Number.isFinite(maximumDelayMs) || maximumDelayMs < firstDelayMs) {
    throw new InvalidRetryBackoffError(
      `maximumDelayMs is ${maximumDelayMs}; use a finite number ≥ firstDelayMs (${firstDelayMs})`,
    );
  }
}

/** The wait before retry number `retryIndex + 1` (so index 0 is the first retry). */
export function retryDelayMs(backoff: RetryBackoff, retryIndex: number): number {
  return Math.min(backoff.firstDelayMs * backoff.factor ** retryIndex, backoff.maximumDelayMs);
}

/** Every wait of `retries` retries in order; their sum is how long a failing batch keeps being retried. */
export function retryDelaysMs(backoff: RetryBackoff, retries: number): number[] {
  return Array.from({ length: retries }, (_, retryIndex) => retryDelayMs(backoff, retryIndex));
}
