// test support: one call of each kind the functions make through the AWS SDK, against the endpoint on argv[2];
// prints what each call answered (or the error it threw) as JSON. test/infra/sdk-bundles.test.ts runs it from
// node_modules and as a Lambda bundle (with the sdk-schema-keys plugin) and compares the two.
import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { GenerateMacCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

const endpoint = process.argv[2] ?? 'http://127.0.0.1:9';
const config = {
  endpoint,
  region: 'eu-central-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
  maxAttempts: 1,
};
const s3 = new S3Client({ ...config, forcePathStyle: true });
const dynamodb = new DynamoDBClient(config);
const documents = DynamoDBDocumentClient.from(dynamodb);
const kms = new KMSClient(config);
const ses = new SESv2Client(config);
const sns = new SNSClient(config);
const lambda = new LambdaClient(config);

/** What a call answered, without the per-request metadata; or the error's name, message and fields. */
async function outcome(call: () => Promise<object>): Promise<unknown> {
  try {
    const { $metadata: _, ...output } = (await call()) as { $metadata?: unknown };
    const body = (output as { Body?: { transformToString?: () => Promise<string> } }).Body;
    return body?.transformToString === undefined
      ? output
      : { ...output, Body: await body.transformToString() };
  } catch (error) {
    const { $metadata: _, $response: __, ...fields } = error as Record<string, unknown>;
    return { error: (error as Error).name, message: (error as Error).message, ...fields };
  }
}

const results = {
  get: await outcome(() => documents.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } }))),
  transaction: await outcome(() =>
    dynamodb.send(
      new TransactWriteItemsCommand({
        ClientRequestToken: 'probe-1',
        TransactItems: [
          {
            Put: {
              TableName: 't',
              Item: { pk: { S: 'a' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    ),
  ),
  sign: await outcome(() =>
    kms.send(
      new SignCommand({
        KeyId: 'k',
        Message: new Uint8Array([1, 2, 3]),
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    ),
  ),
  mac: await outcome(() =>
    kms.send(
      new GenerateMacCommand({ KeyId: 'k', Message: new Uint8Array([4]), MacAlgorithm: 'HMAC_SHA_256' }),
    ),
  ),
  put: await outcome(() =>
    s3.send(
      new PutObjectCommand({
        Bucket: 'b',
        Key: 'documents/v1/a.pdf',
        Body: Buffer.from('%PDF-1.7'),
        ContentType: 'application/pdf',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'k',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date('2033-01-01T00:00:00Z'),
      }),
    ),
  ),
  read: await outcome(() => s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'documents/v1/a.pdf' }))),
  missing: await outcome(() => s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'missing' }))),
  head: await outcome(() => s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'documents/v1/a.pdf' }))),
  versions: await outcome(() => s3.send(new ListObjectVersionsCommand({ Bucket: 'b', Prefix: 'changes/' }))),
  link: await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'b', Key: 'documents/v1/a.pdf' }), {
    expiresIn: 300,
    signingDate: new Date('2026-01-01T00:00:00Z'),
  }),
  email: await outcome(() =>
    ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'invoices@example.com',
        Destination: { ToAddresses: ['buyer@example.com'] },
        Content: { Raw: { Data: Buffer.from('Subject: Invoice\r\n\r\nhello') } },
      }),
    ),
  ),
  rejected: await outcome(() =>
    ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'invoices@example.com',
        Destination: { ToAddresses: ['rejected@example.com'] },
        Content: { Raw: { Data: Buffer.from('x') } },
      }),
    ),
  ),
  alert: await outcome(() =>
    sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-central-1:000000000000:a', Message: '{}' })),
  ),
  invoke: await outcome(() =>
    lambda.send(new InvokeCommand({ FunctionName: 'render', Payload: new TextEncoder().encode('{"a":1}') })),
  ),
};
process.stdout.write(
  JSON.stringify(results, (_, value) => (value instanceof Uint8Array ? [...value] : value)),
);
