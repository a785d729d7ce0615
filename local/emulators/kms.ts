// local: KMS emulator speaking the KMS JSON 1.1 protocol (no KMS emulator exists on the registries)
import { createServer } from 'node:http';
import { DescribeKeyCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import type { RunningEmulator } from './emulator';
import { closeHttpServer, emulatorClientConfig, listenOnLoopback, waitUntilAnswering } from './emulator';
import { createKmsRequestListener } from './kms-server';

/*
 * The emulator in three parts: kms-keystore.ts (keys, aliases, AES-256-GCM and HMAC under a local root key, the
 * encryption context as AAD), kms-operations.ts (the operations the application calls, with KMS's error
 * names), kms-server.ts (the JSON protocol over HTTP). This module starts it and counts calls.
 */

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
  /** Calls received per operation since start or the last reset, e.g. `{ GenerateMac: 3, Decrypt: 7 }`. */
  stats(): Record<string, number>;
  resetStats(): void;
}

/** Answering NotFoundException for an alias nobody creates proves the whole request path works. */
async function probe(client: KMSClient): Promise<void> {
  try {
    await client.send(new DescribeKeyCommand({ KeyId: 'alias/ledgerlock-readiness-probe' }));
  } catch (error) {
    if (!(error instanceof NotFoundException)) {
      throw error;
    }
  }
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
      probe: () => probe(client),
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
