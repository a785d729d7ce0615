// local: KMS emulator's keys, aliases and cryptography — AES-256-GCM and HMAC under secrets derived from one root key
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHmac,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
  randomUUID,
  sign,
  verify,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The account id every emulated ARN carries, as LocalStack and fauxqs do. */
export const localAccountId = '000000000000';

/** Error names and meanings as real KMS uses them, so adapters map emulator and AWS errors the same way. */
export type KmsErrorName =
  | 'AlreadyExistsException'
  | 'DryRunOperationException'
  | 'IncorrectKeyException'
  | 'InvalidAliasNameException'
  | 'InvalidCiphertextException'
  | 'InvalidKeyUsageException'
  | 'KMSInternalException'
  | 'KMSInvalidSignatureException'
  | 'MissingAuthenticationTokenException'
  | 'NotFoundException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'UnsupportedOperationException'
  | 'ValidationException';

export class KmsError extends Error {
  override readonly name = 'KmsError';
  constructor(
    readonly errorName: KmsErrorName,
    message: string,
  ) {
    super(message);
  }
}

export const symmetricKeySpec = 'SYMMETRIC_DEFAULT';
/** HMAC key specs and the one MAC algorithm each allows, with the matching Node digest and key length. */
export const hmacKeySpecs = {
  HMAC_224: { macAlgorithm: 'HMAC_SHA_224', digest: 'sha224', keyBytes: 28 },
  HMAC_256: { macAlgorithm: 'HMAC_SHA_256', digest: 'sha256', keyBytes: 32 },
  HMAC_384: { macAlgorithm: 'HMAC_SHA_384', digest: 'sha384', keyBytes: 48 },
  HMAC_512: { macAlgorithm: 'HMAC_SHA_512', digest: 'sha512', keyBytes: 64 },
} as const;
export type HmacKeySpec = keyof typeof hmacKeySpecs;
/** The one asymmetric key spec emulated: NIST P-256 for ECDSA_SHA_256 signatures (the audit chain's checkpoints). */
export const signingKeySpec = 'ECC_NIST_P256';
export const signingAlgorithm = 'ECDSA_SHA_256';
export type SupportedKeySpec = typeof symmetricKeySpec | HmacKeySpec | typeof signingKeySpec;
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'GENERATE_VERIFY_MAC' | 'SIGN_VERIFY';

export function isHmacKeySpec(keySpec: string): keySpec is HmacKeySpec {
  return Object.hasOwn(hmacKeySpecs, keySpec);
}

const storedKeySchema = z.object({
  keyId: z.uuid(),
  keySpec: z.enum([symmetricKeySpec, 'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512', signingKeySpec]),
  keyUsage: z.enum(['ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'SIGN_VERIFY']),
  description: z.string(),
  creationEpochMs: z.number(),
});
export type StoredKey = z.infer<typeof storedKeySchema>;

const storedAliasSchema = z.object({
  aliasName: z.string(),
  targetKeyId: z.uuid(),
  creationEpochMs: z.number(),
  lastUpdatedEpochMs: z.number(),
});
export type StoredAlias = z.infer<typeof storedAliasSchema>;

/**
 * Fields format 1 once required of every key (rotation bookkeeping, no longer emulated). Still written, so a
 * data dir stays readable by an older checkout of this emulator; reading ignores them.
 */
const formatOneKeyFields = { rotationEnabled: false, rotationPeriodInDays: 365 } as const;

const keyFileSchema = z.object({
  version: z.literal(1),
  keys: z.array(storedKeySchema),
  aliases: z.array(storedAliasSchema),
});

const rootKeyFileName = 'root-key.bin';
const keyFileName = 'keys.json';
const rootKeyBytes = 32;
/** Domain-separates our derivations from any other use of the root key. */
const derivationSalt = Buffer.from('ledgerlock local KMS emulator v1');

/*
 * CiphertextBlob layout (self-describing, so Decrypt needs no KeyId):
 *   [0]      format version (1)
 *   [1..17)  key id, the 16 bytes of its UUID
 *   [17..29) GCM IV, 12 random bytes
 *   [29..45) GCM tag
 *   [45..)   ciphertext
 * The first 17 bytes and the canonical encryption context are the GCM additional authenticated data, so
 * changing the key id in the header, or decrypting with another context, fails authentication.
 */
const blobFormatVersion = 1;
const keyIdBytes = 16;
const ivBytes = 12;
const tagBytes = 16;
const headerBytes = 1 + keyIdBytes;
const blobOverheadBytes = headerBytes + ivBytes + tagBytes;

function uuidToBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Sorted [key, value] pairs: the same context always gives the same bytes, whatever order it was written in. */
export function canonicalEncryptionContext(context: Record<string, string> | undefined): Buffer {
  const sortedPairs = Object.entries(context ?? {}).sort(([left], [right]) =>
    left < right ? -1 : left > right ? 1 : 0,
  );
  return Buffer.from(JSON.stringify(sortedPairs), 'utf8');
}

/** Reads the key id from a blob without decrypting; InvalidCiphertextException when it is not one of ours. */
export function keyIdOfCiphertextBlob(blob: Buffer): string {
  if (blob.length <= blobOverheadBytes || blob[0] !== blobFormatVersion) {
    throw new KmsError(
      'InvalidCiphertextException',
      'The ciphertext is not a blob made by this KMS emulator (wrong length or format version).',
    );
  }
  return bytesToUuid(blob.subarray(1, headerBytes));
}

export interface KmsKeyStoreOptions {
  /** Where the root key and keys.json live; undefined keeps everything in memory for this process only. */
  dataDir?: string;
}

/** Keys, aliases and the root key, persisted as files under dataDir after every change. */
export class KmsKeyStore {
  private readonly rootKey: Buffer;
  private readonly keys = new Map<string, StoredKey>();
  private readonly aliases = new Map<string, StoredAlias>();
  private readonly derivedSecrets = new Map<string, Buffer>();
  private readonly signingKeys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();

  constructor(private readonly options: KmsKeyStoreOptions) {
    if (options.dataDir === undefined) {
      this.rootKey = randomBytes(rootKeyBytes);
      return;
    }
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    this.rootKey = loadOrCreateRootKey(join(options.dataDir, rootKeyFileName));
    const keyFilePath = join(options.dataDir, keyFileName);
    if (existsSync(keyFilePath)) {
      const saved = keyFileSchema.parse(JSON.parse(readFileSync(keyFilePath, 'utf8')));
      for (const key of saved.keys) {
        this.keys.set(key.keyId, key);
      }
      for (const alias of saved.aliases) {
        this.aliases.set(alias.aliasName, alias);
      }
    }
  }

  createKey(input: { keySpec: SupportedKeySpec; keyUsage: KeyUsage; description: string }): StoredKey {
    const key: StoredKey = {
      keyId: randomUUID(),
      keySpec: input.keySpec,
      keyUsage: input.keyUsage,
      description: input.description,
      creationEpochMs: Date.now(),
    };
    this.keys.set(key.keyId, key);
    this.save();
    return key;
  }

  findKey(keyId: string): StoredKey | undefined {
    return this.keys.get(keyId);
  }

  findAlias(aliasName: string): StoredAlias | undefined {
    return this.aliases.get(aliasName);
  }

  createAlias(aliasName: string, targetKeyId: string): void {
    const now = Date.now();
    this.aliases.set(aliasName, { aliasName, targetKeyId, creationEpochMs: now, lastUpdatedEpochMs: now });
    this.save();
  }

  encrypt(key: StoredKey, plaintext: Buffer, encryptionContext: Record<string, string> | undefined): Buffer {
    const header = Buffer.concat([Buffer.of(blobFormatVersion), uuidToBytes(key.keyId)]);
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.secretOf(key), iv);
    cipher.setAAD(Buffer.concat([header, canonicalEncryptionContext(encryptionContext)]));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
  }

  /** Decrypts a blob made under `key`; InvalidCiphertextException when it was tampered with or the context differs. */
  decrypt(key: StoredKey, blob: Buffer, encryptionContext: Record<string, string> | undefined): Buffer {
    const header = blob.subarray(0, headerBytes);
    const iv = blob.subarray(headerBytes, headerBytes + ivBytes);
    const tag = blob.subarray(headerBytes + ivBytes, blobOverheadBytes);
    const ciphertext = blob.subarray(blobOverheadBytes);
    const decipher = createDecipheriv('aes-256-gcm', this.secretOf(key), iv);
    decipher.setAAD(Buffer.concat([header, canonicalEncryptionContext(encryptionContext)]));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new KmsError(
        'InvalidCiphertextException',
        'The ciphertext could not be authenticated: it was altered, or the encryption context differs from the one used to encrypt.',
      );
    }
  }

  generateMac(key: StoredKey & { keySpec: HmacKeySpec }, message: Buffer): Buffer {
    return createHmac(hmacKeySpecs[key.keySpec].digest, this.secretOf(key)).update(message).digest();
  }

  /** ECDSA P-256 over SHA-256 of the message, DER-encoded as KMS returns it. */
  sign(key: StoredKey, message: Buffer): Buffer {
    return sign('sha256', message, { key: this.signingKeyOf(key).privateKey, dsaEncoding: 'der' });
  }

  verify(key: StoredKey, message: Buffer, signature: Buffer): boolean {
    try {
      return verify(
        'sha256',
        message,
        { key: this.signingKeyOf(key).publicKey, dsaEncoding: 'der' },
        signature,
      );
    } catch {
      // A signature that is not even DER is as invalid as a wrong one.
      return false;
    }
  }

  /** The public key as GetPublicKey returns it: DER-encoded SubjectPublicKeyInfo. */
  publicKeyOf(key: StoredKey): Buffer {
    return this.signingKeyOf(key).publicKey.export({ format: 'der', type: 'spki' });
  }

  /**
   * The key pair of a signing key, derived from the root key like every other secret — so a persistent data dir
   * keeps signatures verifiable across restarts without storing private keys beside the root key.
   */
  private signingKeyOf(key: StoredKey): { privateKey: KeyObject; publicKey: KeyObject } {
    const cached = this.signingKeys.get(key.keyId);
    if (cached !== undefined) return cached;
    for (let attempt = 0; ; attempt += 1) {
      const scalar = Buffer.from(
        hkdfSync('sha256', this.rootKey, derivationSalt, `key:${key.keyId}:${key.keySpec}:${attempt}`, 32),
      );
      const ecdh = createECDH('prime256v1');
      try {
        // Throws for the ~2^-32 of scalars that are not below the curve order: derive the next one.
        ecdh.setPrivateKey(scalar);
      } catch {
        continue;
      }
      const point = ecdh.getPublicKey();
      const jwk = {
        kty: 'EC',
        crv: 'P-256',
        d: scalar.toString('base64url'),
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33, 65).toString('base64url'),
      };
      const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
      const pair = { privateKey, publicKey: createPublicKey(privateKey) };
      this.signingKeys.set(key.keyId, pair);
      return pair;
    }
  }

  /** Per-key secret: HKDF-SHA256 of the root key, bound to the key id and its spec. */
  private secretOf(key: StoredKey): Buffer {
    const cached = this.derivedSecrets.get(key.keyId);
    if (cached !== undefined) {
      return cached;
    }
    const length = isHmacKeySpec(key.keySpec) ? hmacKeySpecs[key.keySpec].keyBytes : 32;
    const secret = Buffer.from(
      hkdfSync('sha256', this.rootKey, derivationSalt, `key:${key.keyId}:${key.keySpec}`, length),
    );
    this.derivedSecrets.set(key.keyId, secret);
    return secret;
  }

  private save(): void {
    if (this.options.dataDir === undefined) {
      return;
    }
    const content: z.input<typeof keyFileSchema> = {
      version: 1,
      keys: [...this.keys.values()].map((key) => ({ ...key, ...formatOneKeyFields })),
      aliases: [...this.aliases.values()],
    };
    const keyFilePath = join(this.options.dataDir, keyFileName);
    // Write then rename, so a crash mid-write never leaves a truncated key file behind.
    const partialPath = `${keyFilePath}.partial`;
    writeFileSync(partialPath, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    renameSync(partialPath, keyFilePath);
  }
}

function loadOrCreateRootKey(rootKeyPath: string): Buffer {
  if (!existsSync(rootKeyPath)) {
    // 'wx' fails if another process created it in between; then we read theirs below.
    try {
      writeFileSync(rootKeyPath, randomBytes(rootKeyBytes), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
  }
  // Tighten the mode in case the file was created with a permissive umask or copied in.
  chmodSync(rootKeyPath, 0o600);
  const rootKey = readFileSync(rootKeyPath);
  if (rootKey.length !== rootKeyBytes) {
    throw new Error(
      `KMS emulator root key ${rootKeyPath} has ${rootKey.length} bytes, expected ${rootKeyBytes}; ` +
        'it is damaged (delete the data dir to start over, losing every ciphertext made under it)',
    );
  }
  return rootKey;
}
