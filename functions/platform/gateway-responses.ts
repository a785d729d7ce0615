// platform: gateway problems — what the gateway answers itself (no route, no token, throttled…), for AWS and local/.
import { gatewayMaxPayloadBytes } from './api-limits';
import { type Problem, problemBaseUrl } from './errors';

/** Every response type of an API Gateway REST API (`ResponseType` of `AWS::ApiGateway::GatewayResponse`). */
export const gatewayResponseTypes = [
  'ACCESS_DENIED',
  'API_CONFIGURATION_ERROR',
  'AUTHORIZER_CONFIGURATION_ERROR',
  'AUTHORIZER_FAILURE',
  'BAD_REQUEST_BODY',
  'BAD_REQUEST_PARAMETERS',
  'DEFAULT_4XX',
  'DEFAULT_5XX',
  'EXPIRED_TOKEN',
  'INTEGRATION_FAILURE',
  'INTEGRATION_TIMEOUT',
  'INVALID_API_KEY',
  'INVALID_SIGNATURE',
  'MISSING_AUTHENTICATION_TOKEN',
  'QUOTA_EXCEEDED',
  'REQUEST_TOO_LARGE',
  'RESOURCE_NOT_FOUND',
  'THROTTLED',
  'UNAUTHORIZED',
  'UNSUPPORTED_MEDIA_TYPE',
  'WAF_FILTERED',
] as const;
export type GatewayResponseType = (typeof gatewayResponseTypes)[number];

export type GatewayProblemKey =
  | 'missing-route'
  | 'unauthorized'
  | 'access-denied'
  | 'waf-filtered'
  | 'bad-request-body'
  | 'bad-request-parameters'
  | 'request-too-large'
  | 'unsupported-media-type'
  | 'throttled'
  | 'default-4xx'
  | 'authorizer-failure'
  | 'integration-failure'
  | 'integration-timeout'
  | 'default-5xx';

/** One situation the gateway answers itself, before or instead of a handler. */
export interface GatewayProblemDefinition {
  /**
   * The gateway responses that answer it on AWS; each response type belongs to exactly one situation. Several
   * when API Gateway reports one situation under more than one type.
   */
  readonly responseTypes: readonly [GatewayResponseType, ...GatewayResponseType[]];
  readonly status: number;
  /** The problem `type` under {@link problemBaseUrl}; where a handler error has the same slug, the same title. */
  readonly slug: string;
  readonly title: string;
  /** Fixed and free of internals: a gateway response cannot say more than its type, and must not. */
  readonly detail: string;
  /** Headers beyond {@link gatewayProblemHeaders}. */
  readonly headers?: Readonly<Record<string, string>>;
  /** When it happens, on AWS and in the local gateway. */
  readonly situation: string;
}

/** Headers of every gateway problem. */
export const gatewayProblemHeaders: Readonly<Record<string, string>> = {
  'Content-Type': 'application/problem+json',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

const retryLater = 'The request could not be completed; retry later.';

/**
 * Each situation once, chosen so that the local gateway can answer exactly what AWS answers. A gateway response
 * template cannot read the status it answers with or tell causes apart, so each is one fixed body per type.
 */
export const gatewayProblemDefinitions: Readonly<Record<GatewayProblemKey, GatewayProblemDefinition>> = {
  'missing-route': {
    responseTypes: ['MISSING_AUTHENTICATION_TOKEN', 'RESOURCE_NOT_FOUND'],
    status: 404,
    slug: 'not-found',
    title: 'Not found',
    detail: 'No operation exists at this path and method.',
    situation:
      'No resource has this path, or it has no method for this verb. API Gateway REST answers both with MISSING_AUTHENTICATION_TOKEN (403 unless mapped) before any authorizer runs, so it cannot tell them apart or answer 405: the local gateway answers a wrong method with this too, before authentication and without an Allow header.',
  },
  unauthorized: {
    responseTypes: ['UNAUTHORIZED'],
    status: 401,
    slug: 'unauthenticated',
    title: 'Authentication required',
    detail: 'A valid bearer token is required.',
    headers: { 'WWW-Authenticate': 'Bearer' },
    situation:
      'No Authorization header, one that does not match the authorizer’s token pattern, or the authorizer threw exactly "Unauthorized" (bad signature or issuer, expired, unknown or disabled client).',
  },
  'access-denied': {
    responseTypes: ['ACCESS_DENIED', 'EXPIRED_TOKEN', 'INVALID_SIGNATURE', 'INVALID_API_KEY'],
    status: 403,
    slug: 'forbidden',
    title: 'Not allowed',
    detail: 'The token does not grant access to this operation.',
    situation:
      'The authorizer’s policy does not allow this method (the token lacks the route’s scope). EXPIRED_TOKEN, INVALID_SIGNATURE and INVALID_API_KEY belong to SigV4 and API keys, which this API does not use; they answer the same.',
  },
  'waf-filtered': {
    responseTypes: ['WAF_FILTERED'],
    status: 403,
    slug: 'request-blocked',
    title: 'Request blocked',
    detail: 'The request was blocked by the firewall.',
    situation:
      'A WAF rule blocked the request: a per-IP rate limit, a body over the route table’s limit, or a managed rule (the per-client rate limit answers 429 itself). AWS only; the local gateway has no WAF.',
  },
  'bad-request-body': {
    responseTypes: ['BAD_REQUEST_BODY'],
    status: 400,
    slug: 'validation-failed',
    title: 'Request failed validation',
    detail: 'The request body does not match the schema of this operation.',
    situation:
      'The body fails the route’s request model, checked by API Gateway before the function runs. Locally the handler’s schema refuses it with the same type.',
  },
  'bad-request-parameters': {
    responseTypes: ['BAD_REQUEST_PARAMETERS'],
    status: 400,
    slug: 'validation-failed',
    title: 'Request failed validation',
    detail: 'A required request parameter is missing or invalid.',
    situation: 'A required path parameter is missing (API Gateway’s request validator).',
  },
  'request-too-large': {
    responseTypes: ['REQUEST_TOO_LARGE'],
    // 400 like the handlers' payload-too-large (errors.ts): the contract treats any oversize body as malformed.
    status: 400,
    slug: 'payload-too-large',
    title: 'Request body too large',
    detail: `The request body is larger than the ${gatewayMaxPayloadBytes / (1024 * 1024)} MB the gateway accepts.`,
    situation:
      'The payload exceeds API Gateway’s hard limit (gatewayMaxPayloadBytes in api-limits.ts). On AWS the WAF blocks bodies over the route table’s limit first (waf-filtered).',
  },
  'unsupported-media-type': {
    responseTypes: ['UNSUPPORTED_MEDIA_TYPE'],
    status: 415,
    slug: 'unsupported-media-type',
    title: 'Unsupported media type',
    detail: 'Send the body as application/json.',
    situation: 'API Gateway cannot map the request’s content type.',
  },
  throttled: {
    responseTypes: ['THROTTLED', 'QUOTA_EXCEEDED'],
    status: 429,
    slug: 'too-many-requests',
    title: 'Too many requests',
    detail: 'Too many requests; retry later with backoff.',
    situation:
      'The stage’s token bucket (stageThrottling in api-limits.ts) is empty; nothing runs. QUOTA_EXCEEDED (usage-plan quotas, none configured) answers the same.',
  },
  'default-4xx': {
    responseTypes: ['DEFAULT_4XX'],
    status: 400,
    slug: 'malformed-request',
    title: 'Malformed request',
    detail: 'The request could not be processed.',
    situation: 'Any other client error API Gateway detects itself.',
  },
  'authorizer-failure': {
    responseTypes: ['AUTHORIZER_CONFIGURATION_ERROR', 'AUTHORIZER_FAILURE'],
    status: 500,
    slug: 'internal-error',
    title: 'Internal error',
    detail: retryLater,
    situation:
      'The authorizer failed rather than refused: it threw anything but "Unauthorized" (such as DynamoDB or the issuer’s key set being unreachable), timed out or returned no valid policy. A server fault, so 500 and never 401; nothing is cached.',
  },
  'integration-failure': {
    responseTypes: ['INTEGRATION_FAILURE'],
    status: 502,
    slug: 'bad-gateway',
    title: 'Bad gateway',
    detail: retryLater,
    situation:
      'The function threw or crashed instead of returning a response, or returned a malformed proxy result.',
  },
  'integration-timeout': {
    responseTypes: ['INTEGRATION_TIMEOUT'],
    status: 504,
    slug: 'gateway-timeout',
    title: 'Gateway timeout',
    detail: 'The request took too long to complete; retry later.',
    situation: 'The function did not answer within API Gateway’s 29 s integration timeout.',
  },
  'default-5xx': {
    responseTypes: ['DEFAULT_5XX', 'API_CONFIGURATION_ERROR'],
    status: 500,
    slug: 'internal-error',
    title: 'Internal error',
    detail: retryLater,
    situation:
      'Any other gateway-side failure, such as an invalid API configuration; locally, a failure of the gateway itself.',
  },
};

/** The table as a list, each entry with its key. */
export const gatewayProblems: readonly (GatewayProblemDefinition & { readonly key: GatewayProblemKey })[] =
  Object.entries(gatewayProblemDefinitions).map(([key, definition]) => ({
    key: key as GatewayProblemKey,
    ...definition,
  }));

/** An answer ready to send: `body` is the exact text the deployed gateway response sends; write it as is. */
export interface GatewayProblemResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What the gateway answers in situation `key`: the same status, headers and body on AWS and locally. */
export function gatewayProblem(key: GatewayProblemKey): GatewayProblemResponse {
  const definition = gatewayProblemDefinitions[key];
  const problem: Problem = {
    type: `${problemBaseUrl}${definition.slug}`,
    title: definition.title,
    status: definition.status,
    detail: definition.detail,
  };
  return {
    status: definition.status,
    headers: { ...gatewayProblemHeaders, ...definition.headers },
    body: JSON.stringify(problem),
  };
}
