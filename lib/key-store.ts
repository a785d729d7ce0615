// cdk: stateful branch-key store — the per-tenant branch-key table and the tenant-onboarding policy.
// Construct ids here must never change once deployed.
import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

import { keyStoreTableDefinition } from '../functions/platform/table-definition';

/** The key schema the AWS Encryption SDK's `BranchKeyStoreNode` reads and writes; fixed by the SDK. */
export const keyStoreKeySchema = keyStoreTableDefinition;

/**
 * `type` values of the branch keys the runtime unwraps: the active one (to seal) and its versions (to open).
 * Beacon keys (`beacon:ACTIVE`, searchable encryption) are created with every branch key but never used here.
 */
export const runtimeBranchKeyTypes = ['branch:ACTIVE', 'branch:version:*'] as const;

/** What a function needs to know about a key store to read branch keys from it (see `ProjectFunction.bindKeyStore`). */
export interface BranchKeyStoreReference {
  /** The table holding the wrapped branch keys. */
  readonly table: dynamodb.ITable;
  /** The KMS key every branch key is wrapped with. */
  readonly wrappingKey: kms.IKey;
}

export interface KeyStoreProps {
  /** Wraps every branch key (the data store's `dataKey`, `DATA_KEY_ARN`). */
  readonly wrappingKey: kms.IKey;
  /** Customer managed key that encrypts the table at rest (the data store's `tableKey`). */
  readonly tableKey: kms.IKey;
  /** How far back point-in-time recovery reaches, in days (1–35); the data store has already checked it. */
  readonly pointInTimeRecoveryDays: number;
}

/**
 * The branch key store of the hierarchical keyring: one branch key per tenant (branch key id = tenant id), each
 * wrapped by `wrappingKey`. Functions read a tenant's branch key (GetItem + one kms:Decrypt), cache it and derive
 * every message's data key locally, so KMS is called about once per tenant per cache TTL instead of once per item.
 *
 * The runtime uses the table name as logical key store name (functions/adapters/encryption-sdk-sealer.ts). KMS sees
 * that name as `tablename` in the encryption context of every call on a branch key, so IAM pins the wrapping key
 * to this store with it. Branch keys are cryptographically bound to the logical name: restoring the table into
 * another one (PITR) needs the runtime, and these conditions, given the original name as logical name.
 *
 * Losing an item loses the tenant's sealed data for good: the table is deletion-protected, point-in-time
 * recoverable, retained, streamed to the backups and snapshotted by AWS Backup, and no runtime role may write or
 * delete an item.
 */
export class KeyStore extends Construct implements BranchKeyStoreReference {
  readonly table: dynamodb.Table;
  readonly wrappingKey: kms.IKey;
  /**
   * Tenant onboarding: what `BranchKeyStoreNode.createKey` needs. Attached to no function: an operations
   * pipeline attaches it to the role that onboards tenants, which runs
   * `createKey({ branchKeyIdentifier: tenantId, encryptionContext: { tenant: tenantId } })` against this table
   * and wrapping key. The SDK's conditional writes (`attribute_not_exists`) make a second call for the same
   * tenant fail instead of replacing its key. It grants no kms:Decrypt: onboarding never opens a branch key
   * (so it must not check for an existing one with getActiveBranchKey; the failed createKey says so).
   */
  readonly onboardingPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: KeyStoreProps) {
    super(scope, id);
    this.wrappingKey = props.wrappingKey;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: keyStoreKeySchema.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: keyStoreKeySchema.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.tableKey,
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: props.pointInTimeRecoveryDays,
      },
      deletionProtection: true,
      // Every change reaches the backup function (DESIGN.md: the branch-key store is backed up like the table):
      // a lost branch key loses its tenant's sealed data, and the copy holds only wrapped keys.
      stream: dynamodb.StreamViewType[keyStoreKeySchema.streamViewType],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Every KMS call the SDK makes on a branch key carries `tablename` = the logical key store name (the table
    // name) in its encryption context: pinning it keeps the wrapping key from being used for anything else.
    const thisStore = { 'kms:EncryptionContext:tablename': this.table.tableName };
    this.onboardingPolicy = new iam.ManagedPolicy(this, 'TenantOnboardingPolicy', {
      description:
        'Ledgerlock tenant onboarding: create a tenant branch key in the key store (BranchKeyStoreNode.createKey). Never attach to a function role',
      statements: [
        new iam.PolicyStatement({
          sid: 'GenerateWrappedBranchAndBeaconKeys',
          actions: ['kms:GenerateDataKeyWithoutPlaintext'],
          resources: [this.wrappingKey.keyArn],
          conditions: { StringEquals: thisStore },
        }),
        new iam.PolicyStatement({
          // The decrypt-only version is re-wrapped as the ACTIVE item under its own context, on the same key.
          sid: 'RewrapBranchKeyAsActive',
          actions: ['kms:ReEncryptFrom', 'kms:ReEncryptTo'],
          resources: [this.wrappingKey.keyArn],
          conditions: { StringEquals: thisStore, Bool: { 'kms:ReEncryptOnSameKey': 'true' } },
        }),
        new iam.PolicyStatement({
          // createKey writes its three items in one TransactWriteItems, which IAM authorises as PutItem per
          // item; plain PutItem calls (which could overwrite a branch key) are refused.
          sid: 'WriteNewBranchKeyItems',
          actions: ['dynamodb:PutItem'],
          resources: [this.table.tableArn],
          conditions: {
            'ForAnyValue:StringEquals': { 'dynamodb:EnclosingOperation': ['TransactWriteItems'] },
          },
        }),
        new iam.PolicyStatement({
          sid: 'ReadBranchKeyItems',
          actions: ['dynamodb:GetItem'],
          resources: [this.table.tableArn],
        }),
        new iam.PolicyStatement({
          // What DynamoDB needs from the table key on the caller's behalf, and only through DynamoDB.
          sid: 'TableKeyThroughDynamoDb',
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [props.tableKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      ],
    });

    new CfnOutput(this, 'KeyStoreTableName', {
      description:
        'Branch key store table, also the logical key store name (onboarding: createKey against it)',
      value: this.table.tableName,
    });
    new CfnOutput(this, 'TenantOnboardingPolicyArn', {
      description: 'Managed policy to attach to the role that onboards tenants (creates their branch keys)',
      value: this.onboardingPolicy.managedPolicyArn,
    });
  }
}
