// local: runs `local/start.ts` as a child process (in memory, on a free port) and waits until it is healthy —
// for the integration tests' global setup and the benchmarks, which need the real stack, not a copy of it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portOutsideEphemeralRange } from './emulators/ports';

export interface StackProcess {
  readonly apiBaseUrl: string;
  readonly stateDir: string;
  readonly child: ChildProcess;
  /** Milliseconds from spawning the process to the first 200 from /health. */
  readonly healthyAfterMs: number;
}

export interface StackProcessOptions {
  readonly testHooks?: boolean;
  /** `--stage-rate-limit`: requests per second the gateway admits (bursts of twice that). */
  readonly stageRateLimit?: number;
  readonly timeoutMs?: number;
  /**
   * Persistent mode in this directory (as `npm start` keeps data), instead of in memory in a temporary one; a
   * second start with the same directory finds the data again.
   */
  readonly stateDir?: string;
  /**
   * @default a free port below the ephemeral range, which nothing else is handed meanwhile (portOutsideEphemeralRange)
   */
  readonly port?: number;
  /** Extra environment for the stack (e.g. shorter delivery retries for a test). @default none */
  readonly env?: Readonly<Record<string, string>>;
}

export async function startStackProcess(options: StackProcessOptions = {}) {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'ledgerlock-stack-'));
  const port = options.port ?? (await portOutsideEphemeralRange());
  const output: string[] = [];
  const started = performance.now();
  const child = spawn(
    join(process.cwd(), 'node_modules/.bin/tsx'),
    [
      'local/start.ts',
      ...(options.stateDir === undefined ? ['--in-memory'] : []),
      ...(options.testHooks ? ['--test-hooks'] : []),
      ...(options.stageRateLimit === undefined ? [] : ['--stage-rate-limit', String(options.stageRateLimit)]),
      '--port',
      String(port),
      '--state-dir',
      stateDir,
    ],
    // Its own process group, so a test can kill the stack and everything it started at once (killStackProcess).
    {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env, NODE_OPTIONS: '' },
      detached: true,
    },
  );
  // Everything the stack prints (the handlers' logs included) is kept, so tests can check it for leaks.
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const stackLog = createWriteStream(join(stateDir, 'logs', 'stack-output.log'), { flags: 'a' });
  const capture = (chunk: Buffer) => {
    output.push(chunk.toString());
    stackLog.write(chunk);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);

  const apiBaseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`local stack exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      if ((await fetch(`${apiBaseUrl}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopStackProcess({ child, stateDir });
      throw new Error(`local stack not healthy in time:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    apiBaseUrl,
    stateDir,
    child,
    healthyAfterMs: Math.round(performance.now() - started),
  } satisfies StackProcess;
}

/**
 * SIGTERM, then SIGKILL after 15 s; resolves when the process (and so its emulators) is gone and its state
 * directory (logs, clients.json) is removed.
 */
export async function stopStackProcess(stack: Pick<StackProcess, 'child' | 'stateDir'>): Promise<void> {
  const { child } = stack;
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timeout);
  }
  rmSync(stack.stateDir, { recursive: true, force: true });
}

/** SIGKILL to the stack's whole process group — the stack, tsx, Java, Python — as a crash or `kill -9` would. */
export async function killStackProcess(stack: Pick<StackProcess, 'child'>): Promise<void> {
  const { child } = stack;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGKILL');
  await exited;
}
