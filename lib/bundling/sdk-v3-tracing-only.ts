// bundling stand-in: semver, replaced in Lambda bundles (lib/bundling/options.ts). aws-xray-sdk-core (under the
// Powertools tracer) requires it only in its AWS SDK v2 patcher, to check the v2 SDK's version when `captureAWS`
// is called; the functions trace SDK v3 clients through `captureAWSv3Client` (functions/platform/tracing.ts) and
// carry no SDK v2, so the check never runs — and semver's ~30 kB (and the regular expressions it builds at load)
// would otherwise be parsed and run on every cold start of a traced function.

export class AwsSdkV2TracingNotBundledError extends Error {
  override readonly name = 'AwsSdkV2TracingNotBundledError';
}

/** The one call the v2 patcher makes: `semver.gte(awssdk.VERSION, minVersion)` inside `captureAWS`. */
export function gte(): never {
  throw new AwsSdkV2TracingNotBundledError(
    'tracing AWS SDK v2 clients is not supported in Lambda bundles: semver is replaced by lib/bundling/sdk-v3-tracing-only.ts; trace SDK v3 clients with captureAWSv3Client',
  );
}
