// platform: the middy stack every API function shares — observability first, problem+json mapping last — and
// the one place where errors of the domain, the use cases and the ports get an HTTP status.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  ContentionError,
  IdempotencyKeyInFlightError,
  IdempotencyKeyReusedError,
  UnknownEntityError,
} from '../application/errors';
import { SendLimitReachedError } from '../domain/delivery';
import { BusinessRuleError, InvalidStateError } from '../domain/errors';
import { AmountTooLargeError } from '../domain/money';
import { InvalidCursorError } from '../ports/page';
import { IntegrityError } from '../ports/sealer';
import type { SecuritySignal, SecuritySignals } from '../ports/security-signals';
import {
  CardNumberRejectedError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProblemError,
  SendLimitExceededError,
  toProblem,
  UnprocessableError,
  ValidationFailedError,
} from './errors';
import { problemResponse } from './http';
import { flushMetrics, type Observability } from './observability';

/** Domain, use-case and port errors carry no HTTP knowledge; this gives each its problem. */
export function translateError(error: unknown): unknown {
  if (error instanceof InvalidStateError || error instanceof ContentionError) {
    return new ConflictError(error.message, { cause: error });
  }
  if (error instanceof IdempotencyKeyInFlightError) return new ConflictError(error.message, { cause: error });
  if (
    error instanceof BusinessRuleError ||
    error instanceof AmountTooLargeError ||
    error instanceof IdempotencyKeyReusedError
  ) {
    return new UnprocessableError(error.message, { cause: error });
  }
  if (error instanceof UnknownEntityError) return new NotFoundError(error.message, { cause: error });
  if (error instanceof SendLimitReachedError) {
    return new SendLimitExceededError(error.message, error.retryAfterSeconds, { cause: error });
  }
  if (error instanceof InvalidCursorError) return new ValidationFailedError(error.message, { cause: error });
  return error;
}

/** The errors the detector must hear about, as signals; the rest are ordinary refusals. */
function signalOf(error: unknown): Pick<SecuritySignal, 'kind' | 'reason'> | undefined {
  if (error instanceof IntegrityError) return { kind: 'integrity-failure' };
  if (error instanceof ForbiddenError) return { kind: 'scope-denied' };
  if (error instanceof CardNumberRejectedError) return { kind: 'card-number-rejected' };
  // Counted by send-spike like the sends themselves: a client hammering the caps is as telling as one passing them.
  if (error instanceof SendLimitExceededError && error.cause instanceof SendLimitReachedError) {
    return { kind: 'send-limited', reason: error.cause.scope };
  }
  if (error instanceof ConflictError && error.cause instanceof IdempotencyKeyInFlightError) {
    return { kind: 'idempotency-conflict', reason: 'in-flight' };
  }
  if (error instanceof UnprocessableError && error.cause instanceof IdempotencyKeyReusedError) {
    return { kind: 'idempotency-conflict', reason: 'reused' };
  }
  return undefined;
}

export function problemDetails(
  observability: Observability,
  signals: SecuritySignals,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const error = translateError(request.error);
      const context = request.event.requestContext;
      const signal = signalOf(error);
      if (signal !== undefined) {
        const authorizer = context?.authorizer ?? {};
        signals.record({
          ...signal,
          ...(typeof authorizer.tenantId === 'string' ? { tenantId: authorizer.tenantId } : {}),
          ...(typeof authorizer.clientId === 'string' ? { clientId: authorizer.clientId } : {}),
          ...(context?.identity?.sourceIp === undefined ? {} : { sourceIp: context.identity.sourceIp }),
          ...(context?.requestId === undefined ? {} : { requestId: context.requestId }),
          route: `${request.event.httpMethod} ${request.event.resource}`,
        });
      }
      if (error instanceof IntegrityError) {
        observability.logger.error('integrity check failed', {
          errorName: error.name,
          detail: error.message,
        });
      } else if (!(error instanceof ProblemError)) {
        observability.logger.error('unhandled error', { error });
      }
      const response = problemResponse(toProblem(error, context?.requestId));
      request.response =
        error instanceof SendLimitExceededError
          ? { ...response, headers: { ...response.headers, 'retry-after': String(error.retryAfterSeconds) } }
          : response;
    },
  };
}

export type ApiRouteHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

export function apiMiddleware(
  observability: Observability,
  signals: SecuritySignals,
  handler: ApiRouteHandler,
) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(captureLambdaHandler(observability.tracer, { captureResponse: false }))
    .use(injectLambdaContext(observability.logger, { resetKeys: true }))
    .use(flushMetrics(observability.metrics))
    .use(problemDetails(observability, signals))
    .handler(handler);
}
