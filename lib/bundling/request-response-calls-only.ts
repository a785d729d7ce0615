// bundling stand-in: @smithy/core/event-streams, replaced in Lambda bundles (lib/bundling/options.ts). The S3 and
// Lambda clients wire an event-stream marshaller into their configuration when they are built (for S3's
// SelectObjectContent and Lambda's InvokeWithResponseStream), and the protocols load the event-stream serde only
// for an operation with an event-stream member. The functions make request/response calls alone (PutObject,
// GetObject, HeadObject, Invoke, …), so none of it ever runs, while its codec, marshallers and stream helpers
// (~15 kB) would be parsed on every cold start of each function with an S3 or Lambda client.

export class SdkEventStreamsNotBundledError extends Error {
  override readonly name = 'SdkEventStreamsNotBundledError';
}

const refuse = (): never => {
  throw new SdkEventStreamsNotBundledError(
    'AWS SDK event streams are not supported in Lambda bundles: @smithy/core/event-streams is replaced by lib/bundling/request-response-calls-only.ts',
  );
};

/** What S3Client and LambdaClient call when built: as the original does, it asks the provider for a marshaller. */
export function resolveEventStreamSerdeConfig<
  Input extends { eventStreamSerdeProvider: (input: Input) => unknown },
>(input: Input) {
  return Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });
}

/** The clients' default provider: a marshaller that refuses, which only an event-stream operation would use. */
export const eventStreamSerdeProvider = () => ({ serialize: refuse, deserialize: refuse });

/** What the protocols import for an operation with an event-stream member. */
export class EventStreamSerde {
  constructor() {
    refuse();
  }
}
