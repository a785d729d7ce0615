// local: API Gateway's throttling — one token bucket for the stage, `burstLimit` deep, refilled at `rateLimit`
// per second (functions/platform/api-limits.ts, which CDK configures the deployed stage with).

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly limits: { readonly rateLimit: number; readonly burstLimit: number },
    private readonly now: () => number = () => Date.now(),
  ) {
    this.tokens = limits.burstLimit;
    this.refilledAt = now();
  }

  /** Takes one request's token; false when the bucket is empty (the request is throttled). */
  take(): boolean {
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
}
