// port: signs the audit chain's checkpoints with a key no table writer holds, and checks those signatures.
import type { SignedCheckpoint } from '../domain/audit-chain';

export interface CheckpointSignature {
  /** DER-encoded signature, base64. */
  readonly signature: string;
  /** The key that signed (its ARN on AWS). */
  readonly keyId: string;
  readonly algorithm: string;
}

export interface CheckpointSigner {
  sign(message: Uint8Array): Promise<CheckpointSignature>;
}

export interface CheckpointVerifier {
  /** True only when the signature over the checkpoint's statement was made by the checkpoint key. */
  verify(checkpoint: SignedCheckpoint): Promise<boolean>;
}
