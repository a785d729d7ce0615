// platform: X-Ray subsegments for every AWS SDK call, through the Powertools tracer — for backup and detect only.
// Every function has Lambda's active tracing (CDK), so each invocation is traced and the SDK passes the trace
// header on. The functions a client waits on (authorizer, api-read, api-write, and render, which api-read invokes
// synchronously for a PDF link) leave the tracer out, and so does deliver, the largest bundle (it carries pdfkit):
// aws-xray-sdk-core with cls-hooked and semver is about 90 kB of a bundle and of its cold start, and cls-hooked's
// async hooks cost every await after it (lib/bundling/options.ts, bench/bundle-init.bench.ts). Deliver reports
// the mail service's answer time itself instead (MailServiceMilliseconds, timed-mailer.ts).
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { AwsClientSettings } from '../adapters/aws-clients';

/** SDK client settings that trace each call as a subsegment; service name from POWERTOOLS_SERVICE_NAME. */
export function tracedAwsCalls(): Pick<AwsClientSettings, 'capture'> {
  const tracer = new Tracer();
  return { capture: (client) => tracer.captureAWSv3Client(client) };
}
