// local: tenant onboarding for the demo tenants, as an ops command does it on AWS — the API clients (CLIENT#
// items), each tenant's branch key, and its seller profile.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AwsClients } from '../functions/adapters/aws-clients';
import { DynamoDbApiClientDirectory } from '../functions/adapters/dynamodb-api-client-directory';
import { DynamoDbSellerProfiles } from '../functions/adapters/dynamodb-seller-profiles';
import {
  branchKeyStore,
  createTenantBranchKey,
  EncryptionSdkSealer,
  tenantBranchKeyExists,
  tenantHierarchicalKeyring,
} from '../functions/adapters/encryption-sdk-sealer';
import type { SellerProfile } from '../functions/domain/seller';
import { scopePrefix, scopes } from '../functions/platform/routes';
import { IntegrityError } from '../functions/ports/sealer';
import type { LocalClient } from './token-issuer';

const allScopes = scopes.map((scope) => `${scopePrefix}${scope}`);

function newTenantId(): string {
  return `ten_${randomBytes(12).toString('hex')}`;
}

function newClient(tenantId: string, clientScopes: readonly string[]): LocalClient {
  return {
    tenantId,
    clientId: `cli_${randomBytes(12).toString('hex')}`,
    clientSecret: randomBytes(32).toString('base64url'),
    scopes: clientScopes,
  };
}

/** Two demo tenants with a read-write client each, plus a read-only and an admin client for the first. */
function demoClients(): LocalClient[] {
  const first = newTenantId();
  const second = newTenantId();
  const readWrite = [`${scopePrefix}invoices:read`, `${scopePrefix}invoices:write`];
  return [
    newClient(first, readWrite),
    newClient(second, readWrite),
    newClient(first, [`${scopePrefix}invoices:read`]),
    newClient(first, allScopes),
  ];
}

/** What each demo tenant's invoices say about the seller. */
function demoSeller(index: number): SellerProfile {
  const names = ['Acme Demo GmbH', 'Globex Demo Ltd'];
  return {
    name: names[index] ?? `Demo Seller ${index + 1}`,
    address: { line1: 'Friedrichstraße 100', city: 'Berlin', postalCode: '10117', country: 'DE' },
    taxId: `DE12345678${index}`,
    email: `billing${index + 1}@demo.ledgerlock.local`,
    payout: {
      iban: 'DE02120300000000202051',
      bic: 'BYLADEM1001',
      accountHolder: names[index] ?? 'Demo Seller',
    },
    paymentInstructions: 'quote the invoice number',
  };
}

export interface OnboardingOptions {
  readonly clients: AwsClients;
  readonly tableName: string;
  readonly keyStoreTableName: string;
  readonly dataKeyArn: string;
  /** Where the demo clients' credentials are kept (mode 0600); reused on restart unless `fresh`. */
  readonly clientsFile: string;
  readonly fresh: boolean;
  /** Named in the hint when stored data cannot be opened. */
  readonly stateDir: string;
}

/** Registers the demo clients and onboards their tenants; returns the clients (with their secrets). */
export async function onboardDemoTenants(options: OnboardingOptions): Promise<LocalClient[]> {
  const { clients: aws } = options;
  const clients =
    !options.fresh && existsSync(options.clientsFile)
      ? (JSON.parse(readFileSync(options.clientsFile, 'utf8')) as LocalClient[])
      : demoClients();
  const directory = new DynamoDbApiClientDirectory({ tableName: options.tableName, client: aws.documents });
  for (const client of clients) {
    await directory.register({ clientId: client.clientId, tenantId: client.tenantId, status: 'active' });
  }
  writeFileSync(options.clientsFile, `${JSON.stringify(clients, null, 2)}\n`, { mode: 0o600 });

  const keyStore = branchKeyStore({
    tableName: options.keyStoreTableName,
    kmsKeyArn: options.dataKeyArn,
    dynamoDb: aws.dynamoDb,
    kms: aws.kms,
  });
  const sellers = new DynamoDbSellerProfiles({
    tableName: options.tableName,
    client: aws.documents,
    sealer: new EncryptionSdkSealer(tenantHierarchicalKeyring(keyStore), keyStore),
  });
  const tenants = [...new Set(clients.map((client) => client.tenantId))];
  for (const [index, tenantId] of tenants.entries()) {
    if (!(await tenantBranchKeyExists(keyStore, tenantId))) await createTenantBranchKey(keyStore, tenantId);
    let seller: SellerProfile | undefined;
    try {
      seller = await sellers.get(tenantId);
    } catch (error) {
      if (!(error instanceof IntegrityError)) throw error;
      throw new Error(
        `the data in ${options.stateDir} cannot be opened with this version's keys (it was sealed by an older one); ` +
          'start with --reset to begin with fresh data',
        { cause: error },
      );
    }
    if (seller === undefined) await sellers.put(tenantId, demoSeller(index));
  }
  return clients;
}
