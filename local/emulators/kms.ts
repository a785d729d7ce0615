// local: KMS emulator speaking the KMS JSON 1.1 protocol (no KMS emulator exists on the registries)
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { z } from 'zod';
import type { RunningEmulator } from './emulator';
import {
  closeHttpServer,
  emulatorClientConfig,
  listenOnLoopback,
  localAwsIdentity,
  waitUntilAnswering,
} from './emulator';
import {
  type HmacKeySpec,
  hmacKeySpecs,
  isHmacKeySpec,
  KmsError,
  type KmsErrorName,
  KmsKeyStore,
  keyIdOfCiphertextBlob,
  localAccountId,
  type StoredAlias,
  type StoredKey,
  symmetricKeySpec,
} from './kms-keystore';

export { KmsError, type KmsErrorName } from './kms-keystore';

export interface KmsOptions {
  /** 0 picks a free port. */
  port: number;
  /** Root key (mode 0600) and keys.json live here, so ciphertexts survive restarts; undefined = in memory. */
  dataDir?: string;
  /** Region written into key and alias ARNs. @default 'eu-central-1' */
  region?: string;
  /** @default 10000 */
  readyTimeoutMs?: number;
}

export interface RunningKms extends RunningEmulator {
  /** Calls received per operation since start or the last reset, e.g. `{ GenerateDataKey: 3, Decrypt: 7 }`. */
  stats(): Record<string, number>;
  resetStats(): void;
}

/*
 * What this emulator is and is not:
 * - Operations: CreateKey (SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT and HMAC_224/256/384/512 /
 *   GENERATE_VERIFY_MAC), DescribeKey, CreateAlias, ListAliases, Encrypt, Decrypt, GenerateDataKey,
 *   GenerateDataKeyWithoutPlaintext, ReEncrypt, GenerateMac, VerifyMac, EnableKeyRotation, GetKeyRotationStatus,
 *   ScheduleKeyDeletion. Anything else answers UnknownOperationException.
 * - SigV4 is not verified; an Authorization header must merely be present, as every SDK request has one.
 *   Key policies, grants and grant tokens are ignored: IAM is asserted on the CDK template instead.
 * - Rotation is bookkeeping only (the key material never changes), and ScheduleKeyDeletion only marks the
 *   key PendingDeletion (every use then fails with KMSInvalidStateException); nothing is ever deleted.
 * - Test hooks outside the KMS protocol: GET /_stats and POST /_stats/reset.
 */

const operationNames = [
  'CreateKey',
  'DescribeKey',
  'CreateAlias',
  'ListAliases',
  'Encrypt',
  'Decrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncrypt',
  'GenerateMac',
  'VerifyMac',
  'EnableKeyRotation',
  'GetKeyRotationStatus',
  'ScheduleKeyDeletion',
] as const;
type OperationName = (typeof operationNames)[number];

function isOperationName(name: string): name is OperationName {
  return (operationNames as readonly string[]).includes(name);
}

const maximumRequestBytes = 1024 * 1024;
const secondsPerDay = 86_400;

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
const macAlgorithmField = z.enum(['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512']);
const grantTokensField = z.array(z.string()).optional();
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
  ListAliases: z.object({
    KeyId: keyIdField.optional(),
    Limit: z.number().int().min(1).max(100).optional(),
    Marker: z.string().min(1).optional(),
  }),
  Encrypt: z.object({
    KeyId: keyIdField,
    Plaintext: base64Blob(1, 4096),
    EncryptionContext: encryptionContextField,
    EncryptionAlgorithm: encryptionAlgorithmField,
    GrantTokens: grantTokensField,
    DryRun: dryRunField,
  }),
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
  GenerateDataKey: z.object({
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
    MacAlgorithm: macAlgorithmField,
    GrantTokens: grantTokensField,
    DryRun: dryRunField,
  }),
  VerifyMac: z.object({
    KeyId: keyIdField,
    Message: base64Blob(1, 4096),
    Mac: base64Blob(1, 6144),
    MacAlgorithm: macAlgorithmField,
    GrantTokens: grantTokensField,
    DryRun: dryRunField,
  }),
  EnableKeyRotation: z.object({
    KeyId: keyIdField,
    RotationPeriodInDays: z.number().int().min(90).max(2560).optional(),
  }),
  GetKeyRotationStatus: z.object({ KeyId: keyIdField }),
  ScheduleKeyDeletion: z.object({
    KeyId: keyIdField,
    PendingWindowInDays: z.number().int().min(7).max(30).optional(),
  }),
} as const;

function parseInput<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `'${issue.path.join('.') || 'request'}': ${issue.message}`,
    );
    throw new KmsError(
      'ValidationException',
      `${problems.length} validation error(s) detected: ${problems.join('; ')}`,
    );
  }
  return result.data;
}

function epochSeconds(epochMs: number): number {
  return epochMs / 1000;
}

/** The KMS operations over one key store; each takes the parsed JSON body and returns the JSON answer. */
class KmsOperations {
  constructor(
    private readonly store: KmsKeyStore,
    private readonly region: string,
  ) {}

  keyArn(keyId: string): string {
    return `arn:aws:kms:${this.region}:${localAccountId}:key/${keyId}`;
  }

  aliasArn(aliasName: string): string {
    return `arn:aws:kms:${this.region}:${localAccountId}:${aliasName}`;
  }

  handle(operation: OperationName, body: unknown): Record<string, unknown> {
    switch (operation) {
      case 'CreateKey':
        return this.createKey(parseInput(inputSchemas.CreateKey, body));
      case 'DescribeKey': {
        const input = parseInput(inputSchemas.DescribeKey, body);
        return { KeyMetadata: this.keyMetadata(this.resolveKey(input.KeyId, { allowAlias: true })) };
      }
      case 'CreateAlias':
        return this.createAlias(parseInput(inputSchemas.CreateAlias, body));
      case 'ListAliases':
        return this.listAliases(parseInput(inputSchemas.ListAliases, body));
      case 'Encrypt':
        return this.encrypt(parseInput(inputSchemas.Encrypt, body));
      case 'Decrypt':
        return this.decrypt(parseInput(inputSchemas.Decrypt, body));
      case 'GenerateDataKey':
        return this.generateDataKey(parseInput(inputSchemas.GenerateDataKey, body), { withPlaintext: true });
      case 'GenerateDataKeyWithoutPlaintext':
        return this.generateDataKey(parseInput(inputSchemas.GenerateDataKey, body), { withPlaintext: false });
      case 'ReEncrypt':
        return this.reEncrypt(parseInput(inputSchemas.ReEncrypt, body));
      case 'GenerateMac':
        return this.generateMac(parseInput(inputSchemas.GenerateMac, body));
      case 'VerifyMac':
        return this.verifyMac(parseInput(inputSchemas.VerifyMac, body));
      case 'EnableKeyRotation':
        return this.enableKeyRotation(parseInput(inputSchemas.EnableKeyRotation, body));
      case 'GetKeyRotationStatus':
        return this.getKeyRotationStatus(parseInput(inputSchemas.GetKeyRotationStatus, body));
      case 'ScheduleKeyDeletion':
        return this.scheduleKeyDeletion(parseInput(inputSchemas.ScheduleKeyDeletion, body));
    }
  }

  /**
   * Finds the key a KeyId names: key id, key ARN, and — where KMS allows them — alias name or alias ARN.
   * ARNs of another region or account are unknown here, as they would be to real KMS in this region.
   */
  resolveKey(keyIdentifier: string, options: { allowAlias: boolean }): StoredKey {
    let resource = keyIdentifier;
    if (keyIdentifier.startsWith('arn:')) {
      const arnPrefix = `arn:aws:kms:${this.region}:${localAccountId}:`;
      resource = keyIdentifier.slice(arnPrefix.length);
      if (!keyIdentifier.startsWith(arnPrefix) || !/^(key|alias)\//.test(resource)) {
        throw new KmsError(
          'NotFoundException',
          `Invalid arn ${keyIdentifier}: not a key or alias in ${this.region}`,
        );
      }
      if (resource.startsWith('key/')) {
        resource = resource.slice('key/'.length);
      }
    }
    if (!resource.startsWith('alias/')) {
      return this.existingKey(resource);
    }
    if (!options.allowAlias) {
      throw new KmsError('NotFoundException', `Invalid keyId ${keyIdentifier}: use a key id or key ARN here`);
    }
    const alias = this.store.findAlias(resource);
    if (alias === undefined) {
      throw new KmsError('NotFoundException', `Alias ${this.aliasArn(resource)} is not found.`);
    }
    return this.existingKey(alias.targetKeyId);
  }

  private existingKey(keyId: string): StoredKey {
    const key = this.store.findKey(keyId);
    if (key === undefined) {
      throw new KmsError('NotFoundException', `Key '${this.keyArn(keyId)}' does not exist`);
    }
    return key;
  }

  /** Keys pending deletion cannot be used, exactly as in KMS. */
  private usableKey(
    keyIdentifier: string,
    usage: StoredKey['keyUsage'],
    operation: OperationName,
  ): StoredKey {
    const key = this.resolveKey(keyIdentifier, { allowAlias: true });
    this.requireEnabled(key);
    if (key.keyUsage !== usage) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `${this.keyArn(key.keyId)} key usage is ${key.keyUsage} which is not valid for ${operation}.`,
      );
    }
    return key;
  }

  private requireEnabled(key: StoredKey): void {
    if (key.deletionEpochMs !== undefined) {
      throw new KmsError('KMSInvalidStateException', `${this.keyArn(key.keyId)} is pending deletion.`);
    }
  }

  private keyMetadata(key: StoredKey): Record<string, unknown> {
    const pendingDeletion = key.deletionEpochMs !== undefined;
    return {
      AWSAccountId: localAccountId,
      KeyId: key.keyId,
      Arn: this.keyArn(key.keyId),
      CreationDate: epochSeconds(key.creationEpochMs),
      Enabled: !pendingDeletion,
      Description: key.description,
      KeyUsage: key.keyUsage,
      KeyState: pendingDeletion ? 'PendingDeletion' : 'Enabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: key.keySpec,
      KeySpec: key.keySpec,
      MultiRegion: false,
      ...(isHmacKeySpec(key.keySpec)
        ? { MacAlgorithms: [hmacKeySpecs[key.keySpec].macAlgorithm] }
        : { EncryptionAlgorithms: [symmetricKeySpec] }),
      ...(pendingDeletion
        ? {
            DeletionDate: epochSeconds(key.deletionEpochMs ?? 0),
            PendingDeletionWindowInDays: key.pendingWindowInDays,
          }
        : {}),
    };
  }

  private createKey(input: z.output<typeof inputSchemas.CreateKey>): Record<string, unknown> {
    if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) {
      throw new KmsError('ValidationException', 'Specify KeySpec or CustomerMasterKeySpec, not both.');
    }
    const keySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? symmetricKeySpec;
    if (keySpec !== symmetricKeySpec && !isHmacKeySpec(keySpec)) {
      throw new KmsError(
        'UnsupportedOperationException',
        `KeySpec ${keySpec} is not supported by the local KMS emulator (SYMMETRIC_DEFAULT and HMAC_* only).`,
      );
    }
    if (input.Origin !== undefined && input.Origin !== 'AWS_KMS') {
      throw new KmsError(
        'UnsupportedOperationException',
        `Origin ${input.Origin} is not supported by the local KMS emulator.`,
      );
    }
    if (input.MultiRegion === true) {
      throw new KmsError(
        'UnsupportedOperationException',
        'Multi-Region keys are not supported by the local KMS emulator.',
      );
    }
    const keyUsage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
    const expectedUsage = isHmacKeySpec(keySpec) ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT';
    if (keyUsage !== expectedUsage) {
      throw new KmsError(
        'ValidationException',
        `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}; use ${expectedUsage}.`,
      );
    }
    const key = this.store.createKey({
      keySpec,
      keyUsage: expectedUsage,
      description: input.Description ?? '',
    });
    return { KeyMetadata: this.keyMetadata(key) };
  }

  private createAlias(input: z.output<typeof inputSchemas.CreateAlias>): Record<string, unknown> {
    if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(input.AliasName)) {
      throw new KmsError(
        'InvalidAliasNameException',
        `Alias name ${input.AliasName} must begin with 'alias/' followed by letters, digits, '/', '_' or '-'.`,
      );
    }
    if (input.AliasName.startsWith('alias/aws/')) {
      throw new KmsError(
        'InvalidAliasNameException',
        `Alias names beginning with alias/aws/ are reserved for AWS.`,
      );
    }
    if (input.TargetKeyId.startsWith('alias/') || input.TargetKeyId.includes(':alias/')) {
      throw new KmsError('ValidationException', 'TargetKeyId must be a key id or key ARN, not an alias.');
    }
    const target = this.resolveKey(input.TargetKeyId, { allowAlias: false });
    this.requireEnabled(target);
    if (this.store.findAlias(input.AliasName) !== undefined) {
      throw new KmsError(
        'AlreadyExistsException',
        `An alias with the name ${this.aliasArn(input.AliasName)} already exists`,
      );
    }
    this.store.createAlias(input.AliasName, target.keyId);
    return {};
  }

  private listAliases(input: z.output<typeof inputSchemas.ListAliases>): Record<string, unknown> {
    const targetKeyId =
      input.KeyId === undefined ? undefined : this.resolveKey(input.KeyId, { allowAlias: false }).keyId;
    const matching = this.store
      .listAliases()
      .filter((alias) => targetKeyId === undefined || alias.targetKeyId === targetKeyId);
    // The marker is the last alias name of the previous page; names are unique and listed sorted.
    let startIndex = 0;
    if (input.Marker !== undefined) {
      const markerIndex = matching.findIndex((alias) => alias.aliasName === input.Marker);
      if (markerIndex === -1) {
        throw new KmsError(
          'InvalidMarkerException',
          'The marker does not come from a previous ListAliases answer.',
        );
      }
      startIndex = markerIndex + 1;
    }
    const limit = input.Limit ?? 50;
    const page = matching.slice(startIndex, startIndex + limit);
    const truncated = startIndex + limit < matching.length;
    const lastOnPage = page.at(-1);
    return {
      Aliases: page.map((alias: StoredAlias) => ({
        AliasName: alias.aliasName,
        AliasArn: this.aliasArn(alias.aliasName),
        TargetKeyId: alias.targetKeyId,
        CreationDate: epochSeconds(alias.creationEpochMs),
        LastUpdatedDate: epochSeconds(alias.lastUpdatedEpochMs),
      })),
      Truncated: truncated,
      ...(truncated && lastOnPage !== undefined ? { NextMarker: lastOnPage.aliasName } : {}),
    };
  }

  private requireSymmetricAlgorithm(algorithm: string | undefined, key: StoredKey): void {
    if (algorithm !== undefined && algorithm !== symmetricKeySpec) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `${this.keyArn(key.keyId)} is a symmetric key; EncryptionAlgorithm ${algorithm} is not valid for it.`,
      );
    }
  }

  private throwIfDryRun(dryRun: boolean | undefined): void {
    if (dryRun === true) {
      throw new KmsError(
        'DryRunOperationException',
        'The request would have succeeded, but the DryRun flag is set.',
      );
    }
  }

  private encrypt(input: z.output<typeof inputSchemas.Encrypt>): Record<string, unknown> {
    const key = this.usableKey(input.KeyId, 'ENCRYPT_DECRYPT', 'Encrypt');
    this.requireSymmetricAlgorithm(input.EncryptionAlgorithm, key);
    this.throwIfDryRun(input.DryRun);
    return {
      CiphertextBlob: this.store.encrypt(key, input.Plaintext, input.EncryptionContext).toString('base64'),
      KeyId: this.keyArn(key.keyId),
      EncryptionAlgorithm: symmetricKeySpec,
    };
  }

  private decrypt(input: z.output<typeof inputSchemas.Decrypt>): Record<string, unknown> {
    const blobKeyId = keyIdOfCiphertextBlob(input.CiphertextBlob);
    if (input.KeyId !== undefined) {
      const requestedKey = this.resolveKey(input.KeyId, { allowAlias: true });
      if (requestedKey.keyId !== blobKeyId) {
        throw new KmsError(
          'IncorrectKeyException',
          `The key ID in the request (${this.keyArn(requestedKey.keyId)}) does not identify the KMS key used to encrypt the ciphertext.`,
        );
      }
    }
    const key = this.store.findKey(blobKeyId);
    if (key === undefined) {
      // Only a blob from another emulator data dir (or a deleted keys.json) can name a key we do not have.
      throw new KmsError(
        'InvalidCiphertextException',
        'The ciphertext refers to a key this KMS emulator does not have.',
      );
    }
    this.requireEnabled(key);
    if (key.keyUsage !== 'ENCRYPT_DECRYPT') {
      throw new KmsError(
        'InvalidKeyUsageException',
        `${this.keyArn(key.keyId)} key usage is not valid for Decrypt.`,
      );
    }
    this.requireSymmetricAlgorithm(input.EncryptionAlgorithm, key);
    const plaintext = this.store.decrypt(key, input.CiphertextBlob, input.EncryptionContext);
    this.throwIfDryRun(input.DryRun);
    return {
      KeyId: this.keyArn(key.keyId),
      Plaintext: plaintext.toString('base64'),
      EncryptionAlgorithm: symmetricKeySpec,
    };
  }

  /** Decrypts under the source key and context and encrypts under the destination's, never returning plaintext. */
  private reEncrypt(input: z.output<typeof inputSchemas.ReEncrypt>): Record<string, unknown> {
    const destination = this.usableKey(input.DestinationKeyId, 'ENCRYPT_DECRYPT', 'ReEncrypt');
    this.requireSymmetricAlgorithm(input.DestinationEncryptionAlgorithm, destination);
    const source = this.decrypt({
      CiphertextBlob: input.CiphertextBlob,
      KeyId: input.SourceKeyId,
      EncryptionContext: input.SourceEncryptionContext,
      EncryptionAlgorithm: input.SourceEncryptionAlgorithm,
      GrantTokens: input.GrantTokens,
      DryRun: input.DryRun,
    });
    const plaintext = Buffer.from(String(source.Plaintext), 'base64');
    return {
      CiphertextBlob: this.store
        .encrypt(destination, plaintext, input.DestinationEncryptionContext)
        .toString('base64'),
      SourceKeyId: source.KeyId,
      KeyId: this.keyArn(destination.keyId),
      SourceEncryptionAlgorithm: symmetricKeySpec,
      DestinationEncryptionAlgorithm: symmetricKeySpec,
    };
  }

  private generateDataKey(
    input: z.output<typeof inputSchemas.GenerateDataKey>,
    options: { withPlaintext: boolean },
  ): Record<string, unknown> {
    const operation = options.withPlaintext ? 'GenerateDataKey' : 'GenerateDataKeyWithoutPlaintext';
    if ((input.KeySpec === undefined) === (input.NumberOfBytes === undefined)) {
      throw new KmsError('ValidationException', 'Specify either KeySpec or NumberOfBytes (but not both).');
    }
    const key = this.usableKey(input.KeyId, 'ENCRYPT_DECRYPT', operation);
    this.throwIfDryRun(input.DryRun);
    const dataKeyBytes = input.NumberOfBytes ?? (input.KeySpec === 'AES_128' ? 16 : 32);
    const plaintext = randomBytes(dataKeyBytes);
    return {
      CiphertextBlob: this.store.encrypt(key, plaintext, input.EncryptionContext).toString('base64'),
      KeyId: this.keyArn(key.keyId),
      ...(options.withPlaintext ? { Plaintext: plaintext.toString('base64') } : {}),
    };
  }

  private macKey(
    keyIdentifier: string,
    macAlgorithm: string,
    operation: OperationName,
  ): StoredKey & { keySpec: HmacKeySpec } {
    const key = this.usableKey(keyIdentifier, 'GENERATE_VERIFY_MAC', operation);
    const keySpec = key.keySpec;
    if (!isHmacKeySpec(keySpec) || hmacKeySpecs[keySpec].macAlgorithm !== macAlgorithm) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `MacAlgorithm ${macAlgorithm} is not valid for ${this.keyArn(key.keyId)} (KeySpec ${keySpec}).`,
      );
    }
    return { ...key, keySpec };
  }

  private generateMac(input: z.output<typeof inputSchemas.GenerateMac>): Record<string, unknown> {
    const key = this.macKey(input.KeyId, input.MacAlgorithm, 'GenerateMac');
    this.throwIfDryRun(input.DryRun);
    return {
      Mac: this.store.generateMac(key, input.Message).toString('base64'),
      MacAlgorithm: input.MacAlgorithm,
      KeyId: this.keyArn(key.keyId),
    };
  }

  private verifyMac(input: z.output<typeof inputSchemas.VerifyMac>): Record<string, unknown> {
    const key = this.macKey(input.KeyId, input.MacAlgorithm, 'VerifyMac');
    if (!this.store.verifyMac(key, input.Message, input.Mac)) {
      // Real KMS never answers MacValid: false; a mismatch is this error.
      throw new KmsError(
        'KMSInvalidMacException',
        'The MAC does not match the message under this key and algorithm.',
      );
    }
    this.throwIfDryRun(input.DryRun);
    return { KeyId: this.keyArn(key.keyId), MacValid: true, MacAlgorithm: input.MacAlgorithm };
  }

  private rotatableKey(keyIdentifier: string): StoredKey {
    const key = this.resolveKey(keyIdentifier, { allowAlias: false });
    this.requireEnabled(key);
    if (key.keySpec !== symmetricKeySpec) {
      throw new KmsError(
        'UnsupportedOperationException',
        `${this.keyArn(key.keyId)}: automatic rotation is supported only for symmetric encryption keys.`,
      );
    }
    return key;
  }

  private enableKeyRotation(input: z.output<typeof inputSchemas.EnableKeyRotation>): Record<string, unknown> {
    const key = this.rotatableKey(input.KeyId);
    this.store.updateKey(key.keyId, {
      rotationEnabled: true,
      rotationPeriodInDays: input.RotationPeriodInDays ?? 365,
    });
    return {};
  }

  private getKeyRotationStatus(
    input: z.output<typeof inputSchemas.GetKeyRotationStatus>,
  ): Record<string, unknown> {
    const key = this.rotatableKey(input.KeyId);
    return {
      KeyId: this.keyArn(key.keyId),
      KeyRotationEnabled: key.rotationEnabled,
      ...(key.rotationEnabled
        ? {
            RotationPeriodInDays: key.rotationPeriodInDays,
            NextRotationDate: epochSeconds(key.creationEpochMs) + key.rotationPeriodInDays * secondsPerDay,
          }
        : {}),
    };
  }

  private scheduleKeyDeletion(
    input: z.output<typeof inputSchemas.ScheduleKeyDeletion>,
  ): Record<string, unknown> {
    const key = this.resolveKey(input.KeyId, { allowAlias: false });
    this.requireEnabled(key);
    const pendingWindowInDays = input.PendingWindowInDays ?? 30;
    const deletionEpochMs = Date.now() + pendingWindowInDays * secondsPerDay * 1000;
    this.store.updateKey(key.keyId, { deletionEpochMs, pendingWindowInDays });
    return {
      KeyId: this.keyArn(key.keyId),
      DeletionDate: epochSeconds(deletionEpochMs),
      KeyState: 'PendingDeletion',
      PendingWindowInDays: pendingWindowInDays,
    };
  }
}

class RequestTooLargeError extends Error {
  override readonly name = 'RequestTooLargeError';
}

async function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  let totalBytes = 0;
  for await (const part of request) {
    const bytes = Buffer.isBuffer(part) ? part : Buffer.from(part);
    totalBytes += bytes.length;
    if (totalBytes > maximumRequestBytes) {
      throw new RequestTooLargeError(`request body exceeds ${maximumRequestBytes} bytes`);
    }
    parts.push(bytes);
  }
  return Buffer.concat(parts);
}

function sendJson(
  response: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  response.writeHead(statusCode, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(payload);
}

function sendKmsError(
  response: ServerResponse,
  statusCode: number,
  errorName: KmsErrorName,
  message: string,
): void {
  // The SDK reads the error name from __type (or the x-amzn-errortype header) and the text from message.
  sendJson(response, statusCode, { __type: errorName, message }, { 'x-amzn-errortype': errorName });
}

/** Builds the emulator's request listener; exported for embedding it in another server. */
export function createKmsRequestListener(options: { dataDir?: string; region?: string }): {
  listener: (request: IncomingMessage, response: ServerResponse) => void;
  stats: Map<string, number>;
} {
  const operations = new KmsOperations(
    new KmsKeyStore({ dataDir: options.dataDir }),
    options.region ?? localAwsIdentity.region,
  );
  const stats = new Map<string, number>();

  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://kms.local').pathname;
    if (path === '/_stats' && request.method === 'GET') {
      sendJson(response, 200, Object.fromEntries(stats));
      return;
    }
    if (path === '/_stats/reset' && request.method === 'POST') {
      stats.clear();
      sendJson(response, 200, {});
      return;
    }
    if (path !== '/' || request.method !== 'POST') {
      sendKmsError(response, 404, 'UnknownOperationException', `No route for ${request.method} ${path}`);
      return;
    }

    const body = await readRequestBody(request);
    const target = request.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith('TrentService.') ? target.slice(13) : '';
    if (!isOperationName(operation)) {
      sendKmsError(
        response,
        400,
        'UnknownOperationException',
        `Operation '${String(target)}' is not supported here.`,
      );
      return;
    }
    stats.set(operation, (stats.get(operation) ?? 0) + 1);
    if (request.headers.authorization === undefined) {
      sendKmsError(response, 400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      return;
    }
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      sendKmsError(response, 400, 'SerializationException', 'The request body is not valid JSON.');
      return;
    }
    sendJson(response, 200, operations.handle(operation, input));
  };

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    serve(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
      } else if (error instanceof KmsError) {
        sendKmsError(response, 400, error.errorName, error.message);
      } else if (error instanceof RequestTooLargeError) {
        sendKmsError(response, 413, 'ValidationException', error.message);
      } else {
        // Shown in full: this is a local development tool, and the cause is what its user needs.
        sendKmsError(response, 500, 'KMSInternalException', `KMS emulator failure: ${String(error)}`);
      }
    });
  };
  return { listener, stats };
}

export async function startKms(options: KmsOptions): Promise<RunningKms> {
  const { listener, stats } = createKmsRequestListener({ dataDir: options.dataDir, region: options.region });
  const server = createServer(listener);
  const port = await listenOnLoopback(server, options.port, 'KMS emulator');
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = (): Promise<void> => closeHttpServer(server);

  const client = new KMSClient(emulatorClientConfig(endpoint));
  try {
    await waitUntilAnswering({
      emulatorName: 'KMS emulator',
      endpoint,
      timeoutMs: options.readyTimeoutMs ?? 10_000,
      probe: () => client.send(new ListAliasesCommand({ Limit: 1 })),
      describeLog: () => 'in this process (errors are returned to the caller as KMS error bodies)',
    });
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  // The readiness probe is not the application's traffic.
  stats.clear();
  return {
    endpoint,
    stop,
    stats: () => Object.fromEntries(stats),
    resetStats: () => stats.clear(),
  };
}
