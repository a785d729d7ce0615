// platform: the composition root, part 1 — what every function instance is built on (SDK clients,
// observability, where security signals go) and the adapters several functions share. One file per function
// beside this one builds that function's dependencies, so a Lambda bundle holds only the adapters it uses.
// The Lambda modules (`<entry>/lambda.ts`) call them with the runtime's environment; local/ with the emulators'.
import { type AwsClientSettings, AwsClients } from '../../adapters/aws-clients';
import { DynamoDbInvoiceRepository } from '../../adapters/dynamodb-invoice-repository';
import { DynamoDbSellerProfiles } from '../../adapters/dynamodb-seller-profiles';
import {
  branchKeyStore,
  EncryptionSdkSealer,
  tenantHierarchicalKeyring,
} from '../../adapters/encryption-sdk-sealer';
import { KmsBlindIndexer } from '../../adapters/kms-blind-indexer';
import type { SecuritySignals } from '../../ports/security-signals';
import type { Config } from '../config';
import {
  createObservability,
  LoggedSecuritySignals,
  type Observability,
  type ObservabilityOptions,
} from '../observability';

export interface Runtime {
  readonly clients: AwsClients;
  readonly observability: Observability;
  readonly signals: SecuritySignals;
}

/**
 * The runtime of one function instance. On Lambda both arguments are empty: service name, namespace and tracing
 * come from the POWERTOOLS_* variables, region, credentials and endpoints from the Lambda environment.
 */
export function createRuntime(
  observabilityOptions: ObservabilityOptions = {},
  aws: AwsClientSettings = {},
): Runtime {
  const observability = createObservability(observabilityOptions);
  const clients = new AwsClients({
    ...aws,
    capture: (client) => observability.tracer.captureAWSv3Client(client),
  });
  return { clients, observability, signals: new LoggedSecuritySignals(observability) };
}

/** The settings each function reads (CDK sets exactly these; an infra test checks the two agree). */
export const configNames = {
  authorizer: ['tableName', 'jwtIssuer', 'jwksUrl'],
  'api-read': ['tableName', 'keyStoreTable', 'dataKeyArn', 'blindIndexKeyArn', 'auditKeyArn'],
  'api-write': ['tableName', 'keyStoreTable', 'dataKeyArn', 'blindIndexKeyArn'],
  deliver: ['tableName', 'keyStoreTable', 'dataKeyArn', 'documentsBucket', 'documentsKeyArn', 'mailFrom'],
  // The table names only tell the two streams apart: backup reads neither table, only their streams.
  backup: ['tableName', 'keyStoreTable', 'backupBucket', 'backupKeyArn'],
  detect: ['tableName', 'alertTopicArn'],
  chain: ['tableName', 'auditKeyArn'],
} as const;
export type ConfigOf<Function extends keyof typeof configNames> = Config<
  (typeof configNames)[Function][number]
>;

/** The sealer over the tenants' branch keys, and the sealed-record readers built on it. */
export function sealedRecords(
  config: Config<'tableName' | 'keyStoreTable' | 'dataKeyArn'>,
  runtime: Runtime,
) {
  const { clients } = runtime;
  const keyStore = branchKeyStore({
    tableName: config.keyStoreTable,
    kmsKeyArn: config.dataKeyArn,
    dynamoDb: clients.dynamoDb,
    kms: clients.kms,
  });
  const sealer = new EncryptionSdkSealer(tenantHierarchicalKeyring(keyStore), keyStore);
  const table = { tableName: config.tableName, client: clients.documents, sealer };
  return {
    sealer,
    table,
    invoices: new DynamoDbInvoiceRepository(table),
    sellers: new DynamoDbSellerProfiles(table),
  };
}

export function blindIndex(config: Config<'blindIndexKeyArn'>, runtime: Runtime) {
  return new KmsBlindIndexer({ keyArn: config.blindIndexKeyArn, kms: runtime.clients.kms });
}
