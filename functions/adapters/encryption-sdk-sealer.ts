// adapter: AWS Encryption SDK + KMS keyring → Sealer.
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  getLocalCryptographicMaterialsCache,
  KmsKeyringNode,
  NodeCachingMaterialsManager,
} from '@aws-crypto/client-node';
import type { KMS } from '@aws-sdk/client-kms';
import { IntegrityError } from '../platform/errors';
import type { Sealer, SealingContext } from '../ports/sealer';

// Committing suite without an ECDSA signature: key commitment stops a ciphertext from opening to two
// plaintexts, while signing would cost 3–5 ms per message and buys nothing when writer and reader share
// one KMS key and one trust domain.
const suiteId = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

const { encrypt, decrypt } = buildClient({
  commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
  // We only ever write one data key per message; refusing more bounds the work an attacker can cause.
  maxEncryptedDataKeys: 1,
});

export interface EncryptionSdkSealerOptions {
  readonly keyArn: string;
  readonly kms: KMS;
  /** Data keys are cached per encryption context; bounds keep a leaked key's reach small. */
  readonly cacheCapacity?: number;
  readonly maxAgeMs?: number;
  readonly maxMessagesPerKey?: number;
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
  private readonly materials: NodeCachingMaterialsManager;

  constructor(options: EncryptionSdkSealerOptions) {
    const keyring = new KmsKeyringNode({
      generatorKeyId: options.keyArn,
      clientProvider: () => options.kms,
    });
    this.materials = new NodeCachingMaterialsManager({
      backingMaterials: keyring,
      cache: getLocalCryptographicMaterialsCache(options.cacheCapacity ?? 1000),
      maxAge: options.maxAgeMs ?? 5 * 60 * 1000,
      maxMessagesEncrypted: options.maxMessagesPerKey ?? 1000,
      partition: 'ledgerlock',
    });
  }

  async seal(plaintext: Uint8Array, context: SealingContext): Promise<Uint8Array> {
    const { result } = await encrypt(this.materials, plaintext, {
      encryptionContext: toContext(context),
      suiteId,
    });
    return result;
  }

  async open(ciphertext: Uint8Array, expected: SealingContext): Promise<Uint8Array> {
    let opened: Awaited<ReturnType<typeof decrypt>>;
    try {
      opened = await decrypt(this.materials, ciphertext);
    } catch (error) {
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
