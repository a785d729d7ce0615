// platform: builds the adapters the API functions share from configuration, once per function instance.
import { documentClient, dynamoDbClient, kmsClient } from '../adapters/aws-clients';
import { DynamoDbAuditTrail } from '../adapters/dynamodb-audit-trail';
import { DynamoDbCustomerRepository, emailIndexPurpose } from '../adapters/dynamodb-customer-repository';
import { DynamoDbIdempotencyStore } from '../adapters/dynamodb-idempotency-store';
import { DynamoDbInvoiceRepository } from '../adapters/dynamodb-invoice-repository';
import { DynamoDbLedger } from '../adapters/dynamodb-ledger';
import { DynamoDbSellerProfiles } from '../adapters/dynamodb-seller-profiles';
import {
  branchKeyStore,
  EncryptionSdkSealer,
  tenantHierarchicalKeyring,
} from '../adapters/encryption-sdk-sealer';
import { KmsBlindIndexer } from '../adapters/kms-blind-indexer';
import { normalizeEmail } from '../domain/customer';
import { envNames, requireEnv } from './config';

/** What the deliver function needs: sealed invoices and seller profiles, no blind index, no writes. */
export function invoiceReadersFromEnvironment() {
  const tableName = requireEnv(envNames.tableName);
  const client = documentClient();
  const sealer = new EncryptionSdkSealer(
    tenantHierarchicalKeyring(
      branchKeyStore({
        tableName: requireEnv(envNames.keyStoreTable),
        kmsKeyArn: requireEnv(envNames.dataKeyArn),
        dynamoDb: dynamoDbClient(),
        kms: kmsClient(),
      }),
    ),
  );
  return {
    sealer,
    invoices: new DynamoDbInvoiceRepository({ tableName, client, sealer }),
    sellers: new DynamoDbSellerProfiles({ tableName, client, sealer }),
  };
}

export function readSideFromEnvironment() {
  const tableName = requireEnv(envNames.tableName);
  const client = documentClient();
  const { sealer, invoices, sellers } = invoiceReadersFromEnvironment();
  const blindIndexer = new KmsBlindIndexer({
    keyArn: requireEnv(envNames.blindIndexKeyArn),
    kms: kmsClient(),
  });
  return {
    sealer,
    blindIndexer,
    invoices,
    customers: new DynamoDbCustomerRepository({ tableName, client, sealer, blindIndexer }),
    auditTrail: new DynamoDbAuditTrail({ tableName, client }),
    sellers,
  };
}

export function writeSideFromEnvironment() {
  const tableName = requireEnv(envNames.tableName);
  const client = documentClient();
  const read = readSideFromEnvironment();
  return {
    invoices: read.invoices,
    customers: read.customers,
    ledger: new DynamoDbLedger({
      tableName,
      client,
      sealer: read.sealer,
      emailDigest: (tenantId, email) =>
        read.blindIndexer.digest(tenantId, emailIndexPurpose, normalizeEmail(email)),
    }),
    idempotency: new DynamoDbIdempotencyStore({ tableName, client, sealer: read.sealer }),
  };
}
