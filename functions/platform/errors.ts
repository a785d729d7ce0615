// platform: the errors a request can end in, each mapped once to an RFC 9457 problem at the edge.
import { IntegrityError } from '../ports/sealer';

export const problemBaseUrl = 'https://docs.ledgerlock.dev/problems/';

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** An error whose message is safe to show the client. Anything else becomes a generic 500. */
export abstract class ProblemError extends Error {
  abstract readonly status: number;
  abstract readonly slug: string;
  abstract readonly title: string;
  readonly issues?: readonly FieldIssue[];

  constructor(detail: string, options?: { cause?: unknown; issues?: readonly FieldIssue[] }) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.issues) this.issues = options.issues;
  }
}

export class MalformedRequestError extends ProblemError {
  override readonly name = 'MalformedRequestError';
  readonly status = 400;
  readonly slug = 'malformed-request';
  readonly title = 'Malformed request';
}

export class ValidationFailedError extends ProblemError {
  override readonly name = 'ValidationFailedError';
  readonly status = 400;
  readonly slug = 'validation-failed';
  readonly title = 'Request failed validation';
}

export class UnauthenticatedError extends ProblemError {
  override readonly name = 'UnauthenticatedError';
  readonly status = 401;
  readonly slug = 'unauthenticated';
  readonly title = 'Authentication required';
}

export class ForbiddenError extends ProblemError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;
  readonly slug = 'forbidden';
  readonly title = 'Not allowed';
}

export class NotFoundError extends ProblemError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly slug = 'not-found';
  readonly title = 'Not found';
}

export class ConflictError extends ProblemError {
  override readonly name = 'ConflictError';
  readonly status = 409;
  readonly slug = 'conflict';
  readonly title = 'Conflict';
}

/** 400, not 413: the API contract treats an oversize body as one more malformed request. */
export class PayloadTooLargeError extends ProblemError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 400;
  readonly slug = 'payload-too-large';
  readonly title = 'Request body too large';
}

export class UnsupportedMediaTypeError extends ProblemError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly status = 415;
  readonly slug = 'unsupported-media-type';
  readonly title = 'Unsupported media type';
}

export class CardNumberRejectedError extends ProblemError {
  override readonly name = 'CardNumberRejectedError';
  readonly status = 422;
  readonly slug = 'card-number-rejected';
  readonly title = 'Payment card numbers are not accepted';
}

export class UnprocessableError extends ProblemError {
  override readonly name = 'UnprocessableError';
  readonly status = 422;
  readonly slug = 'unprocessable';
  readonly title = 'Request cannot be processed';
}

/** A send cap was reached; `Retry-After` tells the client when a send would be accepted. */
export class SendLimitExceededError extends ProblemError {
  override readonly name = 'SendLimitExceededError';
  readonly status = 429;
  readonly slug = 'send-limit-exceeded';
  readonly title = 'Send limit reached';

  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly errors?: readonly FieldIssue[];
}

export function toProblem(error: unknown, requestId?: string): Problem {
  const instance = requestId === undefined ? {} : { instance: `urn:request:${requestId}` };
  if (error instanceof ProblemError) {
    return {
      type: `${problemBaseUrl}${error.slug}`,
      title: error.title,
      status: error.status,
      detail: error.message,
      ...instance,
      ...(error.issues ? { errors: error.issues } : {}),
    };
  }
  // A 5xx body is always generic: no message, stack or internal name leaves the function.
  if (error instanceof IntegrityError) {
    return {
      type: `${problemBaseUrl}integrity-check-failed`,
      title: 'Integrity check failed',
      status: 500,
      detail:
        'A stored record failed its integrity check, so it was not returned. Operations have been alerted.',
      ...instance,
    };
  }
  return {
    type: `${problemBaseUrl}internal-error`,
    title: 'Internal error',
    status: 500,
    detail:
      'The request could not be completed. It has been logged; retry later or contact support with the instance id.',
    ...instance,
  };
}
