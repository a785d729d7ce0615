// platform: the API access-log line — its fields and where API Gateway takes each from. CDK configures the stage
// with it (lib/api-logs.ts), the local gateway writes the same fields, and detect reads them
// (functions/detect/observations.ts).

/**
 * Who called what and how it ended. Never bodies, never the token, never a validation message (it may quote the
 * body). API Gateway writes every value as a string ("200", "-" for one it does not have).
 */
export const accessLogFields = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  // Milliseconds since the epoch: detect orders requests by it.
  requestTime: '$context.requestTimeEpoch',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  principalId: '$context.authorizer.principalId',
  // Set by the authorizer's context (functions/authorizer): the tenant and API client the token maps to; the
  // principal id is the client id too.
  tenantId: '$context.authorizer.tenantId',
  clientId: '$context.authorizer.clientId',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  authorizerError: '$context.authorizer.error',
  wafResponseCode: '$context.wafResponseCode',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
  xrayTraceId: '$context.xrayTraceId',
} as const;

export type AccessLogLine = Partial<Record<keyof typeof accessLogFields, string>>;
