// test: the local KMS emulator answers the real KMS client and the AWS Encryption SDK like KMS does, for the
// operations the application calls (see local/emulators/kms-requests.ts), and refuses the others
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  KMSClient,
  ReEncryptCommand,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import {
  branchKeyStore,
  createTenantBranchKey,
  EncryptionSdkSealer,
  tenantHierarchicalKeyring,
} from '../../functions/adapters/encryption-sdk-sealer';
import { IntegrityError, KeysUnavailableError } from '../../functions/ports/sealer';
import {
  emulatorClientConfig,
  listeningAddresses,
  type RunningDynamoDb,
  type RunningKms,
  startDynamoDb,
  startKms,
} from '../../local/emulators';
import { ensureKeyStoreTable } from '../../local/provision';

const javaStartTimeoutMs = 90_000;

interface CreatedKey {
  keyId: string;
  arn: string;
}

async function createKey(
  client: KMSClient,
  spec: 'SYMMETRIC_DEFAULT' | 'HMAC_256' = 'SYMMETRIC_DEFAULT',
): Promise<CreatedKey> {
  const { KeyMetadata } = await client.send(
    new CreateKeyCommand(
      spec === 'HMAC_256' ? { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' } : { KeySpec: spec },
    ),
  );
  if (KeyMetadata?.KeyId === undefined || KeyMetadata.Arn === undefined) {
    throw new Error('CreateKey answered without KeyId or Arn');
  }
  return { keyId: KeyMetadata.KeyId, arn: KeyMetadata.Arn };
}

/** A ciphertext as the branch key store makes one: a fresh data key, wrapped under `keyId` and `context`. */
async function wrappedDataKey(
  client: KMSClient,
  keyId: string,
  context?: Record<string, string>,
): Promise<Uint8Array> {
  const { CiphertextBlob } = await client.send(
    new GenerateDataKeyWithoutPlaintextCommand({
      KeyId: keyId,
      NumberOfBytes: 32,
      EncryptionContext: context,
    }),
  );
  if (CiphertextBlob === undefined) {
    throw new Error('GenerateDataKeyWithoutPlaintext answered without CiphertextBlob');
  }
  return CiphertextBlob;
}

/** One KMS call over plain HTTP, to see the JSON exactly as the emulator sends it. */
async function rawKmsCall(
  endpoint: string,
  operation: string,
  body: object,
  headers: Record<string, string> = {
    authorization: 'AWS4-HMAC-SHA256 Credential=LOCAL/20260101/eu-central-1/kms/aws4_request',
  },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `TrentService.${operation}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function bytes(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

function base64(blob: Uint8Array | undefined): string {
  return Buffer.from(blob ?? []).toString('base64');
}

describe('KMS emulator', () => {
  let kms: RunningKms;
  let client: KMSClient;
  let encryptionKey: CreatedKey;
  let macKey: CreatedKey;

  beforeAll(async () => {
    kms = await startKms({ port: 0 });
    client = new KMSClient(emulatorClientConfig(kms.endpoint));
    encryptionKey = await createKey(client);
    macKey = await createKey(client, 'HMAC_256');
    await client.send(
      new CreateAliasCommand({ AliasName: 'alias/ledgerlock-data', TargetKeyId: encryptionKey.keyId }),
    );
  });

  afterAll(async () => {
    client?.destroy();
    await kms?.stop();
  });

  describe('keys and aliases', () => {
    it('describes a new symmetric key as KMS does', async () => {
      const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: encryptionKey.keyId }));

      expect(KeyMetadata).toMatchObject({
        KeyId: encryptionKey.keyId,
        Arn: `arn:aws:kms:eu-central-1:000000000000:key/${encryptionKey.keyId}`,
        AWSAccountId: '000000000000',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyState: 'Enabled',
        Enabled: true,
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      });
      expect(KeyMetadata?.CreationDate).toBeInstanceOf(Date);
      expect(Math.abs((KeyMetadata?.CreationDate?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    });

    it('describes an HMAC key with its MAC algorithm', async () => {
      const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: macKey.arn }));

      expect(KeyMetadata).toMatchObject({
        KeySpec: 'HMAC_256',
        KeyUsage: 'GENERATE_VERIFY_MAC',
        MacAlgorithms: ['HMAC_SHA_256'],
      });
    });

    it('finds a key by id, key ARN, alias name and alias ARN', async () => {
      const identifiers = [
        encryptionKey.keyId,
        encryptionKey.arn,
        'alias/ledgerlock-data',
        'arn:aws:kms:eu-central-1:000000000000:alias/ledgerlock-data',
      ];

      const keyIds = await Promise.all(
        identifiers.map(
          async (KeyId) => (await client.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.KeyId,
        ),
      );

      expect(keyIds).toEqual(identifiers.map(() => encryptionKey.keyId));
    });

    it('answers NotFoundException for an unknown key, alias, or an ARN of another region', async () => {
      for (const KeyId of [
        randomUUID(),
        'alias/missing',
        `arn:aws:kms:us-east-1:000000000000:key/${encryptionKey.keyId}`,
      ]) {
        await expect(client.send(new DescribeKeyCommand({ KeyId }))).rejects.toMatchObject({
          name: 'NotFoundException',
        });
      }
    });

    it('answers AlreadyExistsException when an alias name is taken', async () => {
      await expect(
        client.send(
          new CreateAliasCommand({ AliasName: 'alias/ledgerlock-data', TargetKeyId: macKey.keyId }),
        ),
      ).rejects.toMatchObject({ name: 'AlreadyExistsException' });
    });

    it('rejects alias names outside alias/… and the reserved alias/aws/ prefix', async () => {
      for (const AliasName of ['ledgerlock', 'alias/aws/ledgerlock', 'alias/has space']) {
        await expect(
          client.send(new CreateAliasCommand({ AliasName, TargetKeyId: encryptionKey.keyId })),
        ).rejects.toMatchObject({ name: 'InvalidAliasNameException' });
      }
    });

    it('answers NotFoundException when an alias would point at an unknown key', async () => {
      await expect(
        client.send(new CreateAliasCommand({ AliasName: 'alias/dangling', TargetKeyId: randomUUID() })),
      ).rejects.toMatchObject({ name: 'NotFoundException' });
    });
  });

  describe('wrapped data keys', () => {
    const context = { tenant: 'tenant-1', entity: 'customer', id: 'c-1' };

    it('wraps a data key without answering its plaintext, and Decrypt finds the key from the ciphertext alone', async () => {
      // Raw JSON: the SDK's output type has no Plaintext member, so it would hide one the emulator leaked.
      const answer = await rawKmsCall(kms.endpoint, 'GenerateDataKeyWithoutPlaintext', {
        KeyId: 'alias/ledgerlock-data',
        KeySpec: 'AES_256',
        EncryptionContext: context,
      });

      const decrypted = await client.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(String(answer.body.CiphertextBlob), 'base64'),
          EncryptionContext: context,
        }),
      );

      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body).sort()).toEqual(['CiphertextBlob', 'KeyId']);
      expect(answer.body.KeyId).toBe(encryptionKey.arn);
      expect(decrypted.KeyId).toBe(encryptionKey.arn);
      expect(decrypted.Plaintext).toHaveLength(32);
    });

    it('generates NumberOfBytes bytes', async () => {
      const CiphertextBlob = await wrappedDataKey(client, encryptionKey.keyId);
      const { CiphertextBlob: longer } = await client.send(
        new GenerateDataKeyWithoutPlaintextCommand({ KeyId: encryptionKey.keyId, NumberOfBytes: 64 }),
      );

      const decrypted = await client.send(new DecryptCommand({ CiphertextBlob }));
      const decryptedLonger = await client.send(new DecryptCommand({ CiphertextBlob: longer }));

      expect(decrypted.Plaintext).toHaveLength(32);
      expect(decryptedLonger.Plaintext).toHaveLength(64);
    });

    it('answers ValidationException unless exactly one of KeySpec and NumberOfBytes is given', async () => {
      for (const size of [{}, { KeySpec: 'AES_256' as const, NumberOfBytes: 32 }]) {
        await expect(
          client.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: encryptionKey.keyId, ...size })),
        ).rejects.toMatchObject({ name: 'ValidationException' });
      }
    });

    it('treats the encryption context as a set: key order does not matter', async () => {
      const CiphertextBlob = await wrappedDataKey(client, encryptionKey.keyId, context);
      const sameContextOtherOrder = { id: 'c-1', entity: 'customer', tenant: 'tenant-1' };

      const decrypted = await client.send(
        new DecryptCommand({ CiphertextBlob, EncryptionContext: sameContextOtherOrder }),
      );

      expect(decrypted.Plaintext).toHaveLength(32);
    });

    it('answers InvalidCiphertextException when the encryption context differs or is missing', async () => {
      const CiphertextBlob = await wrappedDataKey(client, encryptionKey.keyId, context);

      for (const EncryptionContext of [{ ...context, tenant: 'tenant-2' }, undefined]) {
        await expect(
          client.send(new DecryptCommand({ CiphertextBlob, EncryptionContext })),
        ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
      }
    });

    it('answers InvalidCiphertextException for a tampered or foreign ciphertext', async () => {
      const tampered = Buffer.from(await wrappedDataKey(client, encryptionKey.keyId));
      tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 0x01;

      for (const CiphertextBlob of [
        tampered,
        Buffer.from('not a kms ciphertext blob at all, clearly not one'),
      ]) {
        await expect(client.send(new DecryptCommand({ CiphertextBlob }))).rejects.toMatchObject({
          name: 'InvalidCiphertextException',
        });
      }
    });

    it('answers IncorrectKeyException when Decrypt names another key than the ciphertext was made under', async () => {
      const otherKey = await createKey(client);
      const CiphertextBlob = await wrappedDataKey(client, encryptionKey.keyId);

      await expect(
        client.send(new DecryptCommand({ CiphertextBlob, KeyId: otherKey.arn })),
      ).rejects.toMatchObject({ name: 'IncorrectKeyException' });
    });

    it('answers InvalidKeyUsageException when wrapping under an HMAC key', async () => {
      await expect(wrappedDataKey(client, macKey.keyId)).rejects.toMatchObject({
        name: 'InvalidKeyUsageException',
      });
    });
  });

  describe('re-encryption', () => {
    const decryptOnly = { 'branch-key-id': 'tenant-1', type: 'branch:version:1' };
    const active = { 'branch-key-id': 'tenant-1', type: 'branch:ACTIVE' };

    it('moves a ciphertext to another context, never answering plaintext, and both open to the same key', async () => {
      const CiphertextBlob = await wrappedDataKey(client, encryptionKey.arn, decryptOnly);

      const answer = await rawKmsCall(kms.endpoint, 'ReEncrypt', {
        CiphertextBlob: base64(CiphertextBlob),
        SourceKeyId: encryptionKey.arn,
        SourceEncryptionContext: decryptOnly,
        DestinationKeyId: encryptionKey.arn,
        DestinationEncryptionContext: active,
      });
      const fromSource = await client.send(
        new DecryptCommand({ CiphertextBlob, EncryptionContext: decryptOnly }),
      );
      const fromDestination = await client.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(String(answer.body.CiphertextBlob), 'base64'),
          EncryptionContext: active,
        }),
      );

      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body).sort()).toEqual([
        'CiphertextBlob',
        'DestinationEncryptionAlgorithm',
        'KeyId',
        'SourceEncryptionAlgorithm',
        'SourceKeyId',
      ]);
      expect(answer.body).toMatchObject({ KeyId: encryptionKey.arn, SourceKeyId: encryptionKey.arn });
      expect(base64(fromDestination.Plaintext)).toBe(base64(fromSource.Plaintext));
    });

    it('answers InvalidCiphertextException when the source context is not the one it was wrapped under', async () => {
      const CiphertextBlob = await wrappedDataKey(client, encryptionKey.arn, decryptOnly);

      await expect(
        client.send(
          new ReEncryptCommand({
            CiphertextBlob,
            SourceEncryptionContext: { ...decryptOnly, 'branch-key-id': 'tenant-2' },
            DestinationKeyId: encryptionKey.arn,
            DestinationEncryptionContext: active,
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    });

    it('answers InvalidKeyUsageException for an HMAC destination key', async () => {
      const CiphertextBlob = await wrappedDataKey(client, encryptionKey.arn);

      await expect(
        client.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: macKey.arn })),
      ).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
    });
  });

  describe('MACs', () => {
    async function mac(message: string): Promise<string> {
      const { Mac } = await client.send(
        new GenerateMacCommand({ KeyId: macKey.arn, Message: bytes(message), MacAlgorithm: 'HMAC_SHA_256' }),
      );
      return base64(Mac);
    }

    it('gives the same 32-byte MAC for the same message and another for another, so it can serve as a blind index', async () => {
      const [first, second, other] = await Promise.all([mac('same'), mac('same'), mac('other')]);

      expect(Buffer.from(first ?? '', 'base64')).toHaveLength(32);
      expect(first).toBe(second);
      expect(other).not.toBe(first);
    });

    it('answers InvalidKeyUsageException for a MAC under an encryption key or with the wrong algorithm', async () => {
      await expect(
        client.send(
          new GenerateMacCommand({
            KeyId: encryptionKey.keyId,
            Message: bytes('x'),
            MacAlgorithm: 'HMAC_SHA_256',
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
      await expect(
        client.send(
          new GenerateMacCommand({ KeyId: macKey.keyId, Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_512' }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
    });
  });

  describe('signatures', () => {
    let signingKey: CreatedKey;

    beforeAll(async () => {
      const { KeyMetadata } = await client.send(
        new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
      );
      if (KeyMetadata?.KeyId === undefined || KeyMetadata.Arn === undefined) throw new Error('no key');
      signingKey = { keyId: KeyMetadata.KeyId, arn: KeyMetadata.Arn };
    });

    const sign = async (message: string) =>
      (
        await client.send(
          new SignCommand({
            KeyId: signingKey.arn,
            Message: bytes(message),
            MessageType: 'RAW',
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        )
      ).Signature as Uint8Array;

    it('describes an ECC_NIST_P256 signing key with its signing algorithm', async () => {
      const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: signingKey.keyId }));
      expect(KeyMetadata).toMatchObject({
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['ECDSA_SHA_256'],
      });
    });

    it('signs with ECDSA_SHA_256 in DER, which Verify and the public key from GetPublicKey both accept', async () => {
      const signature = await sign('checkpoint');
      const verified = await client.send(
        new VerifyCommand({
          KeyId: signingKey.keyId,
          Message: bytes('checkpoint'),
          Signature: signature,
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      expect(verified).toMatchObject({ SignatureValid: true, SigningAlgorithm: 'ECDSA_SHA_256' });
      const { PublicKey: der, KeySpec } = await client.send(
        new GetPublicKeyCommand({ KeyId: signingKey.arn }),
      );
      expect(KeySpec).toBe('ECC_NIST_P256');
      const publicKey = createPublicKey({ key: Buffer.from(der as Uint8Array), format: 'der', type: 'spki' });
      expect(publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
      expect(verify('sha256', bytes('checkpoint'), { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(
        true,
      );
      expect(verify('sha256', bytes('checkpoinT'), { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(
        false,
      );
    });

    it('answers KMSInvalidSignatureException for a signature over another message', async () => {
      await expect(
        client.send(
          new VerifyCommand({
            KeyId: signingKey.keyId,
            Message: bytes('other'),
            Signature: await sign('checkpoint'),
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        ),
      ).rejects.toMatchObject({ name: 'KMSInvalidSignatureException' });
    });

    it('answers InvalidKeyUsageException for signing with an encryption key or another algorithm', async () => {
      await expect(
        client.send(
          new SignCommand({
            KeyId: encryptionKey.keyId,
            Message: bytes('x'),
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
      await expect(
        client.send(
          new SignCommand({
            KeyId: signingKey.keyId,
            Message: bytes('x'),
            SigningAlgorithm: 'RSASSA_PSS_SHA_256',
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
    });

    it('answers UnsupportedOperationException for the public key of a symmetric key', async () => {
      await expect(
        client.send(new GetPublicKeyCommand({ KeyId: encryptionKey.keyId })),
      ).rejects.toMatchObject({
        name: 'UnsupportedOperationException',
      });
    });
  });

  describe('protocol', () => {
    it('requires an Authorization header', async () => {
      const answer = await rawKmsCall(kms.endpoint, 'DescribeKey', { KeyId: encryptionKey.keyId }, {});

      expect(answer).toMatchObject({ status: 400, body: { __type: 'MissingAuthenticationTokenException' } });
    });

    it.each([
      'GenerateDataKeyPair',
      'Encrypt',
      'GenerateDataKey',
      'VerifyMac',
      'ListAliases',
      'ScheduleKeyDeletion',
    ])('answers UnknownOperationException for %s, which the application does not call', async (operation) => {
      const answer = await rawKmsCall(kms.endpoint, operation, { KeyId: encryptionKey.keyId });

      expect(answer).toMatchObject({ status: 400, body: { __type: 'UnknownOperationException' } });
    });

    it('answers SerializationException for a body that is not JSON', async () => {
      const response = await fetch(kms.endpoint, {
        method: 'POST',
        headers: {
          authorization: 'AWS4-HMAC-SHA256 Credential=LOCAL/20260101/eu-central-1/kms/aws4_request',
          'x-amz-target': 'TrentService.DescribeKey',
        },
        body: '{not json',
      });

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ __type: 'SerializationException' });
    });

    it('counts calls per operation at GET /_stats and in stats(), and resets them', async () => {
      await fetch(new URL('/_stats/reset', kms.endpoint), { method: 'POST' });
      await wrappedDataKey(client, encryptionKey.keyId);
      await wrappedDataKey(client, encryptionKey.keyId);
      await client.send(new DescribeKeyCommand({ KeyId: encryptionKey.keyId }));

      const served = await (await fetch(new URL('/_stats', kms.endpoint))).json();
      const fromFunction = kms.stats();
      kms.resetStats();

      expect(served).toEqual({ GenerateDataKeyWithoutPlaintext: 2, DescribeKey: 1 });
      expect(fromFunction).toEqual({ GenerateDataKeyWithoutPlaintext: 2, DescribeKey: 1 });
      expect(kms.stats()).toEqual({});
    });

    it('listens on 127.0.0.1 only', () => {
      const addresses = listeningAddresses(Number(new URL(kms.endpoint).port));

      expect(addresses).toEqual(['127.0.0.1']);
    });
  });
});

describe('KMS emulator under the Encryption SDK hierarchical keyring (as the application uses it)', () => {
  const tableName = 'kms-emulator-keystore';
  let kms: RunningKms;
  let dynamoDb: RunningDynamoDb;
  let kmsClient: KMSClient;
  let dynamoDbClient: DynamoDBClient;
  let sealer: EncryptionSdkSealer;
  let keyStore: ReturnType<typeof branchKeyStore>;
  let dataKeyArn: string;

  beforeAll(async () => {
    [kms, dynamoDb] = await Promise.all([startKms({ port: 0 }), startDynamoDb({ port: 0 })]);
    kmsClient = new KMSClient(emulatorClientConfig(kms.endpoint));
    dynamoDbClient = new DynamoDBClient(emulatorClientConfig(dynamoDb.endpoint));
    await ensureKeyStoreTable(emulatorClientConfig(dynamoDb.endpoint), tableName);
    const dataKey = await createKey(kmsClient);
    dataKeyArn = dataKey.arn;
    keyStore = branchKeyStore({
      tableName,
      kmsKeyArn: dataKey.arn,
      dynamoDb: dynamoDbClient,
      kms: kmsClient,
    });
    sealer = new EncryptionSdkSealer(tenantHierarchicalKeyring(keyStore));
  }, javaStartTimeoutMs);

  afterAll(async () => {
    kmsClient?.destroy();
    dynamoDbClient?.destroy();
    await Promise.all([kms?.stop(), dynamoDb?.stop()]);
  });

  const context = { tenantId: 'tenant-1', entityType: 'invoice', entityId: 'inv-1', digest: 'd1' };

  it('creates a tenant branch key with two wrapped data keys and one ReEncrypt', async () => {
    kms.resetStats();

    await createTenantBranchKey(keyStore, context.tenantId);

    expect(kms.stats()).toEqual({ GenerateDataKeyWithoutPlaintext: 2, ReEncrypt: 1 });
  });

  it('seals and opens with one Decrypt each (active branch key, then its version), cached for the next message', async () => {
    kms.resetStats();

    const sealed = await sealer.seal(bytes('line description: consulting'), context);
    const opened = await sealer.open(sealed, context);
    await sealer.open(await sealer.seal(bytes('memo'), { ...context, entityId: 'inv-2' }), {
      ...context,
      entityId: 'inv-2',
    });

    expect(Buffer.from(opened).toString()).toBe('line description: consulting');
    expect(kms.stats()).toEqual({ Decrypt: 2 });
  });

  it('fails closed when the sealed value is opened for another item', async () => {
    const sealed = await sealer.seal(bytes('secret'), context);

    await expect(sealer.open(sealed, { ...context, entityId: 'inv-other' })).rejects.toBeInstanceOf(
      IntegrityError,
    );
  });

  describe('an outage of the key hierarchy', () => {
    // A sealer on a cold instance (nothing cached), as after a deployment, with one of its services out of reach.
    const coldSealer = (services: { kms?: KMSClient; dynamoDb?: DynamoDBClient }) => {
      const store = branchKeyStore({
        tableName,
        kmsKeyArn: dataKeyArn,
        dynamoDb: services.dynamoDb ?? dynamoDbClient,
        kms: services.kms ?? kmsClient,
      });
      return new EncryptionSdkSealer(tenantHierarchicalKeyring(store), store);
    };
    const unreachable = 'http://127.0.0.1:9';

    it.each([
      ['KMS', { kms: new KMSClient({ ...emulatorClientConfig(unreachable), maxAttempts: 1 }) }],
      [
        'the key store',
        { dynamoDb: new DynamoDBClient({ ...emulatorClientConfig(unreachable), maxAttempts: 1 }) },
      ],
    ])(
      'is KeysUnavailableError when %s is out of reach, never IntegrityError',
      async (_service, services) => {
        const sealed = await sealer.seal(bytes('secret'), context);

        const opened = coldSealer(services).open(sealed, context);

        await expect(opened).rejects.toBeInstanceOf(KeysUnavailableError);
      },
    );

    it('is still IntegrityError for a tampered ciphertext while the keys are reachable', async () => {
      const sealed = await sealer.seal(bytes('secret'), context);
      // Corrupt a byte inside the wrapped data key: the keyring cannot unwrap it with the (reachable) branch key.
      const tampered = Uint8Array.from(sealed);
      const at = Math.floor(tampered.length / 3);
      tampered[at] = (tampered[at] ?? 0) ^ 0xff;

      await expect(coldSealer({}).open(tampered, context)).rejects.toBeInstanceOf(IntegrityError);
    });
  });
});

describe('KMS emulator persistence', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledgerlock-kms-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('decrypts after a restart with the same data dir, keeping keys and aliases', async () => {
    const first = await startKms({ port: 0, dataDir });
    const firstClient = new KMSClient(emulatorClientConfig(first.endpoint));
    const key = await createKey(firstClient);
    await firstClient.send(new CreateAliasCommand({ AliasName: 'alias/kept', TargetKeyId: key.keyId }));
    const CiphertextBlob = await wrappedDataKey(firstClient, 'alias/kept', { a: 'b' });
    const before = await firstClient.send(
      new DecryptCommand({ CiphertextBlob, EncryptionContext: { a: 'b' } }),
    );
    firstClient.destroy();
    await first.stop();

    const second = await startKms({ port: 0, dataDir });
    const secondClient = new KMSClient(emulatorClientConfig(second.endpoint));
    try {
      const after = await secondClient.send(
        new DecryptCommand({ CiphertextBlob, KeyId: 'alias/kept', EncryptionContext: { a: 'b' } }),
      );

      expect(base64(after.Plaintext)).toBe(base64(before.Plaintext));
    } finally {
      secondClient.destroy();
      await second.stop();
    }
  });

  it('keeps a signing key’s public key across a restart, so old checkpoints still verify', async () => {
    const signingDir = mkdtempSync(join(tmpdir(), 'ledgerlock-kms-signing-'));
    const first = await startKms({ port: 0, dataDir: signingDir });
    const firstClient = new KMSClient(emulatorClientConfig(first.endpoint));
    const { KeyMetadata } = await firstClient.send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    );
    const keyId = KeyMetadata?.KeyId ?? '';
    const before = (await firstClient.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey;
    firstClient.destroy();
    await first.stop();
    const second = await startKms({ port: 0, dataDir: signingDir });
    const secondClient = new KMSClient(emulatorClientConfig(second.endpoint));
    try {
      const after = (await secondClient.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey;
      expect(base64(after)).toBe(base64(before));
    } finally {
      secondClient.destroy();
      await second.stop();
      rmSync(signingDir, { recursive: true, force: true });
    }
  });

  it('keeps a 32-byte root key readable by its owner only', () => {
    const rootKeyPath = join(dataDir, 'root-key.bin');

    expect(readFileSync(rootKeyPath)).toHaveLength(32);
    expect(statSync(rootKeyPath).mode & 0o777).toBe(0o600);
  });

  it('writes keys.json in format 1 as older checkouts read it', () => {
    const saved = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8'));

    expect(saved).toMatchObject({
      version: 1,
      keys: [{ keySpec: 'SYMMETRIC_DEFAULT', rotationEnabled: false, rotationPeriodInDays: 365 }],
      aliases: [{ aliasName: 'alias/kept', creationEpochMs: expect.any(Number) }],
    });
  });

  it('cannot decrypt what an in-memory emulator (another root key) encrypted', async () => {
    const ephemeral = await startKms({ port: 0 });
    const ephemeralClient = new KMSClient(emulatorClientConfig(ephemeral.endpoint));
    const key = await createKey(ephemeralClient);
    const CiphertextBlob = await wrappedDataKey(ephemeralClient, key.keyId);
    ephemeralClient.destroy();
    await ephemeral.stop();

    const persistent = await startKms({ port: 0, dataDir });
    const persistentClient = new KMSClient(emulatorClientConfig(persistent.endpoint));
    try {
      await expect(persistentClient.send(new DecryptCommand({ CiphertextBlob }))).rejects.toMatchObject({
        name: 'InvalidCiphertextException',
      });
    } finally {
      persistentClient.destroy();
      await persistent.stop();
    }
  });
});
