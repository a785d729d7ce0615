// adapter: the one factory for AWS SDK clients. Endpoints come from AWS_ENDPOINT_URL_<SERVICE>, which the
// SDK honours by itself, so the same code talks to AWS in Lambda and to the emulators locally.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMS } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const common = { maxAttempts: 3 } as const;

let dynamoDb: DynamoDBDocumentClient | undefined;
let kms: KMS | undefined;

export function documentClient(): DynamoDBDocumentClient {
  dynamoDb ??= DynamoDBDocumentClient.from(new DynamoDBClient(common), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return dynamoDb;
}

/** The aggregated client: the Encryption SDK's keyring calls its encrypt/decrypt/generateDataKey methods. */
export function kmsClient(): KMS {
  kms ??= new KMS(common);
  return kms;
}
