// local: GetRecords answered as the wire's own JSON. The Streams API already sends records in the shape Lambda puts
// in `event.Records` (attribute values as DynamoDB JSON, binaries as base64, times as epoch seconds); the SDK's
// deserializer walks every attribute of every image against its schema, decodes the binaries, and the poller then
// encoded them again. Four pollers read each record of the main table, in the stack's one process, where on AWS the
// event source mapping does this outside the functions: a bulk issue's 100 changes cost about 100 ms of the
// handlers' CPU that way (profiled 2026-12-02). Every other Streams call keeps the SDK's deserializer.
import {
  DynamoDBStreamsClient,
  type DynamoDBStreamsClientConfig,
  GetRecordsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue } from 'aws-lambda';
import { readAll } from '../http-relay';

export interface WireStreamRecord {
  readonly eventID?: string;
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion?: string;
  readonly dynamodb?: {
    /** Epoch seconds (DynamoDB Local: a whole minute). */
    readonly ApproximateCreationDateTime?: number;
    readonly Keys?: Record<string, AttributeValue>;
    readonly NewImage?: Record<string, AttributeValue>;
    readonly OldImage?: Record<string, AttributeValue>;
    readonly SequenceNumber?: string;
    readonly SizeBytes?: number;
    readonly StreamViewType?: 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE';
  };
  readonly userIdentity?: { readonly Type?: string; readonly PrincipalId?: string };
}

export interface WireGetRecordsOutput {
  readonly Records?: readonly WireStreamRecord[];
  readonly NextShardIterator?: string;
}

/** What the service answered with an error status, named as the SDK names it (the poller matches on the name). */
class WireServiceError extends Error {
  constructor(
    name: string,
    message: string,
    readonly $metadata: { readonly httpStatusCode: number },
  ) {
    super(message);
    this.name = name;
  }
}

function serviceError(status: number, text: string): WireServiceError {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: named by its status below.
  }
  const type = typeof parsed.__type === 'string' ? (parsed.__type.split('#').at(-1) ?? '') : '';
  const message = parsed.message ?? parsed.Message;
  return new WireServiceError(
    type || `HTTP${status}`,
    typeof message === 'string' ? message : text.slice(0, 200),
    {
      httpStatusCode: status,
    },
  );
}

/**
 * A Streams client whose answers are the wire's JSON as it came (signing, endpoint and abort as any SDK client),
 * for `getWireRecords` only.
 */
export function wireJsonStreamsClient(config: DynamoDBStreamsClientConfig): DynamoDBStreamsClient {
  const client = new DynamoDBStreamsClient(config);
  if (!client.middlewareStack.remove('deserializerMiddleware')) {
    throw new Error(
      'the Streams client has no deserializerMiddleware to replace: the SDK changed, see wire-records.ts',
    );
  }
  client.middlewareStack.add(
    (next) => async (args) => {
      const { response } = await next(args);
      const http = response as { statusCode: number; body: AsyncIterable<Buffer> };
      const text = (await readAll(http.body)).toString('utf8');
      if (http.statusCode >= 300) throw serviceError(http.statusCode, text);
      return { response, output: { ...JSON.parse(text), $metadata: { httpStatusCode: http.statusCode } } };
    },
    { step: 'deserialize', name: 'wireJsonDeserializer' },
  );
  return client;
}

/** One GetRecords through a `wireJsonStreamsClient`: the page as the wire has it. */
export async function getWireRecords(
  client: DynamoDBStreamsClient,
  input: ConstructorParameters<typeof GetRecordsCommand>[0],
  abortSignal?: AbortSignal,
): Promise<WireGetRecordsOutput> {
  // The SDK types the answer its deserializer would have made; this client's middleware answers the wire's JSON.
  return (await client.send(new GetRecordsCommand(input), {
    abortSignal,
  })) as unknown as WireGetRecordsOutput;
}
