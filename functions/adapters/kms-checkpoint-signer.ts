// adapter: KMS asymmetric key → CheckpointSigner and CheckpointVerifier. The private key never leaves KMS (Sign,
// ECDSA_SHA_256 on an ECC_NIST_P256 key); signatures are checked against the public key, fetched once per
// instance with GetPublicKey, so a verification of many checkpoints costs one KMS call.
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  GetPublicKeyCommand,
  type KMSClient,
  MessageType,
  SignCommand,
  SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { checkpointMessage, type SignedCheckpoint } from '../domain/audit-chain';
import type { CheckpointSignature, CheckpointSigner, CheckpointVerifier } from '../ports/checkpoint-signer';

const algorithm = SigningAlgorithmSpec.ECDSA_SHA_256;

export class KmsCheckpointSigner implements CheckpointSigner {
  constructor(private readonly options: { readonly keyArn: string; readonly kms: KMSClient }) {}

  async sign(message: Uint8Array): Promise<CheckpointSignature> {
    const { Signature: signature, KeyId: keyId } = await this.options.kms.send(
      new SignCommand({
        KeyId: this.options.keyArn,
        Message: message,
        MessageType: MessageType.RAW,
        SigningAlgorithm: algorithm,
      }),
    );
    if (signature === undefined) throw new Error('KMS returned no signature');
    return {
      signature: Buffer.from(signature).toString('base64'),
      keyId: keyId ?? this.options.keyArn,
      algorithm,
    };
  }
}

export class KmsCheckpointVerifier implements CheckpointVerifier {
  private publicKey: Promise<KeyObject> | undefined;

  constructor(private readonly options: { readonly keyArn: string; readonly kms: KMSClient }) {}

  private key(): Promise<KeyObject> {
    this.publicKey ??= this.options.kms
      .send(new GetPublicKeyCommand({ KeyId: this.options.keyArn }))
      .then(({ PublicKey: der }) => {
        if (der === undefined) throw new Error('KMS returned no public key');
        return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
      });
    // A failed fetch is not cached: the next verification asks KMS again.
    this.publicKey.catch(() => {
      this.publicKey = undefined;
    });
    return this.publicKey;
  }

  async verify(checkpoint: SignedCheckpoint): Promise<boolean> {
    if (checkpoint.algorithm !== algorithm) return false;
    const key = await this.key();
    try {
      return verify(
        'sha256',
        checkpointMessage(checkpoint),
        { key, dsaEncoding: 'der' },
        Buffer.from(checkpoint.signature, 'base64'),
      );
    } catch {
      // Not even a DER signature: as invalid as a wrong one.
      return false;
    }
  }
}
