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

/** The service could not be reached or refused for now (throttling, outage): nothing was sent; retry later. */
export class MailServiceUnavailableError extends Error {
  override readonly name = 'MailServiceUnavailableError';
}

/** The service refused this message for good (bad address, unverified sender): retrying will not help. */
export class MailRejectedError extends Error {
  override readonly name = 'MailRejectedError';
}
