// adapter: the one factory for AWS SDK clients, created once per function instance. On Lambda, region,
// credentials and endpoints come from the runtime; locally the composition root passes the emulators'
// endpoints and fake credentials explicitly. Every client is handed to the tracer's capture when one is given.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type AwsService = 'dynamodb' | 'kms' | 's3' | 'sesv2' | 'sns' | 'sqs';

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

/** SDK retries: a few, for throttling and passing network trouble; callers with their own loops turn them off. */
const defaultMaxAttempts = 3;

/** One SendEmail call waits at most this long for SES's answer (the deliverer's lease is 30 s by default). */
export const sesRequestTimeoutMs = 10_000;

export class AwsClients {
  private readonly created = new Map<string, unknown>();

  constructor(private readonly settings: AwsClientSettings = {}) {}

  private config(service: AwsService) {
    const endpoint = this.settings.endpoints?.[service];
    return {
      maxAttempts: defaultMaxAttempts,
      ...(this.settings.region === undefined ? {} : { region: this.settings.region }),
      ...(this.settings.credentials === undefined ? {} : { credentials: { ...this.settings.credentials } }),
      ...(endpoint === undefined ? {} : { endpoint }),
    };
  }

  private once<Client>(name: string, create: () => Client, capture = true): Client {
    if (!this.created.has(name)) {
      const client = create();
      const instrument = capture ? this.settings.capture : undefined;
      this.created.set(name, instrument === undefined ? client : instrument(client));
    }
    return this.created.get(name) as Client;
  }

  get dynamoDb(): DynamoDBClient {
    return this.once('dynamodb', () => new DynamoDBClient(this.config('dynamodb')));
  }

  /** Shares the DynamoDB client's middleware stack, so it is traced through that client, not again. */
  get documents(): DynamoDBDocumentClient {
    return this.once(
      'documents',
      () =>
        DynamoDBDocumentClient.from(this.dynamoDb, {
          marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
        }),
      false,
    );
  }

  get kms(): KMSClient {
    return this.once('kms', () => new KMSClient(this.config('kms')));
  }

  get s3(): S3Client {
    return this.once(
      's3',
      () => new S3Client({ ...this.config('s3'), forcePathStyle: this.settings.s3ForcePathStyle ?? false }),
    );
  }

  /**
   * No SDK retries: SES has no idempotency key, so a retry after a lost answer could mail the customer twice.
   * The deliverer decides what may be retried, from what the failure says (adapters/sesv2-mailer.ts).
   */
  get ses(): SESv2Client {
    return this.once(
      'sesv2',
      () =>
        new SESv2Client({
          ...this.config('sesv2'),
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

  get sns(): SNSClient {
    return this.once('sns', () => new SNSClient(this.config('sns')));
  }

  get sqs(): SQSClient {
    return this.once('sqs', () => new SQSClient(this.config('sqs')));
  }
}
