// cdk: stateful data store — the table and its KMS keys. Construct ids here must never change once deployed.
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { tableDefinition } from '../functions/platform/table-definition';
import { KeyStore } from './key-store';

export interface DataStoreProps {
  /**
   * Prefix of the key aliases (`alias/<prefix>/data`, …), so two deployments can share an account.
   * @default - the stack name
   */
  readonly aliasPrefix?: string;
  /**
   * How far back point-in-time recovery reaches, in days (1–35).
   * @default 35
   */
  readonly pointInTimeRecoveryDays?: number;
  /**
   * Waiting period before a key scheduled for deletion is destroyed: the window to notice and cancel.
   * @default Duration.days(30) (the longest KMS allows)
   */
  readonly keyDeletionWindow?: Duration;
}

/** Checks the key settings every stateful construct shares: alias prefix and deletion window. */
export function assertKeyProps(owner: string, aliasPrefix: string, pendingWindow: Duration): void {
  if (!/^[a-zA-Z0-9/_-]+$/.test(aliasPrefix) || aliasPrefix.startsWith('aws')) {
    throw new Error(
      `${owner}: aliasPrefix "${aliasPrefix}" must use only letters, digits, '/', '_' and '-' and must not start with "aws"`,
    );
  }
  if (pendingWindow.toDays() < 7 || pendingWindow.toDays() > 30) {
    throw new Error(`${owner}: keyDeletionWindow ${pendingWindow.toHumanString()} must be 7 to 30 days`);
  }
}

/**
 * The single DynamoDB table (built from `functions/platform/table-definition.ts`) and the keys that protect it:
 * - `tableKey`: encrypts the table (and the key store) at rest. Usable only through DynamoDB, so a role that may
 *   read one item type (the authorizer) gets no way to open sealed fields.
 * - `dataKey`: wraps the per-tenant branch keys of `keyStore` (`DATA_KEY_ARN`), from which the AWS Encryption
 *   SDK's hierarchical keyring derives the data key of every sealed field. Used only through the key store.
 * - `keyStore`: the branch key store table and the tenant onboarding policy (see {@link KeyStore}).
 * - `blindIndexKey`: HMAC-256 key for blind indexes of encrypted values (`BLIND_INDEX_KEY_ARN`).
 * - `logKey`: encrypts every CloudWatch Logs group of the project.
 * - `auditKey`: ECC_NIST_P256 signing key of the audit chain's checkpoints (`AUDIT_KEY_ARN`): only the chain
 *   function may Sign with it; api-read and ops read its public key. Its private half never leaves KMS, so a
 *   writer of the table cannot sign a rewritten chain.
 * Everything is retained when the stack or a resource is removed.
 */
export class DataStore extends Construct {
  readonly table: dynamodb.Table;
  readonly tableKey: kms.Key;
  readonly dataKey: kms.Key;
  readonly keyStore: KeyStore;
  readonly blindIndexKey: kms.Key;
  readonly logKey: kms.Key;
  readonly auditKey: kms.Key;

  constructor(scope: Construct, id: string, props: DataStoreProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const aliasPrefix = props.aliasPrefix ?? stack.stackName;
    const recoveryDays = props.pointInTimeRecoveryDays ?? 35;
    const pendingWindow = props.keyDeletionWindow ?? Duration.days(30);
    assertKeyProps('DataStore', aliasPrefix, pendingWindow);
    if (!Number.isInteger(recoveryDays) || recoveryDays < 1 || recoveryDays > 35) {
      throw new Error(
        `DataStore: pointInTimeRecoveryDays ${recoveryDays} must be a whole number from 1 to 35`,
      );
    }

    const symmetricKey = (keyId: string, purpose: string, aliasName: string) =>
      new kms.Key(this, keyId, {
        description: `Ledgerlock ${purpose}`,
        alias: `alias/${aliasPrefix}/${aliasName}`,
        enableKeyRotation: true,
        rotationPeriod: Duration.days(365),
        pendingWindow,
        removalPolicy: RemovalPolicy.RETAIN,
      });

    this.tableKey = symmetricKey(
      'TableKey',
      'table encryption at rest (used only through DynamoDB)',
      'table',
    );
    this.dataKey = symmetricKey('DataKey', 'envelope encryption of sealed fields', 'data');
    this.keyStore = new KeyStore(this, 'KeyStore', {
      wrappingKey: this.dataKey,
      tableKey: this.tableKey,
      pointInTimeRecoveryDays: recoveryDays,
    });
    this.logKey = symmetricKey('LogKey', 'CloudWatch Logs encryption', 'logs');

    // KMS rotates only symmetric encryption keys; an HMAC key keeps its material, which blind indexes need anyway:
    // new material would change every index value and orphan the look-ups.
    this.blindIndexKey = new kms.Key(this, 'BlindIndexKey', {
      description: 'Ledgerlock blind-index HMAC (look-ups on encrypted values)',
      alias: `alias/${aliasPrefix}/blind-index`,
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Asymmetric keys do not rotate in KMS; checkpoints name the key that signed them, so a successor key (a new
    // construct) can take over while the old one stays to verify what it signed.
    this.auditKey = new kms.Key(this, 'AuditCheckpointKey', {
      description: "Ledgerlock audit chain checkpoints (ECDSA P-256 signatures of the chain's head)",
      alias: `alias/${aliasPrefix}/audit-checkpoints`,
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // CloudWatch Logs uses the key as its regional service principal; the encryption context pins that use
    // to log groups of this account and region.
    this.logKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsInThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:DescribeKey',
        ],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: tableDefinition.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableDefinition.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.tableKey,
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: recoveryDays,
      },
      deletionProtection: true,
      stream: dynamodb.StreamViewType[tableDefinition.streamViewType],
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of tableDefinition.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
