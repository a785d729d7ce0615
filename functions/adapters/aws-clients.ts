// adapter: the one factory for AWS SDK clients, created once per function instance. On Lambda, region,
// credentials and endpoints come from the runtime; locally the composition root passes the emulators'
// endpoints and fake credentials explicitly. Every client is handed to the tracer's capture when one is given.
//
// One function per service (dynamoDbClient, s3Client, …) rather than one getter per service on a class: a class
// keeps every getter, and so every SDK client, in every bundle that uses it, while an unused function is dropped
// by esbuild. The authorizer thus carries the DynamoDB client only. AwsClients, the class with getters, stays for
// the tools that want every client (ops/, local/); a Lambda's composition root takes the functions.
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type AwsService = 'dynamodb' | 'kms' | 'lambda' | 's3' | 'sesv2' | 'sns' | 'sqs';

export interface AwsClientSettings {
  /** @default - the runtime's (AWS_REGION) */
  readonly region?: string;
  /** @default - the runtime's credential chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Endpoint per service. @default - AWS's public endpoints (or AWS_ENDPOINT_URL_<SERVICE>) */
  readonly endpoints?: Readonly<Partial<Record<AwsService, string>>>;
  /** Emulators have no per-bucket DNS names. @default false (virtual-hosted style on AWS) */
  readonly s3ForcePathStyle?: boolean;
  /** Instruments a client, e.g. `tracer.captureAWSv3Client`. @default - none */
  readonly capture?: <Client>(client: Client) => Client;
}

/**
 * The SDK's own logging, which no function reads (we log through Powertools): silent, as its default NoOpLogger
 * is, but without `info`. The SDK logs each call with `logger?.info?.({ input: filter(input), output:
 * filter(output) })`, and its default logger has an `info` that drops the line after both filters ran — a walk of
 * every request and answer against its schema to mask sensitive members. For a 100-item transaction or a batch
 * read that walk was about 35 ms of CPU per bulk issue on this machine; with no `info` nothing is walked.
 */
export const sdkLogger = { trace() {}, debug() {}, warn() {}, error() {} } as NonNullable<
  DynamoDBClientConfig['logger']
>;

/** SDK retries: a few, for throttling and passing network trouble; callers with their own loops turn them off. */
const defaultMaxAttempts = 3;

/** One SendEmail call waits at most this long for SES's answer (the deliverer's lease is 30 s by default). */
export const sesRequestTimeoutMs = 10_000;

/** Settings and the clients created from them, one per service; the service functions below fill it. */
export class AwsClientFactory {
  private readonly created = new Map<string, unknown>();

  constructor(readonly settings: AwsClientSettings = {}) {}

  /** The constructor options every client of `service` gets. */
  config(service: AwsService) {
    const endpoint = this.settings.endpoints?.[service];
    return {
      maxAttempts: defaultMaxAttempts,
      logger: sdkLogger,
      ...(this.settings.region === undefined ? {} : { region: this.settings.region }),
      ...(this.settings.credentials === undefined ? {} : { credentials: { ...this.settings.credentials } }),
      ...(endpoint === undefined ? {} : { endpoint }),
    };
  }

  /** The client called `name`, created (and instrumented, unless `capture` is false) on first use. */
  once<Client>(name: string, create: () => Client, capture = true): Client {
    if (!this.created.has(name)) {
      const client = create();
      const instrument = capture ? this.settings.capture : undefined;
      this.created.set(name, instrument === undefined ? client : instrument(client));
    }
    return this.created.get(name) as Client;
  }
}

export function dynamoDbClient(factory: AwsClientFactory): DynamoDBClient {
  return factory.once('dynamodb', () => new DynamoDBClient(factory.config('dynamodb')));
}

/** Shares the DynamoDB client's middleware stack, so it is traced through that client, not again. */
export function documentClient(factory: AwsClientFactory): DynamoDBDocumentClient {
  return factory.once(
    'documents',
    () =>
      DynamoDBDocumentClient.from(dynamoDbClient(factory), {
        marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
      }),
    false,
  );
}

export function kmsClient(factory: AwsClientFactory): KMSClient {
  return factory.once('kms', () => new KMSClient(factory.config('kms')));
}

export function lambdaClient(factory: AwsClientFactory): LambdaClient {
  return factory.once('lambda', () => new LambdaClient(factory.config('lambda')));
}

export function s3Client(factory: AwsClientFactory): S3Client {
  return factory.once(
    's3',
    () =>
      new S3Client({ ...factory.config('s3'), forcePathStyle: factory.settings.s3ForcePathStyle ?? false }),
  );
}

/**
 * No SDK retries: SES has no idempotency key, so a retry after a lost answer could mail the customer twice. The
 * deliverer decides what may be retried, from what the failure says (adapters/sesv2-mailer.ts).
 */
export function sesClient(factory: AwsClientFactory): SESv2Client {
  return factory.once(
    'sesv2',
    () =>
      new SESv2Client({
        ...factory.config('sesv2'),
        maxAttempts: 1,
        // A bounded wait, below the deliverer's lease: a silent socket becomes an "unknown outcome", never a hang.
        requestHandler: {
          connectionTimeout: 3_000,
          requestTimeout: sesRequestTimeoutMs,
          throwOnRequestTimeout: true,
        },
      }),
  );
}

export function snsClient(factory: AwsClientFactory): SNSClient {
  return factory.once('sns', () => new SNSClient(factory.config('sns')));
}

export function sqsClient(factory: AwsClientFactory): SQSClient {
  return factory.once('sqs', () => new SQSClient(factory.config('sqs')));
}

/** Every client as a getter: for tools that use several (ops/, local/), never for a Lambda bundle. */
export class AwsClients extends AwsClientFactory {
  get dynamoDb(): DynamoDBClient {
    return dynamoDbClient(this);
  }

  get documents(): DynamoDBDocumentClient {
    return documentClient(this);
  }

  get kms(): KMSClient {
    return kmsClient(this);
  }

  get lambda(): LambdaClient {
    return lambdaClient(this);
  }

  get s3(): S3Client {
    return s3Client(this);
  }

  get ses(): SESv2Client {
    return sesClient(this);
  }

  get sns(): SNSClient {
    return snsClient(this);
  }

  get sqs(): SQSClient {
    return sqsClient(this);
  }
}
