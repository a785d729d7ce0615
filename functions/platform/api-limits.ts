// platform: what the API gateway admits — throttling, token shape, authorizer cache, payload size — for CDK and local/.

/**
 * Stage throttling: one token bucket for the whole stage (API Gateway method throttling on every method,
 * `/*\/*`), shared by all clients. The bucket holds `burstLimit` requests and refills at `rateLimit` per
 * second; a request finding it empty gets the `throttled` gateway problem (429) without reaching the
 * authorizer or a function. lib/api.ts configures the stage with these numbers; the local gateway applies the
 * same bucket.
 *
 * It guards the backend as a whole (at ~50 ms a request, 1,000 a second keep about 50 executions of a function
 * busy, far inside the account's default 1,000), not one tenant against another: that is the web ACL's
 * per-client limit (wafRateLimits). It used to be 50 a second for all tenants together, a ceiling below what one
 * tenant's billing run needs.
 */
export const stageThrottling = {
  /** Steady-state requests per second across the stage. */
  rateLimit: 1000,
  /** Requests the stage accepts in a burst above the rate (the bucket's size). */
  burstLimit: 2000,
} as const;

/**
 * The web ACL's rate-based rules (lib/api-waf.ts; AWS only, the local gateway has no WAF). WAF counts requests per
 * key over a sliding window and blocks a key while it is above its limit.
 */
export const wafRateLimits = {
  /**
   * Requests one client may send in any minute, counted by its bearer token (a token belongs to one client and
   * lives an hour): 200 a second on average, twice Stripe's default per account. Answered 429 with Retry-After.
   */
  requestsPerClientPerMinute: 12_000,
  /** Requests one address may send in any 5 minutes, tokens or not: 500 a second, a guard against floods. */
  requestsPerIpPer5Minutes: 150_000,
  /**
   * Requests without a bearer token one address may send in any 5 minutes: the gateway refuses them (401) or
   * serves the public health check and OpenAPI document; 1,000 leave room for monitoring, none for a scan.
   */
  unauthenticatedRequestsPerIpPer5Minutes: 1000,
} as const;

/**
 * The Authorization header the gateway passes to the authorizer (the TOKEN authorizer's validation regex): a
 * header that does not match gets the `unauthorized` gateway problem (401) without invoking the authorizer, so
 * such a request raises no security signal either.
 */
export const authorizerTokenPattern = '^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$';

/**
 * How long API Gateway reuses an authorizer answer (the policy and context, never an error) for the same token.
 * A disabled client keeps its access for up to this long.
 */
export const authorizerCacheTtlSeconds = 300;

/**
 * API Gateway's hard limit on a REST request payload, not configurable; a larger body gets the
 * `request-too-large` gateway problem. Handlers apply the route table's far smaller limit (maxRequestBodyBytes).
 */
export const gatewayMaxPayloadBytes = 10 * 1024 * 1024;
