// local: what every emulator module shares — the running-emulator shape, the local AWS identity, readiness polling
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** What each `start…` function resolves to once the emulator really answers requests. */
export interface RunningEmulator {
  /** Base URL to give an SDK client as `endpoint`, always on 127.0.0.1. */
  readonly endpoint: string;
  /** Ends the emulator (server closed, child process gone); safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Region and fake credentials the probes use. The emulators accept any credentials (none validates
 * SigV4), so the local stack may use others; these only guarantee that no probe ever reads real ones
 * from the environment or a profile.
 */
export const localAwsIdentity = {
  region: 'eu-central-1',
  credentials: { accessKeyId: 'LEDGERLOCKLOCAL', secretAccessKey: 'ledgerlock-local-secret' },
} as const;

/** SDK client settings for talking to an emulator: explicit endpoint, region and fake credentials, no retries. */
export function emulatorClientConfig(endpoint: string): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
} {
  return {
    endpoint,
    region: localAwsIdentity.region,
    credentials: { ...localAwsIdentity.credentials },
    // A probe must fail fast so the readiness loop, not the SDK's retry policy, decides how long to wait.
    maxAttempts: 1,
    // Without throwOnRequestTimeout the SDK only logs a warning and keeps waiting on a silent socket.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
  };
}

/**
 * Wraps a log sink so that a line that cannot be written (disk full, log directory removed) never stops the tool
 * writing it: the first failure is reported once on stderr, and that line and any later failing one are dropped.
 */
export function guardedLog(log: (line: string) => void, owner: string): (line: string) => void {
  let reported = false;
  return (line) => {
    try {
      log(line);
    } catch (error) {
      if (reported) {
        return;
      }
      reported = true;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      try {
        process.stderr.write(`${owner}: cannot write its log (${reason}); failing lines are dropped\n`);
      } catch {
        // stderr itself is gone: there is nowhere left to report to.
      }
    }
  };
}

export class EmulatorStartError extends Error {
  override readonly name = 'EmulatorStartError';
}

export interface ReadinessOptions {
  /** Human name used in the error, e.g. 'DynamoDB Local'. */
  emulatorName: string;
  endpoint: string;
  /** Where to look when it fails: a log file path, or the captured output itself. */
  describeLog: () => string;
  /** One real request through the SDK; resolving means the emulator answers. */
  probe: () => Promise<unknown>;
  /** Returns a reason when the emulator process is already gone, so we fail at once instead of at the deadline. */
  exitReason?: () => string | undefined;
  timeoutMs: number;
}

/** One probe may not hang the loop: something else on the port may accept connections and never answer. */
const probeTimeoutMs = 3_000;

async function withinMilliseconds<Result>(work: Promise<Result>, timeoutMs: number): Promise<Result> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it succeeds, the process exits, or the deadline passes. Resolves with the milliseconds waited. */
export async function waitUntilAnswering(options: ReadinessOptions): Promise<number> {
  const startedAt = performance.now();
  const deadline = startedAt + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const exitReason = options.exitReason?.();
    if (exitReason !== undefined) {
      throw new EmulatorStartError(
        `${options.emulatorName} exited before answering at ${options.endpoint} (${exitReason}); its log: ${options.describeLog()}`,
      );
    }
    try {
      await withinMilliseconds(options.probe(), probeTimeoutMs);
      return Math.round(performance.now() - startedAt);
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const lastMessage =
        lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError);
      throw new EmulatorStartError(
        `${options.emulatorName} did not answer at ${options.endpoint} within ${options.timeoutMs} ms ` +
          `(last probe error: ${lastMessage}); its log: ${options.describeLog()}`,
        { cause: lastError },
      );
    }
    await sleep(100);
  }
}

/** Listens on 127.0.0.1 and resolves with the bound port, or rejects with a message naming the emulator. */
export async function listenOnLoopback(server: Server, port: number, emulatorName: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(
        new EmulatorStartError(`${emulatorName} could not listen on 127.0.0.1:${port}: ${error.message}`),
      );
    };
    server.once('error', onError);
    server.listen({ port, host: '127.0.0.1' }, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new EmulatorStartError(`${emulatorName} listened but reported no TCP address`));
        return;
      }
      resolve(address.port);
    });
  });
}

/** Closes a Node HTTP server including idle keep-alive sockets, which would otherwise hold `close()` open. */
export async function closeHttpServer(server: Server): Promise<void> {
  if (!server.listening) {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
