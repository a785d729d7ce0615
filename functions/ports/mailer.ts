// port: sends one email with attachments and says what the mail service called it.

export interface OutgoingEmail {
  readonly from: string;
  readonly replyTo?: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly attachments: readonly {
    readonly filename: string;
    readonly contentType: string;
    readonly content: Uint8Array;
  }[];
}

export interface Mailer {
  /** Resolves with the service's message id once the service has accepted the message. */
  send(email: OutgoingEmail): Promise<{ readonly messageId: string }>;
}

/**
 * Certainly not accepted, for now: the service answered with a refusal (throttling, 5xx, an outage) or could not
 * be connected to. Nothing was sent; retry later.
 */
export class MailServiceUnavailableError extends Error {
  override readonly name = 'MailServiceUnavailableError';
}

/** The service refused this message for good (bad address, unverified sender): retrying will not help. */
export class MailRejectedError extends Error {
  override readonly name = 'MailRejectedError';
}

/**
 * The request may have reached the service but its answer did not come back (timeout, connection lost after
 * the request was written, an unreadable success): the message may have been accepted and may be delivered.
 * Never retried automatically — SES has no idempotency key, so a retry could mail the customer twice.
 */
export class MailOutcomeUnknownError extends Error {
  override readonly name = 'MailOutcomeUnknownError';
}
