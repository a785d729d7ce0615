// adapter: the one factory for AWS SDK clients. Endpoints come from AWS_ENDPOINT_URL_<SERVICE>, which the
// SDK honours by itself, so the same code talks to AWS in Lambda and to the emulators locally.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const common = { maxAttempts: 3 } as const;

let dynamoDb: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;
let kms: KMSClient | undefined;
let s3: S3Client | undefined;
let ses: SESv2Client | undefined;

export function dynamoDbClient(): DynamoDBClient {
  dynamoDb ??= new DynamoDBClient(common);
  return dynamoDb;
}

export function documentClient(): DynamoDBDocumentClient {
  documents ??= DynamoDBDocumentClient.from(dynamoDbClient(), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return documents;
}

export function kmsClient(): KMSClient {
  kms ??= new KMSClient(common);
  return kms;
}

export function s3Client(): S3Client {
  // Emulators have no per-bucket DNS names; on AWS this variable is unset and virtual-hosted style is used.
  s3 ??= new S3Client({ ...common, forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' });
  return s3;
}

export function sesClient(): SESv2Client {
  ses ??= new SESv2Client(common);
  return ses;
}
