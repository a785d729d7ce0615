// cdk: gateway problems — API Gateway's own error answers (no route, no token, throttled, …) as problem+json.
import * as apigateway from 'aws-cdk-lib/aws-apigateway';

interface Problem {
  readonly responseType: apigateway.ResponseType;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
}

/**
 * Every gateway-generated error becomes RFC 9457 problem+json with a fixed, internals-free detail. Types are
 * listed one by one because a gateway response template cannot read the status code it answers with.
 */
const problems: readonly Problem[] = [
  {
    responseType: apigateway.ResponseType.UNAUTHORIZED,
    status: 401,
    title: 'Unauthorized',
    detail: 'A valid bearer token is required.',
  },
  {
    responseType: apigateway.ResponseType.ACCESS_DENIED,
    status: 403,
    title: 'Forbidden',
    detail: 'The token does not grant access to this operation.',
  },
  {
    responseType: apigateway.ResponseType.EXPIRED_TOKEN,
    status: 403,
    title: 'Forbidden',
    detail: 'The token does not grant access to this operation.',
  },
  {
    responseType: apigateway.ResponseType.INVALID_SIGNATURE,
    status: 403,
    title: 'Forbidden',
    detail: 'The token does not grant access to this operation.',
  },
  {
    responseType: apigateway.ResponseType.INVALID_API_KEY,
    status: 403,
    title: 'Forbidden',
    detail: 'The token does not grant access to this operation.',
  },
  {
    responseType: apigateway.ResponseType.WAF_FILTERED,
    status: 403,
    title: 'Forbidden',
    detail: 'The request was rejected by the firewall.',
  },
  {
    // API Gateway answers unknown paths and methods this way; for a client it is simply not found.
    responseType: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: 404,
    title: 'Not Found',
    detail: 'No operation exists at this path and method.',
  },
  {
    responseType: apigateway.ResponseType.RESOURCE_NOT_FOUND,
    status: 404,
    title: 'Not Found',
    detail: 'No operation exists at this path and method.',
  },
  {
    responseType: apigateway.ResponseType.BAD_REQUEST_BODY,
    status: 400,
    title: 'Bad Request',
    detail: 'The request body does not match the schema of this operation.',
  },
  {
    responseType: apigateway.ResponseType.BAD_REQUEST_PARAMETERS,
    status: 400,
    title: 'Bad Request',
    detail: 'A required request parameter is missing or invalid.',
  },
  {
    responseType: apigateway.ResponseType.REQUEST_TOO_LARGE,
    status: 413,
    title: 'Content Too Large',
    detail: 'The request body is too large.',
  },
  {
    responseType: apigateway.ResponseType.UNSUPPORTED_MEDIA_TYPE,
    status: 415,
    title: 'Unsupported Media Type',
    detail: 'Send the body as application/json.',
  },
  {
    responseType: apigateway.ResponseType.THROTTLED,
    status: 429,
    title: 'Too Many Requests',
    detail: 'Too many requests; retry later with backoff.',
  },
  {
    responseType: apigateway.ResponseType.QUOTA_EXCEEDED,
    status: 429,
    title: 'Too Many Requests',
    detail: 'Too many requests; retry later with backoff.',
  },
  {
    responseType: apigateway.ResponseType.DEFAULT_4XX,
    status: 400,
    title: 'Bad Request',
    detail: 'The request could not be processed.',
  },
  {
    responseType: apigateway.ResponseType.AUTHORIZER_FAILURE,
    status: 500,
    title: 'Internal Server Error',
    detail: 'The request could not be completed.',
  },
  {
    responseType: apigateway.ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
    status: 500,
    title: 'Internal Server Error',
    detail: 'The request could not be completed.',
  },
  {
    responseType: apigateway.ResponseType.API_CONFIGURATION_ERROR,
    status: 500,
    title: 'Internal Server Error',
    detail: 'The request could not be completed.',
  },
  {
    responseType: apigateway.ResponseType.INTEGRATION_FAILURE,
    status: 502,
    title: 'Bad Gateway',
    detail: 'The request could not be completed.',
  },
  {
    responseType: apigateway.ResponseType.INTEGRATION_TIMEOUT,
    status: 504,
    title: 'Gateway Timeout',
    detail: 'The request took too long to complete.',
  },
  {
    responseType: apigateway.ResponseType.DEFAULT_5XX,
    status: 500,
    title: 'Internal Server Error',
    detail: 'The request could not be completed.',
  },
];

/** Adds one gateway response per problem to `restApi` (construct ids `Problem<ResponseType>`). */
export function addGatewayProblems(restApi: apigateway.RestApi): void {
  for (const problem of problems) {
    restApi.addGatewayResponse(`Problem${problem.responseType.responseType}`, {
      type: problem.responseType,
      statusCode: String(problem.status),
      responseHeaders: {
        'Content-Type': "'application/problem+json'",
        'Cache-Control': "'no-store'",
        'X-Content-Type-Options': "'nosniff'",
      },
      templates: {
        'application/json': JSON.stringify({
          type: 'about:blank',
          title: problem.title,
          status: problem.status,
          detail: problem.detail,
        }),
      },
    });
  }
}
