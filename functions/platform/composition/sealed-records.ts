// platform: the composition root, part 2 — the adapters several functions share: the sealer over the tenants'
// branch keys, the sealed-record readers on it, and the blind index. Kept apart from runtime.ts so a function that
// opens no sealed record (authorizer, backup, detect) carries no Encryption SDK.
import { documentClient, dynamoDbClient, kmsClient } from '../../adapters/aws-clients';
import { DynamoDbInvoiceRepository } from '../../adapters/dynamodb-invoice-repository';
import { DynamoDbSellerProfiles } from '../../adapters/dynamodb-seller-profiles';
import {
  branchKeyStore,
  EncryptionSdkSealer,
  tenantHierarchicalKeyring,
} from '../../adapters/encryption-sdk-sealer';
import { KmsBlindIndexer } from '../../adapters/kms-blind-indexer';
import type { Config } from '../config';
import type { Runtime } from './runtime';

/** The sealer over the tenants' branch keys, and the sealed-record readers built on it. */
export function sealedRecords(
  config: Config<'tableName' | 'keyStoreTable' | 'dataKeyArn'>,
  runtime: Runtime,
) {
  const { clients } = runtime;
  const keyStore = branchKeyStore({
    tableName: config.keyStoreTable,
    kmsKeyArn: config.dataKeyArn,
    dynamoDb: dynamoDbClient(clients),
    kms: kmsClient(clients),
  });
  const sealer = new EncryptionSdkSealer(tenantHierarchicalKeyring(keyStore), keyStore);
  const table = { tableName: config.tableName, client: documentClient(clients), sealer };
  return {
    sealer,
    table,
    invoices: new DynamoDbInvoiceRepository(table),
    sellers: new DynamoDbSellerProfiles(table),
  };
}

export function blindIndex(config: Config<'blindIndexKeyArn'>, runtime: Runtime) {
  return new KmsBlindIndexer({ keyArn: config.blindIndexKeyArn, kms: kmsClient(runtime.clients) });
}
