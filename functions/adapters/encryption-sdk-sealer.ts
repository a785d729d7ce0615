// adapter: AWS Encryption SDK + hierarchical keyring (per-tenant branch keys under KMS) → Sealer.
import {
  AlgorithmSuiteIdentifier,
  BranchKeyStoreNode,
  buildClient,
  CommitmentPolicy,
  type KeyringNode,
  KmsHierarchicalKeyRingNode,
} from '@aws-crypto/client-node';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { IntegrityError, KeysUnavailableError, type Sealer, type SealingContext } from '../ports/sealer';

// Committing suite without an ECDSA signature: key commitment stops a ciphertext from opening to two
// plaintexts, while signing would cost 3–5 ms per message and buys nothing when writer and reader share
// one key hierarchy and one trust domain.
const suiteId = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

const { encrypt, decrypt } = buildClient({
  commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
  // We only ever write one data key per message; refusing more bounds the work an attacker can cause.
  maxEncryptedDataKeys: 1,
});

export interface KeyStoreOptions {
  /** DynamoDB table holding the branch keys (partition `branch-key-id`, sort `type`). */
  readonly tableName: string;
  /**
   * The name the branch keys are bound to (KMS sees it as `tablename` in every branch key's encryption context).
   * @default - `tableName`; a restored copy of a key store keeps the original's name here
   */
  readonly logicalName?: string;
  /** The KMS key that wraps every branch key. */
  readonly kmsKeyArn: string;
  readonly dynamoDb: DynamoDBClient;
  readonly kms: KMSClient;
}

export function branchKeyStore(options: KeyStoreOptions): BranchKeyStoreNode {
  return new BranchKeyStoreNode({
    logicalKeyStoreName: options.logicalName ?? options.tableName,
    storage: { ddbTableName: options.tableName, ddbClient: options.dynamoDb },
    keyManagement: { kmsClient: options.kms },
    kmsConfiguration: { identifier: options.kmsKeyArn },
  });
}

/**
 * One branch key per tenant (its id is the tenant id). Each message gets its own data key, derived locally
 * from the branch key and wrapped under the message's encryption context; KMS is asked only to unwrap a
 * branch key, about once per tenant per `cacheTtlSeconds` — not once per item, as a KMS keyring with a
 * data-key cache would be, since that cache is keyed by the (per-item) encryption context.
 */
export function tenantHierarchicalKeyring(
  keyStore: BranchKeyStoreNode,
  options: { readonly cacheTtlSeconds?: number; readonly maxCachedTenants?: number } = {},
): KeyringNode {
  return new KmsHierarchicalKeyRingNode({
    keyStore,
    branchKeyIdSupplier: {
      getBranchKeyId: (context: Record<string, string>) => {
        const tenant = context.tenant;
        if (tenant === undefined) throw new Error('no tenant in the encryption context');
        return tenant;
      },
    },
    cacheLimitTtl: options.cacheTtlSeconds ?? 300,
    maxCacheSize: options.maxCachedTenants ?? 1000,
  });
}

/** Creates the tenant's branch key (tenant onboarding); a second call for the same tenant fails. */
export async function createTenantBranchKey(keyStore: BranchKeyStoreNode, tenantId: string): Promise<void> {
  await keyStore.createKey({ branchKeyIdentifier: tenantId, encryptionContext: { tenant: tenantId } });
}

export async function tenantBranchKeyExists(
  keyStore: BranchKeyStoreNode,
  tenantId: string,
): Promise<boolean> {
  try {
    await keyStore.getActiveBranchKey(tenantId);
    return true;
  } catch {
    return false;
  }
}

const networkErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** An AWS SDK answer (it carries `$metadata`) or a connection failure, anywhere in the error's cause chain. */
export function isServiceOrNetworkError(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth += 1) {
    const candidate = current as { $metadata?: unknown; code?: unknown; name?: unknown; cause?: unknown };
    if (candidate.$metadata !== undefined) return true;
    if (typeof candidate.code === 'string' && networkErrorCodes.has(candidate.code)) return true;
    if (candidate.name === 'TimeoutError') return true;
    current = candidate.cause;
  }
  return false;
}

function toContext(context: SealingContext): Record<string, string> {
  return {
    tenant: context.tenantId,
    entity: context.entityType,
    id: context.entityId,
    digest: context.digest,
  };
}

export class EncryptionSdkSealer implements Sealer {
  /**
   * @param keyStore where the keyring gets its branch keys. The hierarchical keyring rethrows a failed branch-key
   *   fetch as a plain Error without its cause, so an unrecognised decrypt failure is only called tampering once
   *   the tenant's branch key is shown to be reachable.
   */
  constructor(
    private readonly keyring: KeyringNode,
    private readonly keyStore?: BranchKeyStoreNode,
  ) {}

  async seal(plaintext: Uint8Array, context: SealingContext): Promise<Uint8Array> {
    const { result } = await encrypt(this.keyring, plaintext, {
      encryptionContext: toContext(context),
      suiteId,
    });
    return result;
  }

  async open(ciphertext: Uint8Array, expected: SealingContext): Promise<Uint8Array> {
    let opened: Awaited<ReturnType<typeof decrypt>>;
    try {
      opened = await decrypt(this.keyring, ciphertext);
    } catch (error) {
      // KMS or the key store out of reach is an outage (500, retry), not tampering: no integrity alarm for it.
      if (isServiceOrNetworkError(error)) throw error;
      if (this.keyStore !== undefined && !(await tenantBranchKeyExists(this.keyStore, expected.tenantId))) {
        throw new KeysUnavailableError('the tenant branch key could not be fetched', { cause: error });
      }
      throw new IntegrityError('sealed attribute could not be decrypted', { cause: error });
    }
    // The SDK authenticates the context but does not compare it with what we expect: we must.
    const actual = opened.messageHeader.encryptionContext;
    const wanted = toContext(expected);
    const keys = new Set([...Object.keys(actual), ...Object.keys(wanted)]);
    for (const key of keys) {
      if (actual[key] !== wanted[key]) {
        throw new IntegrityError(`encryption context mismatch on "${key}"`);
      }
    }
    if (opened.messageHeader.suiteId !== suiteId) {
      throw new IntegrityError('sealed attribute uses an unexpected algorithm suite');
    }
    return opened.plaintext;
  }
}
