// local: API Gateway's throttling — one token bucket for the stage, `burstLimit` deep, refilled at `rateLimit`
// per second (functions/platform/api-limits.ts, which CDK configures the deployed stage with).

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;
  private forcedThrottles = 0;

  constructor(
    readonly limits: { readonly rateLimit: number; readonly burstLimit: number },
    private readonly now: () => number = () => Date.now(),
  ) {
    this.tokens = limits.burstLimit;
    this.refilledAt = now();
  }

  /** Takes one request's token; false when the bucket is empty (the request is throttled). */
  take(): boolean {
    if (this.forcedThrottles > 0) {
      this.forcedThrottles -= 1;
      return false;
    }
    const now = this.now();
    this.tokens = Math.min(
      this.limits.burstLimit,
      this.tokens + ((now - this.refilledAt) / 1000) * this.limits.rateLimit,
    );
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Throttles the next `count` requests whatever the bucket holds (test hooks: a deterministic 429, where draining
   * a bucket of thousands by sending faster than it refills would race the clock).
   */
  throttleNext(count: number): void {
    this.forcedThrottles = count;
  }
}
