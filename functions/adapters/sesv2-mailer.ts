// adapter: SES v2 → Mailer (raw MIME, so the PDF travels as an attachment).
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  type Mailer,
  MailRejectedError,
  MailServiceUnavailableError,
  type OutgoingEmail,
} from '../ports/mailer';
import { buildMimeMessage } from './mime-message';

// SES answers these for a message that can never go out as it is; anything else is worth a retry.
const permanentErrors = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'SendingPausedException',
  'BadRequestException',
  'NotFoundException',
]);

export class SesV2Mailer implements Mailer {
  constructor(
    private readonly options: { readonly client: SESv2Client; readonly configurationSet?: string },
  ) {}

  async send(email: OutgoingEmail): Promise<{ readonly messageId: string }> {
    try {
      const result = await this.options.client.send(
        new SendEmailCommand({
          FromEmailAddress: email.from,
          Destination: { ToAddresses: [email.to] },
          ...(email.replyTo === undefined ? {} : { ReplyToAddresses: [email.replyTo] }),
          Content: { Raw: { Data: buildMimeMessage(email) } },
          ...(this.options.configurationSet === undefined
            ? {}
            : { ConfigurationSetName: this.options.configurationSet }),
        }),
      );
      if (result.MessageId === undefined) throw new MailServiceUnavailableError('SES accepted no message id');
      return { messageId: result.MessageId };
    } catch (error) {
      if (error instanceof MailServiceUnavailableError) throw error;
      const name = (error as { name?: string }).name ?? 'Error';
      if (permanentErrors.has(name))
        throw new MailRejectedError(`SES refused the message: ${name}`, { cause: error });
      throw new MailServiceUnavailableError(`SES could not take the message now: ${name}`, { cause: error });
    }
  }
}
