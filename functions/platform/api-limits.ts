// platform: what the API gateway admits — throttling, token shape, authorizer cache, payload size — for CDK and local/.

/**
 * Stage throttling: one token bucket for the whole stage (API Gateway method throttling on every method,
 * `/*\/*`), shared by all clients. The bucket holds `burstLimit` requests and refills at `rateLimit` per
 * second; a request finding it empty gets the `throttled` gateway problem (429) without reaching the
 * authorizer or a function. lib/api.ts configures the stage with these numbers; the local gateway applies the
 * same bucket.
 */
export const stageThrottling = {
  /** Steady-state requests per second across the stage. */
  rateLimit: 50,
  /** Requests the stage accepts in a burst above the rate (the bucket's size). */
  burstLimit: 100,
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
