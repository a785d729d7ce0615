// test: starts one in-memory local stack (`local/start.ts`, the same entry as `npm start`) for the suite.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

declare global {
  var ledgerlockStack: ChildProcess | undefined;
}

export default async function globalSetup(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'ledgerlock-test-'));
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(
    join(process.cwd(), 'node_modules/.bin/tsx'),
    ['local/start.ts', '--in-memory', '--test-hooks', '--port', String(port), '--state-dir', stateDir],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  globalThis.ledgerlockStack = child;
  // Everything the stack prints (the handlers' logs included) is kept, so tests can check it for leaks.
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const stackLog = createWriteStream(join(stateDir, 'logs', 'stack-output.log'));
  const capture = (chunk: Buffer) => {
    output.push(chunk.toString());
    stackLog.write(chunk);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);

  const apiBaseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`local stack exited with ${child.exitCode}:\n${output.join('')}`);
    }
    try {
      const response = await fetch(`${apiBaseUrl}/health`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`local stack not healthy within 120 s:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // Test workers are started after this and inherit the environment.
  process.env.LEDGERLOCK_TEST_STATE_DIR = stateDir;
  process.env.LEDGERLOCK_TEST_API = apiBaseUrl;
}
