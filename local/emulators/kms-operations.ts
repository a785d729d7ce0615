// local: KMS emulator's operations — one handler per operation over the key store, with KMS's error names
import { randomBytes } from 'node:crypto';
import {
  type HmacKeySpec,
  hmacKeySpecs,
  isHmacKeySpec,
  KmsError,
  type KmsKeyStore,
  keyIdOfCiphertextBlob,
  localAccountId,
  type StoredKey,
  signingAlgorithm,
  signingKeySpec,
  symmetricKeySpec,
} from './kms-keystore';
import { type Input, type OperationName, parseRequest } from './kms-requests';

function epochSeconds(epochMs: number): number {
  return epochMs / 1000;
}

function throwIfDryRun(dryRun: boolean | undefined): void {
  if (dryRun === true) {
    throw new KmsError(
      'DryRunOperationException',
      'The request would have succeeded, but the DryRun flag is set.',
    );
  }
}

/** The KMS operations over one key store; each takes the parsed JSON body and returns the JSON answer. */
export class KmsOperations {
  constructor(
    private readonly store: KmsKeyStore,
    private readonly region: string,
  ) {}

  handle(operation: OperationName, body: unknown): Record<string, unknown> {
    switch (operation) {
      case 'CreateKey':
        return this.createKey(parseRequest('CreateKey', body));
      case 'DescribeKey': {
        const input = parseRequest('DescribeKey', body);
        return { KeyMetadata: this.keyMetadata(this.resolveKey(input.KeyId, { allowAlias: true })) };
      }
      case 'CreateAlias':
        return this.createAlias(parseRequest('CreateAlias', body));
      case 'Decrypt':
        return this.decrypt(parseRequest('Decrypt', body));
      case 'GenerateDataKeyWithoutPlaintext':
        return this.generateDataKeyWithoutPlaintext(parseRequest('GenerateDataKeyWithoutPlaintext', body));
      case 'ReEncrypt':
        return this.reEncrypt(parseRequest('ReEncrypt', body));
      case 'GenerateMac':
        return this.generateMac(parseRequest('GenerateMac', body));
      case 'Sign':
        return this.sign(parseRequest('Sign', body));
      case 'Verify':
        return this.verify(parseRequest('Verify', body));
      case 'GetPublicKey':
        return this.getPublicKey(parseRequest('GetPublicKey', body));
    }
  }

  private keyArn(keyId: string): string {
    return `arn:aws:kms:${this.region}:${localAccountId}:key/${keyId}`;
  }

  private aliasArn(aliasName: string): string {
    return `arn:aws:kms:${this.region}:${localAccountId}:${aliasName}`;
  }

  /**
   * Finds the key a KeyId names: key id, key ARN, and — where KMS allows them — alias name or alias ARN.
   * ARNs of another region or account are unknown here, as they would be to real KMS in this region.
   */
  private resolveKey(keyIdentifier: string, options: { allowAlias: boolean }): StoredKey {
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

  private requireUsage(key: StoredKey, usage: StoredKey['keyUsage'], operation: OperationName): void {
    if (key.keyUsage !== usage) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `${this.keyArn(key.keyId)} key usage is ${key.keyUsage} which is not valid for ${operation}.`,
      );
    }
  }

  private usableKey(
    keyIdentifier: string,
    usage: StoredKey['keyUsage'],
    operation: OperationName,
  ): StoredKey {
    const key = this.resolveKey(keyIdentifier, { allowAlias: true });
    this.requireUsage(key, usage, operation);
    return key;
  }

  private requireSymmetricAlgorithm(algorithm: string | undefined, key: StoredKey): void {
    if (algorithm !== undefined && algorithm !== symmetricKeySpec) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `${this.keyArn(key.keyId)} is a symmetric key; EncryptionAlgorithm ${algorithm} is not valid for it.`,
      );
    }
  }

  private keyMetadata(key: StoredKey): Record<string, unknown> {
    return {
      AWSAccountId: localAccountId,
      KeyId: key.keyId,
      Arn: this.keyArn(key.keyId),
      CreationDate: epochSeconds(key.creationEpochMs),
      Enabled: true,
      Description: key.description,
      KeyUsage: key.keyUsage,
      KeyState: 'Enabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: key.keySpec,
      KeySpec: key.keySpec,
      MultiRegion: false,
      ...(isHmacKeySpec(key.keySpec)
        ? { MacAlgorithms: [hmacKeySpecs[key.keySpec].macAlgorithm] }
        : key.keySpec === signingKeySpec
          ? { SigningAlgorithms: [signingAlgorithm] }
          : { EncryptionAlgorithms: [symmetricKeySpec] }),
    };
  }

  private createKey(input: Input<'CreateKey'>): Record<string, unknown> {
    if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) {
      throw new KmsError('ValidationException', 'Specify KeySpec or CustomerMasterKeySpec, not both.');
    }
    const keySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? symmetricKeySpec;
    if (keySpec !== symmetricKeySpec && keySpec !== signingKeySpec && !isHmacKeySpec(keySpec)) {
      throw new KmsError(
        'UnsupportedOperationException',
        `KeySpec ${keySpec} is not supported by the local KMS emulator (SYMMETRIC_DEFAULT, HMAC_* and ECC_NIST_P256 only).`,
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
    const expectedUsage = isHmacKeySpec(keySpec)
      ? 'GENERATE_VERIFY_MAC'
      : keySpec === signingKeySpec
        ? 'SIGN_VERIFY'
        : 'ENCRYPT_DECRYPT';
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

  private createAlias(input: Input<'CreateAlias'>): Record<string, unknown> {
    if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(input.AliasName)) {
      throw new KmsError(
        'InvalidAliasNameException',
        `Alias name ${input.AliasName} must begin with 'alias/' followed by letters, digits, '/', '_' or '-'.`,
      );
    }
    if (input.AliasName.startsWith('alias/aws/')) {
      throw new KmsError(
        'InvalidAliasNameException',
        'Alias names beginning with alias/aws/ are reserved for AWS.',
      );
    }
    if (input.TargetKeyId.startsWith('alias/') || input.TargetKeyId.includes(':alias/')) {
      throw new KmsError('ValidationException', 'TargetKeyId must be a key id or key ARN, not an alias.');
    }
    const target = this.resolveKey(input.TargetKeyId, { allowAlias: false });
    if (this.store.findAlias(input.AliasName) !== undefined) {
      throw new KmsError(
        'AlreadyExistsException',
        `An alias with the name ${this.aliasArn(input.AliasName)} already exists`,
      );
    }
    this.store.createAlias(input.AliasName, target.keyId);
    return {};
  }

  /** Opens a blob under the key it names; `KeyId`, when given, must name that same key. */
  private open(
    input: Pick<Input<'Decrypt'>, 'CiphertextBlob' | 'KeyId' | 'EncryptionContext' | 'EncryptionAlgorithm'>,
    operation: OperationName,
  ): { key: StoredKey; plaintext: Buffer } {
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
    this.requireUsage(key, 'ENCRYPT_DECRYPT', operation);
    this.requireSymmetricAlgorithm(input.EncryptionAlgorithm, key);
    return { key, plaintext: this.store.decrypt(key, input.CiphertextBlob, input.EncryptionContext) };
  }

  private decrypt(input: Input<'Decrypt'>): Record<string, unknown> {
    const { key, plaintext } = this.open(input, 'Decrypt');
    throwIfDryRun(input.DryRun);
    return {
      KeyId: this.keyArn(key.keyId),
      Plaintext: plaintext.toString('base64'),
      EncryptionAlgorithm: symmetricKeySpec,
    };
  }

  /** Decrypts under the source key and context and encrypts under the destination's, never returning plaintext. */
  private reEncrypt(input: Input<'ReEncrypt'>): Record<string, unknown> {
    const destination = this.usableKey(input.DestinationKeyId, 'ENCRYPT_DECRYPT', 'ReEncrypt');
    this.requireSymmetricAlgorithm(input.DestinationEncryptionAlgorithm, destination);
    const source = this.open(
      {
        CiphertextBlob: input.CiphertextBlob,
        KeyId: input.SourceKeyId,
        EncryptionContext: input.SourceEncryptionContext,
        EncryptionAlgorithm: input.SourceEncryptionAlgorithm,
      },
      'ReEncrypt',
    );
    throwIfDryRun(input.DryRun);
    return {
      CiphertextBlob: this.store
        .encrypt(destination, source.plaintext, input.DestinationEncryptionContext)
        .toString('base64'),
      SourceKeyId: this.keyArn(source.key.keyId),
      KeyId: this.keyArn(destination.keyId),
      SourceEncryptionAlgorithm: symmetricKeySpec,
      DestinationEncryptionAlgorithm: symmetricKeySpec,
    };
  }

  private generateDataKeyWithoutPlaintext(
    input: Input<'GenerateDataKeyWithoutPlaintext'>,
  ): Record<string, unknown> {
    if ((input.KeySpec === undefined) === (input.NumberOfBytes === undefined)) {
      throw new KmsError('ValidationException', 'Specify either KeySpec or NumberOfBytes (but not both).');
    }
    const key = this.usableKey(input.KeyId, 'ENCRYPT_DECRYPT', 'GenerateDataKeyWithoutPlaintext');
    throwIfDryRun(input.DryRun);
    const dataKey = randomBytes(input.NumberOfBytes ?? (input.KeySpec === 'AES_128' ? 16 : 32));
    return {
      CiphertextBlob: this.store.encrypt(key, dataKey, input.EncryptionContext).toString('base64'),
      KeyId: this.keyArn(key.keyId),
    };
  }

  private generateMac(input: Input<'GenerateMac'>): Record<string, unknown> {
    const key = this.usableKey(input.KeyId, 'GENERATE_VERIFY_MAC', 'GenerateMac');
    const keySpec = key.keySpec;
    if (!isHmacKeySpec(keySpec) || hmacKeySpecs[keySpec].macAlgorithm !== input.MacAlgorithm) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `MacAlgorithm ${input.MacAlgorithm} is not valid for ${this.keyArn(key.keyId)} (KeySpec ${keySpec}).`,
      );
    }
    throwIfDryRun(input.DryRun);
    const macKey: StoredKey & { keySpec: HmacKeySpec } = { ...key, keySpec };
    return {
      Mac: this.store.generateMac(macKey, input.Message).toString('base64'),
      MacAlgorithm: input.MacAlgorithm,
      KeyId: this.keyArn(key.keyId),
    };
  }

  /** The signing key a Sign or Verify names, checked as KMS checks it: usage, algorithm, message type. */
  private signingKey(
    input: Pick<Input<'Sign'>, 'KeyId' | 'MessageType' | 'SigningAlgorithm'>,
    operation: 'Sign' | 'Verify',
  ): StoredKey {
    const key = this.usableKey(input.KeyId, 'SIGN_VERIFY', operation);
    if (input.SigningAlgorithm !== signingAlgorithm) {
      throw new KmsError(
        'InvalidKeyUsageException',
        `Algorithm ${input.SigningAlgorithm} is incompatible with key spec ${key.keySpec}.`,
      );
    }
    if (input.MessageType !== undefined && input.MessageType !== 'RAW') {
      // Real KMS signs a precomputed digest too; Node cannot sign a digest without hashing it again.
      throw new KmsError(
        'UnsupportedOperationException',
        `MessageType ${input.MessageType} is not supported by the local KMS emulator (RAW only).`,
      );
    }
    return key;
  }

  private sign(input: Input<'Sign'>): Record<string, unknown> {
    const key = this.signingKey(input, 'Sign');
    throwIfDryRun(input.DryRun);
    return {
      KeyId: this.keyArn(key.keyId),
      Signature: this.store.sign(key, input.Message).toString('base64'),
      SigningAlgorithm: signingAlgorithm,
    };
  }

  private verify(input: Input<'Verify'>): Record<string, unknown> {
    const key = this.signingKey(input, 'Verify');
    throwIfDryRun(input.DryRun);
    if (!this.store.verify(key, input.Message, input.Signature)) {
      // KMS answers an invalid signature with this error, not with SignatureValid: false.
      throw new KmsError('KMSInvalidSignatureException', 'The signature is not valid for this message.');
    }
    return { KeyId: this.keyArn(key.keyId), SignatureValid: true, SigningAlgorithm: signingAlgorithm };
  }

  private getPublicKey(input: Input<'GetPublicKey'>): Record<string, unknown> {
    const key = this.resolveKey(input.KeyId, { allowAlias: true });
    if (key.keyUsage !== 'SIGN_VERIFY') {
      throw new KmsError(
        'UnsupportedOperationException',
        `${this.keyArn(key.keyId)} is a ${key.keySpec} key; GetPublicKey needs an asymmetric key.`,
      );
    }
    return {
      KeyId: this.keyArn(key.keyId),
      PublicKey: this.store.publicKeyOf(key).toString('base64'),
      KeySpec: key.keySpec,
      CustomerMasterKeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
      SigningAlgorithms: [signingAlgorithm],
    };
  }
}
