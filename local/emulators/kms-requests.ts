// local: KMS emulator's requests — which operations it serves and their input shapes, as the SDK serialises them
import { z } from 'zod';
import { KmsError } from './kms-keystore';

/*
 * Only what the application and the local provisioning call (anything else answers UnknownOperationException):
 * - CreateKey, CreateAlias, DescribeKey: local/provision.ts `ensureKey`; DescribeKey also the stack's health check.
 * - GenerateDataKeyWithoutPlaintext, ReEncrypt: the Encryption SDK's BranchKeyStoreNode creating (and versioning)
 *   a tenant's branch key.
 * - Decrypt: BranchKeyStoreNode unwrapping a branch key for the hierarchical keyring.
 * - GenerateMac: the blind index (functions/adapters/kms-blind-indexer.ts).
 * - Sign, Verify, GetPublicKey: the audit chain's signed checkpoints (functions/adapters/kms-checkpoint-signer.ts).
 * Keys are SYMMETRIC_DEFAULT, HMAC_* or ECC_NIST_P256 (SIGN_VERIFY, ECDSA_SHA_256, MessageType RAW).
 * Key policies, grants and grant tokens are ignored: IAM is asserted on the CDK template instead.
 */
export const operationNames = [
  'CreateKey',
  'DescribeKey',
  'CreateAlias',
  'Decrypt',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncrypt',
  'GenerateMac',
  'Sign',
  'Verify',
  'GetPublicKey',
] as const;
export type OperationName = (typeof operationNames)[number];

export function isOperationName(name: string): name is OperationName {
  return (operationNames as readonly string[]).includes(name);
}

// Input shapes, as the SDK serialises them: blobs are base64 strings, maps are JSON objects.
const keyIdField = z.string().min(1).max(2048);
const base64Blob = (minimumBytes: number, maximumBytes: number) =>
  z.base64().transform((text, context) => {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length < minimumBytes || bytes.length > maximumBytes) {
      context.addIssue({
        code: 'custom',
        message: `must decode to ${minimumBytes}..${maximumBytes} bytes, got ${bytes.length}`,
      });
    }
    return bytes;
  });
const encryptionContextField = z.record(z.string(), z.string()).optional();
const encryptionAlgorithmField = z
  .enum(['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'])
  .optional();
const grantTokensField = z.array(z.string()).optional();
const signingAlgorithmField = z.enum([
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'SM2DSA',
  'ML_DSA_SHAKE_256',
]);
const dryRunField = z.boolean().optional();

const inputSchemas = {
  CreateKey: z.object({
    Description: z.string().max(8192).optional(),
    KeyUsage: z.enum(['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT']).optional(),
    KeySpec: z.string().optional(),
    CustomerMasterKeySpec: z.string().optional(),
    Origin: z.string().optional(),
    MultiRegion: z.boolean().optional(),
  }),
  DescribeKey: z.object({ KeyId: keyIdField, GrantTokens: grantTokensField }),
  CreateAlias: z.object({ AliasName: z.string().min(1).max(256), TargetKeyId: keyIdField }),
  Decrypt: z.object({
    CiphertextBlob: base64Blob(1, 6144),
    KeyId: keyIdField.optional(),
    EncryptionContext: encryptionContextField,
    EncryptionAlgorithm: encryptionAlgorithmField,
    GrantTokens: grantTokensField,
    DryRun: dryRunField,
  }),
  ReEncrypt: z.object({
    CiphertextBlob: base64Blob(1, 6144),
    SourceKeyId: keyIdField.optional(),
    SourceEncryptionContext: encryptionContextField,
    SourceEncryptionAlgorithm: encryptionAlgorithmField,
    DestinationKeyId: keyIdField,
    DestinationEncryptionContext: encryptionContextField,
    DestinationEncryptionAlgorithm: encryptionAlgorithmField,
    GrantTokens: grantTokensField,
    DryRun: dryRunField,
  }),
  GenerateDataKeyWithoutPlaintext: z.object({
    KeyId: keyIdField,
    KeySpec: z.enum(['AES_256', 'AES_128']).optional(),
    NumberOfBytes: z.number().int().min(1).max(1024).optional(),
    EncryptionContext: encryptionContextField,
    GrantTokens: grantTokensField,
    DryRun: dryRunField,
  }),
  GenerateMac: z.object({
    KeyId: keyIdField,
    Message: base64Blob(1, 4096),
    MacAlgorithm: z.enum(['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512']),
    GrantTokens: grantTokensField,
    DryRun: dryRunField,
  }),
  Sign: z.object({
    KeyId: keyIdField,
    Message: base64Blob(1, 4096),
    MessageType: z.enum(['RAW', 'DIGEST', 'EXTERNAL_MU']).optional(),
    SigningAlgorithm: signingAlgorithmField,
    GrantTokens: grantTokensField,
    DryRun: dryRunField,
  }),
  Verify: z.object({
    KeyId: keyIdField,
    Message: base64Blob(1, 4096),
    MessageType: z.enum(['RAW', 'DIGEST', 'EXTERNAL_MU']).optional(),
    Signature: base64Blob(1, 6144),
    SigningAlgorithm: signingAlgorithmField,
    GrantTokens: grantTokensField,
    DryRun: dryRunField,
  }),
  GetPublicKey: z.object({ KeyId: keyIdField, GrantTokens: grantTokensField }),
} as const;
export type Input<Operation extends OperationName> = z.output<(typeof inputSchemas)[Operation]>;

/** Validates one operation's JSON body; ValidationException, worded as KMS words it, when it does not fit. */
export function parseRequest<Operation extends OperationName>(
  operation: Operation,
  body: unknown,
): Input<Operation> {
  const result = inputSchemas[operation].safeParse(body);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `'${issue.path.join('.') || 'request'}': ${issue.message}`,
    );
    throw new KmsError(
      'ValidationException',
      `${problems.length} validation error(s) detected: ${problems.join('; ')}`,
    );
  }
  // The schema looked up by a generic key is a union to TypeScript; it is the one for `operation`.
  return result.data as Input<Operation>;
}
