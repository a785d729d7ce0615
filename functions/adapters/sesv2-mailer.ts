// adapter: SES v2 → Mailer (raw MIME, so the PDF travels as an attachment). Sorts every failure into "certainly
// not accepted" (a refusal SES answered, or no connection at all) and "unknown" (the request may have reached SES
// and its answer was lost): only the first may be retried, because SES has no idempotency key.
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  type Mailer,
  MailOutcomeUnknownError,
  MailRejectedError,
  MailServiceUnavailableError,
  type OutgoingEmail,
} from '../ports/mailer';
import { buildMimeMessage } from './mime-message';

// SES answers these for a message that can never go out as it is.
const permanentErrors = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'SendingPausedException',
  'BadRequestException',
  'NotFoundException',
]);

/** Failures to connect at all: the request was never written, so nothing can have been accepted. */
const notConnectedCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

export type SesFailureKind = 'rejected' | 'refused' | 'unknown';

/**
 * How one SendEmail failure reads. An HTTP error status means SES answered and did not take the message
 * (`rejected` for good, else `refused` for now: throttling, 5xx); a connection that never opened is `refused`
 * too. Everything else — a timeout, a connection reset after the request was written, an unreadable 2xx — is
 * `unknown`: SES may hold the message.
 */
export function classifySesFailure(error: unknown): SesFailureKind {
  const failure = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    cause?: { code?: string };
  } | null;
  const status = failure?.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 400) {
    return permanentErrors.has(failure?.name ?? '') ? 'rejected' : 'refused';
  }
  const code = failure?.code ?? failure?.cause?.code;
  if (typeof code === 'string' && notConnectedCodes.has(code)) return 'refused';
  return 'unknown';
}

export class SesV2Mailer implements Mailer {
  constructor(
    private readonly options: { readonly client: SESv2Client; readonly configurationSet?: string },
  ) {}

  async send(email: OutgoingEmail): Promise<{ readonly messageId: string }> {
    // Built before the call: a failure here has nothing to do with SES and must not read as an unknown outcome.
    const command = new SendEmailCommand({
      FromEmailAddress: email.from,
      Destination: { ToAddresses: [email.to] },
      ...(email.replyTo === undefined ? {} : { ReplyToAddresses: [email.replyTo] }),
      Content: { Raw: { Data: buildMimeMessage(email) } },
      ...(this.options.configurationSet === undefined
        ? {}
        : { ConfigurationSetName: this.options.configurationSet }),
    });
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.options.client.send(command));
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      switch (classifySesFailure(error)) {
        case 'rejected':
          throw new MailRejectedError(`SES refused the message: ${name}`, { cause: error });
        case 'refused':
          throw new MailServiceUnavailableError(`SES could not take the message now: ${name}`, {
            cause: error,
          });
        case 'unknown':
          throw new MailOutcomeUnknownError(`SES ${name}`, { cause: error });
      }
    }
    // A success without an id: SES took it, we just cannot name it.
    if (messageId === undefined) throw new MailOutcomeUnknownError('SES answered without a message id');
    return { messageId };
  }
}
