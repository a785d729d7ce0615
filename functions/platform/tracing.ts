// platform: X-Ray subsegments for every AWS SDK call, through the Powertools tracer — for the functions off the
// request path only (deliver, backup, detect). Every function has Lambda's active tracing (CDK), so each
// invocation is traced and the SDK passes the trace header on; the functions a client waits on (authorizer,
// api-read, api-write, and render, which api-read invokes synchronously for a PDF link) leave the tracer out:
// aws-xray-sdk-core with cls-hooked and semver is about 90 kB of every bundle and of its cold start
// (lib/bundling/options.ts, bench/bundle-init.bench.ts).
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { AwsClientSettings } from '../adapters/aws-clients';

/** SDK client settings that trace each call as a subsegment; service name from POWERTOOLS_SERVICE_NAME. */
export function tracedAwsCalls(): Pick<AwsClientSettings, 'capture'> {
  const tracer = new Tracer();
  return { capture: (client) => tracer.captureAWSv3Client(client) };
}
