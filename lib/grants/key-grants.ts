// cdk: key grants — the IAM statements behind ProjectFunction.bindKey (MAC and signing keys) and bindKeyStore
// (branch keys).
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { envNames } from '../../functions/platform/config';
import { type BranchKeyStoreReference, runtimeBranchKeyTypes } from '../key-store';
import { type GrantContext, tableKeyStatements } from './table-grants';

/**
 * How a function may use a KMS key through `bindKey`.
 * - `generate-mac`: `kms:GenerateMac` (compute blind-index values).
 * - `generate-verify-mac`: `kms:GenerateMac`, `kms:VerifyMac`.
 * - `sign`: `kms:Sign` (the chain writer signs the audit chain's checkpoints).
 * - `get-public-key`: `kms:GetPublicKey` (check checkpoint signatures against the public key).
 * The data key (`DATA_KEY_ARN`) is not bound here: it only wraps branch keys, see `bindKeyStore`.
 */
export type KeyAccess = 'generate-mac' | 'generate-verify-mac' | 'sign' | 'get-public-key';

/** The env vars `bindKey` sets to a key ARN, and the access each key's kind allows. */
const keyEnvAccess = {
  [envNames.blindIndexKeyArn]: ['generate-mac', 'generate-verify-mac'],
  [envNames.auditKeyArn]: ['sign', 'get-public-key'],
} as const satisfies Readonly<Record<string, readonly KeyAccess[]>>;
const macKeyEnvNames = Object.keys(keyEnvAccess) as (keyof typeof keyEnvAccess)[];
export type KeyEnvName = keyof typeof keyEnvAccess;

const keyActions: Readonly<Record<KeyAccess, readonly string[]>> = {
  'generate-mac': ['kms:GenerateMac'],
  'generate-verify-mac': ['kms:GenerateMac', 'kms:VerifyMac'],
  sign: ['kms:Sign'],
  'get-public-key': ['kms:GetPublicKey'],
};

/**
 * The statement for `access` to the key behind `envName` (see {@link KeyAccess}). Throws for an env var that names
 * no such key — the data key above all, which only the key store may use — and for access that key's kind lacks.
 */
export function macKeyStatements(
  key: kms.IKey,
  envName: KeyEnvName,
  access: KeyAccess,
  context: Pick<GrantContext, 'owner'>,
): iam.PolicyStatement[] {
  const { owner } = context;
  if (!(macKeyEnvNames as readonly string[]).includes(envName)) {
    throw new Error(
      (envName as string) === envNames.dataKeyArn
        ? `${owner}: the data key wraps branch keys only and is used only through the key store; call bindKeyStore instead`
        : `${owner}: ${envName} is not a key env var; use one of ${macKeyEnvNames.join(', ')}`,
    );
  }
  const allowed: readonly KeyAccess[] = keyEnvAccess[envName];
  if (keyActions[access] === undefined || !allowed.includes(access)) {
    throw new Error(
      `${owner}: access '${access}' does not fit ${envName}; use ${allowed.map((name) => `'${name}'`).join(' or ')}`,
    );
  }
  return [new iam.PolicyStatement({ actions: [...keyActions[access]], resources: [key.keyArn] })];
}

/**
 * What the hierarchical keyring needs from a key store (see ProjectFunction.bindKeyStore for why each statement
 * is as narrow as it is): `GetItem` on its table, `kms:Decrypt` on its wrapping key for its own branch keys only,
 * and the table key through DynamoDB only.
 */
export function keyStoreStatements(
  keyStore: BranchKeyStoreReference,
  context: Pick<GrantContext, 'region'>,
): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [keyStore.table.tableArn] }),
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [keyStore.wrappingKey.keyArn],
      // The SDK decrypts a branch key with its item's attributes plus `tablename` (the logical key store name,
      // which the runtime takes from KEY_STORE_TABLE) as encryption context; sealed fields are never wrapped by
      // this key directly, so nothing else needs it.
      conditions: {
        StringEquals: { 'kms:EncryptionContext:tablename': keyStore.table.tableName },
        StringLike: { 'kms:EncryptionContext:type': [...runtimeBranchKeyTypes] },
      },
    }),
    ...tableKeyStatements(keyStore.table, 'get-item', context.region),
  ];
}
