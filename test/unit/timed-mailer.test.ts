// test: the mailer deliver is composed with reports the mail service's answer time for every send, and changes
// neither what a send answers nor what it throws.
import { timedMailer } from '../../functions/platform/timed-mailer';
import { MailRejectedError, type OutgoingEmail } from '../../functions/ports/mailer';

const email: OutgoingEmail = {
  from: 'invoices@example.com',
  to: 'buyer@example.com',
  subject: 'Invoice',
  text: 'hello',
  html: '<p>hello</p>',
  attachments: [],
};

function fixture(send: () => Promise<{ messageId: string }>) {
  const recorded: [string, string, number][] = [];
  let now = 1_000;
  const clock = () => {
    now += 42;
    return now;
  };
  const mailer = timedMailer(
    { send },
    { addMetric: (name, unit, value) => void recorded.push([name, unit, value]) },
    clock,
  );
  return { mailer, recorded };
}

describe('timedMailer', () => {
  it('answers what the mail service answered and records how long it took', async () => {
    const { mailer, recorded } = fixture(async () => ({ messageId: 'm-1' }));

    await expect(mailer.send(email)).resolves.toEqual({ messageId: 'm-1' });
    expect(recorded).toEqual([['MailServiceMilliseconds', 'Milliseconds', 42]]);
  });

  it('throws what the mail service threw, and still records the time', async () => {
    const { mailer, recorded } = fixture(async () => {
      throw new MailRejectedError('address is not verified');
    });

    await expect(mailer.send(email)).rejects.toBeInstanceOf(MailRejectedError);
    expect(recorded).toEqual([['MailServiceMilliseconds', 'Milliseconds', 42]]);
  });
});
