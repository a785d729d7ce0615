// platform: a Mailer that reports how long the mail service took to answer each send, accepted or not, as the
// MailServiceMilliseconds metric — deliver's view of SES latency, which it would otherwise read from X-Ray
// subsegments (deliver carries no tracer; see tracing.ts).
import type { Mailer } from '../ports/mailer';

export function timedMailer(
  mailer: Mailer,
  metrics: { addMetric(name: string, unit: 'Milliseconds', value: number): unknown },
  clock: () => number = () => performance.now(),
): Mailer {
  return {
    async send(email) {
      const started = clock();
      try {
        return await mailer.send(email);
      } finally {
        metrics.addMetric('MailServiceMilliseconds', 'Milliseconds', clock() - started);
      }
    },
  };
}
