// test: the local stack as a person runs it — `npm start` stops every process it started on SIGTERM and frees its
// ports, a log line that cannot be written (a full disk) never stops it, and it warns when the disk is nearly full.
// With the integration tests, which run one at a time: a second whole stack must not starve the parallel tiers.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { portOutsideEphemeralRange } from '../../local/emulators/ports';
import { appendLogLine } from '../../local/log-file';
import { lowDiskSpaceWarning } from '../../local/start-checks';

/** Every process below `pid`, from /proc (Linux): children, their children, … */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which may hold spaces) start after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const child of parents.get(parent) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0 until its parent reaps it; it holds no port and runs nothing.
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function portsOf(endpoints: Record<string, unknown>): number[] {
  return Object.values(endpoints)
    .filter((value): value is string => typeof value === 'string' && value.startsWith('http://127.0.0.1:'))
    .map((url) => Number(new URL(url).port));
}

describe('the local stack process', () => {
  describe('SIGTERM to `npm start`', () => {
    let child: ChildProcess | undefined;
    let stateDir = '';

    afterEach(() => {
      // Whatever the test found, nothing it started may outlive it (the group is the stack's alone).
      if (child?.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(stateDir, { recursive: true, force: true });
    });

    it('stops every child (the stack’s node, java, python) and frees the ports', async () => {
      stateDir = mkdtempSync(join(tmpdir(), 'ledgerlock-sigterm-'));
      const port = await portOutsideEphemeralRange();
      child = spawn('npm', ['start', '--', '--in-memory', '--port', String(port), '--state-dir', stateDir], {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_OPTIONS: '' },
        // Its own process group, only so the afterEach can clean up after a failure.
        detached: true,
      });
      const output: string[] = [];
      child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));

      const deadline = Date.now() + 120_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output.join('')}`);
        const healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
          (response) => response.status === 200,
          () => false,
        );
        if (healthy) break;
        if (Date.now() > deadline) throw new Error(`not healthy in time:\n${output.join('')}`);
        await sleep(250);
      }
      const topPid = child.pid ?? 0;
      const descendants = descendantsOf(topPid);
      const commands = descendants.map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          return '';
        }
      });
      // What it must stop: the stack's node, DynamoDB Local's java, moto's python.
      expect(commands.some((command) => command.includes('java'))).toBe(true);
      expect(commands.some((command) => command.includes('moto'))).toBe(true);
      expect(commands.some((command) => command.includes('local/start.ts'))).toBe(true);
      const endpoints = JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8'));
      const ports = [port, ...portsOf(endpoints)];

      process.kill(topPid, 'SIGTERM');
      expect(await exited).toBe(0);
      // Children reparented after their parent exited get a moment to finish exiting.
      const settleBy = Date.now() + 15_000;
      while (descendants.some(alive) && Date.now() < settleBy) await sleep(100);
      expect(descendants.filter(alive)).toEqual([]);
      for (const used of ports)
        expect({ port: used, free: await portIsFree(used) }).toEqual({ port: used, free: true });
      expect(output.join('')).toContain('SIGTERM: stopping');
    });
  });

  describe('log lines', () => {
    it('reports a log file it cannot write (a full disk) once on stderr and goes on', async () => {
      const written: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      // The log writer reports on stderr; capture it without jest's module mocks (the project runs as ESM).
      process.stderr.write = ((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      try {
        // /dev/full answers every write with ENOSPC, as a full disk does.
        for (let line = 0; line < 5; line += 1) appendLogLine('/dev/full', `line ${line}`);
        const deadline = Date.now() + 5_000;
        while (written.length === 0 && Date.now() < deadline) await sleep(20);
        await sleep(100);
      } finally {
        process.stderr.write = write;
      }
      expect(written).toEqual([
        expect.stringMatching(/cannot write \/dev\/full \(ENOSPC\); lines are dropped/),
      ]);
    });
  });

  describe('free disk space', () => {
    it('warns when the state directory has less free space than the threshold', () => {
      const warning = lowDiskSpaceWarning('/var/state', 512 * 1024 ** 2, 1024 ** 3);
      expect(warning).toMatch(/only 512 MiB free under \/var\/state/);
      expect(warning).toMatch(/can lose the last writes/);
    });

    it('says nothing when there is enough', () => {
      expect(lowDiskSpaceWarning('/var/state', 5 * 1024 ** 3, 1024 ** 3)).toBeUndefined();
    });
  });
});
