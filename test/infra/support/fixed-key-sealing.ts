// test support: Encryption SDK messages under one fixed data key, with the sealer's suite and commitment policy —
// no KMS, so a test can seal in one build of the SDK and open in another (a Lambda bundle with its stand-ins).
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import {
  AlgorithmSuiteIdentifier,
  CommitmentPolicy,
  EncryptedDataKey,
  KeyringNode,
  KeyringTraceFlag,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
} from '@aws-crypto/material-management-node';

const options = {
  commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
  maxEncryptedDataKeys: 1,
};
const { encrypt } = buildEncrypt(options);
const { decrypt } = buildDecrypt(options);
const trace = { keyNamespace: 'test', keyName: 'fixed-key' };

/** Hands every message the same data key; never for anything but tests. */
class FixedKeyring extends KeyringNode {
  constructor(private readonly key: Uint8Array) {
    super();
  }

  override async _onEncrypt(material: NodeEncryptionMaterial): Promise<NodeEncryptionMaterial> {
    return material
      .setUnencryptedDataKey(new Uint8Array(this.key), {
        ...trace,
        flags: KeyringTraceFlag.WRAPPING_KEY_GENERATED_DATA_KEY,
      })
      .addEncryptedDataKey(
        new EncryptedDataKey({
          providerId: 'test',
          providerInfo: 'fixed-key',
          encryptedDataKey: new Uint8Array([1]),
        }),
        KeyringTraceFlag.WRAPPING_KEY_ENCRYPTED_DATA_KEY,
      );
  }

  override async _onDecrypt(material: NodeDecryptionMaterial): Promise<NodeDecryptionMaterial> {
    return material.setUnencryptedDataKey(new Uint8Array(this.key), {
      ...trace,
      flags: KeyringTraceFlag.WRAPPING_KEY_DECRYPTED_DATA_KEY,
    });
  }
}

/** Small frames, so a short plaintext spans several and every frame's content length is authenticated. */
const frameLength = 64;

export async function sealWithFixedKey(key: Uint8Array, plaintext: string): Promise<Uint8Array> {
  const { result } = await encrypt(new FixedKeyring(key), plaintext, {
    suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
    encryptionContext: { purpose: 'bundle-test' },
    frameLength,
  });
  return result;
}

export async function openWithFixedKey(key: Uint8Array, message: Uint8Array): Promise<string> {
  const { plaintext } = await decrypt(new FixedKeyring(key), message);
  return plaintext.toString('utf8');
}
