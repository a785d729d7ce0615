// platform: builds the invoice repository the API functions share, from configuration, once per function.
import { documentClient, kmsClient } from '../adapters/aws-clients';
import { DynamoDbInvoiceRepository } from '../adapters/dynamodb-invoice-repository';
import { EncryptionSdkSealer } from '../adapters/encryption-sdk-sealer';
import { envNames, requireEnv } from './config';

export function invoiceRepositoryFromEnvironment(): DynamoDbInvoiceRepository {
  return new DynamoDbInvoiceRepository({
    tableName: requireEnv(envNames.tableName),
    client: documentClient(),
    sealer: new EncryptionSdkSealer({ keyArn: requireEnv(envNames.dataKeyArn), kms: kmsClient() }),
  });
}
