// platform: the middy stack every API function shares — observability first, problem+json mapping last.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { BusinessRuleError, InvalidStateError } from '../domain/errors';
import { AmountTooLargeError } from '../domain/money';
import { InvalidCursorError } from '../ports/invoice-repository';
import {
  ConflictError,
  IntegrityError,
  ProblemError,
  toProblem,
  UnprocessableError,
  ValidationFailedError,
} from './errors';
import { problemResponse } from './http';
import type { Observability } from './observability';

/** Maps any error to problem+json; logs 5xx with the cause, and integrity failures as security events. */
/** Domain and port errors carry no HTTP knowledge; this is the one place that gives them a status. */
export function translateError(error: unknown): unknown {
  if (error instanceof InvalidStateError) return new ConflictError(error.message, { cause: error });
  if (error instanceof BusinessRuleError || error instanceof AmountTooLargeError) {
    return new UnprocessableError(error.message, { cause: error });
  }
  if (error instanceof InvalidCursorError) return new ValidationFailedError(error.message, { cause: error });
  return error;
}

export function problemDetails(
  observability: Observability,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const error = translateError(request.error);
      const requestId = request.event.requestContext?.requestId;
      if (error instanceof IntegrityError) {
        observability.logger.error('security event: integrity check failed', {
          securityEvent: 'integrity-failure',
          tenantId: request.event.requestContext?.authorizer?.tenantId,
          resource: request.event.resource,
          error: error.message,
        });
        observability.metrics.addMetric('IntegrityFailures', 'Count', 1);
      } else if (!(error instanceof ProblemError)) {
        observability.logger.error('unhandled error', { error });
      }
      request.response = problemResponse(toProblem(error, requestId));
    },
  };
}

export type ApiRouteHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

export function apiMiddleware(observability: Observability, handler: ApiRouteHandler) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(captureLambdaHandler(observability.tracer, { captureResponse: false }))
    .use(injectLambdaContext(observability.logger, { resetKeys: true }))
    .use(logMetrics(observability.metrics))
    .use(problemDetails(observability))
    .handler(handler);
}
