// test: the local KMS emulator answers the real KMS client and the AWS Encryption SDK like KMS does
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  KmsKeyringNode,
} from '@aws-crypto/client-node';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  GetKeyRotationStatusCommand,
  KMS,
  KMSClient,
  ListAliasesCommand,
  ScheduleKeyDeletionCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { emulatorClientConfig, listeningAddresses, type RunningKms, startKms } from '../../local/emulators';

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

    it('lists aliases with their target, filtered by key and paged by Limit and Marker', async () => {
      await client.send(
        new CreateAliasCommand({ AliasName: 'alias/ledgerlock-blind-index', TargetKeyId: macKey.arn }),
      );

      const all = await client.send(new ListAliasesCommand({}));
      const forMacKey = await client.send(new ListAliasesCommand({ KeyId: macKey.keyId }));
      const firstPage = await client.send(new ListAliasesCommand({ Limit: 1 }));
      const secondPage = await client.send(
        new ListAliasesCommand({ Limit: 1, Marker: firstPage.NextMarker }),
      );

      expect(all.Aliases).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            AliasName: 'alias/ledgerlock-data',
            AliasArn: 'arn:aws:kms:eu-central-1:000000000000:alias/ledgerlock-data',
            TargetKeyId: encryptionKey.keyId,
          }),
        ]),
      );
      expect(forMacKey.Aliases?.map((alias) => alias.AliasName)).toEqual(['alias/ledgerlock-blind-index']);
      expect(firstPage).toMatchObject({
        Truncated: true,
        Aliases: [{ AliasName: 'alias/ledgerlock-blind-index' }],
      });
      expect(secondPage).toMatchObject({
        Truncated: false,
        Aliases: [{ AliasName: 'alias/ledgerlock-data' }],
      });
    });
  });

  describe('encryption', () => {
    const context = { tenant: 'tenant-1', entity: 'customer', id: 'c-1' };

    it('round-trips plaintext, and Decrypt finds the key from the ciphertext alone', async () => {
      const encrypted = await client.send(
        new EncryptCommand({
          KeyId: 'alias/ledgerlock-data',
          Plaintext: bytes('IBAN DE89…'),
          EncryptionContext: context,
        }),
      );

      const decrypted = await client.send(
        new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context }),
      );

      expect(encrypted.KeyId).toBe(encryptionKey.arn);
      expect(decrypted.KeyId).toBe(encryptionKey.arn);
      expect(Buffer.from(decrypted.Plaintext ?? []).toString()).toBe('IBAN DE89…');
    });

    it('treats the encryption context as a set: key order does not matter', async () => {
      const encrypted = await client.send(
        new EncryptCommand({ KeyId: encryptionKey.keyId, Plaintext: bytes('x'), EncryptionContext: context }),
      );
      const sameContextOtherOrder = { id: 'c-1', entity: 'customer', tenant: 'tenant-1' };

      const decrypted = await client.send(
        new DecryptCommand({
          CiphertextBlob: encrypted.CiphertextBlob,
          EncryptionContext: sameContextOtherOrder,
        }),
      );

      expect(Buffer.from(decrypted.Plaintext ?? []).toString()).toBe('x');
    });

    it('answers InvalidCiphertextException when the encryption context differs or is missing', async () => {
      const encrypted = await client.send(
        new EncryptCommand({
          KeyId: encryptionKey.keyId,
          Plaintext: bytes('secret'),
          EncryptionContext: context,
        }),
      );

      for (const EncryptionContext of [{ ...context, tenant: 'tenant-2' }, undefined]) {
        await expect(
          client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext })),
        ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
      }
    });

    it('answers InvalidCiphertextException for a tampered or foreign ciphertext', async () => {
      const encrypted = await client.send(
        new EncryptCommand({ KeyId: encryptionKey.keyId, Plaintext: bytes('secret') }),
      );
      const tampered = Buffer.from(encrypted.CiphertextBlob ?? []);
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
      const encrypted = await client.send(
        new EncryptCommand({ KeyId: encryptionKey.keyId, Plaintext: bytes('secret') }),
      );

      await expect(
        client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, KeyId: otherKey.arn })),
      ).rejects.toMatchObject({ name: 'IncorrectKeyException' });
    });

    it('answers ValidationException for empty plaintext', async () => {
      await expect(
        client.send(new EncryptCommand({ KeyId: encryptionKey.keyId, Plaintext: new Uint8Array(0) })),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    });

    it('answers InvalidKeyUsageException when encrypting under an HMAC key', async () => {
      await expect(
        client.send(new EncryptCommand({ KeyId: macKey.keyId, Plaintext: bytes('x') })),
      ).rejects.toMatchObject({
        name: 'InvalidKeyUsageException',
      });
    });
  });

  describe('data keys', () => {
    it('generates an AES-256 data key whose ciphertext decrypts to the same key', async () => {
      const dataKey = await client.send(
        new GenerateDataKeyCommand({
          KeyId: encryptionKey.arn,
          KeySpec: 'AES_256',
          EncryptionContext: { tenant: 't' },
        }),
      );

      const decrypted = await client.send(
        new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { tenant: 't' } }),
      );

      expect(dataKey.Plaintext).toHaveLength(32);
      expect(dataKey.KeyId).toBe(encryptionKey.arn);
      expect(Buffer.from(decrypted.Plaintext ?? [])).toEqual(Buffer.from(dataKey.Plaintext ?? []));
    });

    it('generates NumberOfBytes bytes', async () => {
      const dataKey = await client.send(
        new GenerateDataKeyCommand({ KeyId: encryptionKey.keyId, NumberOfBytes: 64 }),
      );

      expect(dataKey.Plaintext).toHaveLength(64);
    });

    it('answers ValidationException unless exactly one of KeySpec and NumberOfBytes is given', async () => {
      for (const size of [{}, { KeySpec: 'AES_256' as const, NumberOfBytes: 32 }]) {
        await expect(
          client.send(new GenerateDataKeyCommand({ KeyId: encryptionKey.keyId, ...size })),
        ).rejects.toMatchObject({ name: 'ValidationException' });
      }
    });

    it('generates a data key without plaintext that still decrypts', async () => {
      // Raw JSON: the SDK's output type has no Plaintext member, so it would hide one the emulator leaked.
      const answer = await rawKmsCall(kms.endpoint, 'GenerateDataKeyWithoutPlaintext', {
        KeyId: encryptionKey.keyId,
        KeySpec: 'AES_256',
      });

      const decrypted = await client.send(
        new DecryptCommand({ CiphertextBlob: Buffer.from(String(answer.body.CiphertextBlob), 'base64') }),
      );

      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body).sort()).toEqual(['CiphertextBlob', 'KeyId']);
      expect(decrypted.Plaintext).toHaveLength(32);
    });
  });

  describe('MACs', () => {
    it('verifies a MAC it generated', async () => {
      const { Mac } = await client.send(
        new GenerateMacCommand({
          KeyId: macKey.arn,
          Message: bytes('customer@example.com'),
          MacAlgorithm: 'HMAC_SHA_256',
        }),
      );

      const verified = await client.send(
        new VerifyMacCommand({
          KeyId: macKey.keyId,
          Message: bytes('customer@example.com'),
          Mac,
          MacAlgorithm: 'HMAC_SHA_256',
        }),
      );

      expect(Mac).toHaveLength(32);
      expect(verified).toMatchObject({ MacValid: true, KeyId: macKey.arn, MacAlgorithm: 'HMAC_SHA_256' });
    });

    it('gives the same MAC for the same message, so it can serve as a blind index', async () => {
      const macs = await Promise.all(
        [1, 2].map(async () =>
          Buffer.from(
            (
              await client.send(
                new GenerateMacCommand({
                  KeyId: macKey.arn,
                  Message: bytes('same'),
                  MacAlgorithm: 'HMAC_SHA_256',
                }),
              )
            ).Mac ?? [],
          ).toString('hex'),
        ),
      );

      expect(macs[0]).toBe(macs[1]);
    });

    it('answers KMSInvalidMacException when the MAC does not match the message', async () => {
      const { Mac } = await client.send(
        new GenerateMacCommand({
          KeyId: macKey.arn,
          Message: bytes('original'),
          MacAlgorithm: 'HMAC_SHA_256',
        }),
      );

      await expect(
        client.send(
          new VerifyMacCommand({
            KeyId: macKey.arn,
            Message: bytes('altered'),
            Mac,
            MacAlgorithm: 'HMAC_SHA_256',
          }),
        ),
      ).rejects.toMatchObject({ name: 'KMSInvalidMacException' });
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

  describe('rotation and deletion', () => {
    it('reports rotation once enabled', async () => {
      const key = await createKey(client);
      const before = await client.send(new GetKeyRotationStatusCommand({ KeyId: key.keyId }));

      await client.send(new EnableKeyRotationCommand({ KeyId: key.arn }));
      const after = await client.send(new GetKeyRotationStatusCommand({ KeyId: key.keyId }));

      expect(before.KeyRotationEnabled).toBe(false);
      expect(after).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365, KeyId: key.arn });
    });

    it('answers UnsupportedOperationException for rotating an HMAC key', async () => {
      await expect(client.send(new EnableKeyRotationCommand({ KeyId: macKey.keyId }))).rejects.toMatchObject({
        name: 'UnsupportedOperationException',
      });
    });

    it('marks a key scheduled for deletion PendingDeletion and refuses to use it', async () => {
      const key = await createKey(client);

      const scheduled = await client.send(
        new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }),
      );
      const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: key.keyId }));

      expect(scheduled).toMatchObject({
        KeyState: 'PendingDeletion',
        PendingWindowInDays: 7,
        KeyId: key.arn,
      });
      expect(KeyMetadata).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false });
      await expect(
        client.send(new EncryptCommand({ KeyId: key.keyId, Plaintext: bytes('x') })),
      ).rejects.toMatchObject({
        name: 'KMSInvalidStateException',
      });
    });
  });

  describe('protocol', () => {
    it('requires an Authorization header', async () => {
      const answer = await rawKmsCall(kms.endpoint, 'ListAliases', {}, {});

      expect(answer).toMatchObject({ status: 400, body: { __type: 'MissingAuthenticationTokenException' } });
    });

    it('answers UnknownOperationException for operations it does not emulate', async () => {
      const answer = await rawKmsCall(kms.endpoint, 'Sign', {});

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
      await client.send(new GenerateDataKeyCommand({ KeyId: encryptionKey.keyId, KeySpec: 'AES_256' }));
      await client.send(new GenerateDataKeyCommand({ KeyId: encryptionKey.keyId, KeySpec: 'AES_256' }));
      await client.send(new DescribeKeyCommand({ KeyId: encryptionKey.keyId }));

      const served = await (await fetch(new URL('/_stats', kms.endpoint))).json();
      const fromFunction = kms.stats();
      kms.resetStats();

      expect(served).toEqual({ GenerateDataKey: 2, DescribeKey: 1 });
      expect(fromFunction).toEqual({ GenerateDataKey: 2, DescribeKey: 1 });
      expect(kms.stats()).toEqual({});
    });

    it('listens on 127.0.0.1 only', () => {
      const addresses = listeningAddresses(Number(new URL(kms.endpoint).port));

      expect(addresses).toEqual(['127.0.0.1']);
    });
  });

  describe('AWS Encryption SDK', () => {
    it('round-trips a message through a KMS keyring with a committing suite and an encryption context', async () => {
      const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
      // The keyring calls client.generateDataKey()/decrypt(): it needs the aggregated KMS class, not bare KMSClient.
      const keyring = new KmsKeyringNode({
        generatorKeyId: encryptionKey.arn,
        clientProvider: () => new KMS(emulatorClientConfig(kms.endpoint)),
      });
      const encryptionContext = { tenant: 'tenant-1', entity: 'invoice', id: 'inv-1' };

      const { result } = await encrypt(keyring, 'line description: consulting', {
        encryptionContext,
        suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      });
      const { plaintext, messageHeader } = await decrypt(keyring, result);

      expect(plaintext.toString()).toBe('line description: consulting');
      expect(messageHeader.suiteId).toBe(
        AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      );
      expect(messageHeader.encryptionContext).toMatchObject(encryptionContext);
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
    const encrypted = await firstClient.send(
      new EncryptCommand({
        KeyId: 'alias/kept',
        Plaintext: bytes('survives'),
        EncryptionContext: { a: 'b' },
      }),
    );
    firstClient.destroy();
    await first.stop();

    const second = await startKms({ port: 0, dataDir });
    const secondClient = new KMSClient(emulatorClientConfig(second.endpoint));
    try {
      const decrypted = await secondClient.send(
        new DecryptCommand({
          CiphertextBlob: encrypted.CiphertextBlob,
          KeyId: 'alias/kept',
          EncryptionContext: { a: 'b' },
        }),
      );

      expect(Buffer.from(decrypted.Plaintext ?? []).toString()).toBe('survives');
    } finally {
      secondClient.destroy();
      await second.stop();
    }
  });

  it('keeps a 32-byte root key readable by its owner only', () => {
    const rootKeyPath = join(dataDir, 'root-key.bin');

    expect(readFileSync(rootKeyPath)).toHaveLength(32);
    expect(statSync(rootKeyPath).mode & 0o777).toBe(0o600);
  });

  it('cannot decrypt what an in-memory emulator (another root key) encrypted', async () => {
    const ephemeral = await startKms({ port: 0 });
    const ephemeralClient = new KMSClient(emulatorClientConfig(ephemeral.endpoint));
    const key = await createKey(ephemeralClient);
    const encrypted = await ephemeralClient.send(
      new EncryptCommand({ KeyId: key.keyId, Plaintext: bytes('gone') }),
    );
    ephemeralClient.destroy();
    await ephemeral.stop();

    const persistent = await startKms({ port: 0, dataDir });
    const persistentClient = new KMSClient(emulatorClientConfig(persistent.endpoint));
    try {
      await expect(
        persistentClient.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob })),
      ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    } finally {
      persistentClient.destroy();
      await persistent.stop();
    }
  });
});
