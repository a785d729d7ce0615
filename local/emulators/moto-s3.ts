// local: moto's S3 server for the Object-Locked backup bucket — a python child process started through our launcher
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { watchChild } from './child-processes';
import {
  EmulatorStartError,
  emulatorClientConfig,
  localAwsIdentity,
  type RunningEmulator,
  waitUntilAnswering,
} from './emulator';

/*
 * What moto 5.2.1's S3 does with what the backup writer and the tests send (test/tooling/moto-s3.test.ts):
 * - Object Lock holds: DeleteObject with a VersionId of a version under retention or legal hold answers 403
 *   AccessDenied, with or without BypassGovernanceRetention in COMPLIANCE mode; a plain DeleteObject adds a
 *   delete marker and the version stays readable by its VersionId.
 * - Gaps (asserted on the template and on the writer's requests instead): a shortened COMPLIANCE retention is
 *   accepted; GetObjectRetention is not implemented (moto answers the object itself, which the SDK cannot parse;
 *   HeadObject does carry ObjectLockMode and ObjectLockRetainUntilDate); bucket policies are stored but only
 *   evaluated as `s3:<Method>Object` on object requests, so a Deny of s3:DeleteObjectVersion or
 *   s3:PutObjectRetention has no effect.
 * - PutObject with If-None-Match: * answers 412 PreconditionFailed when the key exists: no second version.
 * - SSE-KMS headers are stored and echoed (HeadObject answers ServerSideEncryption and SSEKMSKeyId), but moto
 *   never calls KMS, does not check that the key exists and keeps the bytes in plain text.
 * - It keeps everything in memory; the launcher's recorder (moto-s3-launcher.py) makes a data dir persistent.
 */

export interface MotoS3Options {
  /** 0 (the default) lets the OS pick a free port; the launcher binds it itself, so there is no race. */
  port?: number;
  /**
   * Persistent mode: the request recording lives here, is replayed on start and appended to while running, so
   * buckets, versions (same VersionIds), lock configuration and retention survive a restart. Undefined keeps
   * everything in memory.
   */
  dataDir?: string;
  /** Append moto's request log and errors here; undefined keeps the last lines in memory for error messages. */
  logFile?: string;
  /** The Python interpreter moto is installed in; found as {@link findMotoServer} describes when undefined. */
  pythonCommand?: string;
  /** Includes replaying the recording, about 1.5 ms per recorded write. @default 120000 */
  readyTimeoutMs?: number;
}

export interface MotoReplayReport {
  /** Recorded writes replayed on start. */
  readonly requests: number;
  readonly milliseconds: number;
  /** A line cut short by a crash mid-write was dropped; its response had never been sent. */
  readonly droppedPartialLine: boolean;
}

export interface RunningMotoS3 extends RunningEmulator {
  /** Process id of the python process (our direct child). */
  readonly pid: number;
  readonly motoVersion: string;
  /** The recording replayed on start and appended to; undefined in memory. */
  readonly recordingFile?: string;
  /** What replaying the recording took; undefined in memory. */
  readonly replay?: MotoReplayReport;
  /**
   * Answers 200 without authentication, also once IAM is enforced (moto answers an unsigned `GET /` with 500
   * then). Use it for health checks.
   */
  readonly healthUrl: string;
  /**
   * Turns moto's IAM checks on until stop: from then on every request must be SigV4-signed with an access key of
   * a user created in moto's IAM, and that user's policies decide (see provision-backups.ts). There is no way
   * back. Not persisted: call it again after each start.
   */
  enforceIam(): Promise<void>;
}

export class MotoServerRequirementError extends Error {
  override readonly name = 'MotoServerRequirementError';
}

export interface MotoServerRuntime {
  /** The interpreter that imports moto. */
  readonly pythonCommand: string;
  readonly motoVersion: string;
}

const installHint =
  'install it with `pip install "moto[server]"` (or `pipx install "moto[server]"`), or set LEDGERLOCK_MOTO_PYTHON to the python it is installed in';
const minimumMotoMajorVersion = 5;
const execFileAsync = promisify(execFile);
const importCheck = 'import moto, moto.server, werkzeug.serving; print(moto.__version__)';

/** `moto_server` on PATH, if any; its shebang names the python it was installed in (pip, pipx, venvs). */
function pythonOfMotoServerScript(): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    const script = join(directory, 'moto_server');
    if (directory === '' || !existsSync(script)) {
      continue;
    }
    const firstLine = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
    const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(firstLine);
    const interpreter = shebang?.[1]?.endsWith('/env') ? shebang[2] : shebang?.[1];
    // A pyenv shim is a bash script; pyenv's own `python3` shim is tried first and finds that moto.
    if (interpreter?.includes('python')) {
      return interpreter;
    }
  }
  return undefined;
}

/**
 * Finds a Python that can run moto's server: `pythonCommand`, else $LEDGERLOCK_MOTO_PYTHON, else `python3`, else
 * the interpreter of `moto_server` on PATH. Throws an actionable MotoServerRequirementError when none can.
 */
export async function findMotoServer(pythonCommand?: string): Promise<MotoServerRuntime> {
  const explicit = pythonCommand ?? process.env.LEDGERLOCK_MOTO_PYTHON;
  const candidates = explicit === undefined ? ['python3', pythonOfMotoServerScript()] : [explicit];
  const failures: string[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate === undefined) {
      continue;
    }
    try {
      const { stdout } = await execFileAsync(candidate, ['-c', importCheck], { timeout: 30_000 });
      const motoVersion = stdout.trim().split('\n').at(-1) ?? '';
      const majorVersion = Number.parseInt(motoVersion.split('.')[0] ?? '', 10);
      if (!(majorVersion >= minimumMotoMajorVersion)) {
        failures.push(`${candidate} has moto ${motoVersion}, older than ${minimumMotoMajorVersion}`);
        continue;
      }
      return { pythonCommand: candidate, motoVersion };
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stderr?: string };
      const reason =
        failure.code === 'ENOENT'
          ? 'not found'
          : (failure.stderr?.trim().split('\n').at(-1) ?? failure.message);
      failures.push(`${candidate}: ${reason}`);
    }
  }
  throw new MotoServerRequirementError(
    `The backup bucket's S3 emulator needs moto ${minimumMotoMajorVersion}+ with its server extra, but no Python ` +
      `could import it (${failures.join('; ') || 'no candidate'}); ${installHint}`,
  );
}

/** Node's fetch refuses these ports (SIP), so a health check or tool could never reach an emulator there. */
const portsFetchRefuses = new Set([5060, 5061]);
const logTailLineCount = 60;
const recordingFileName = 'moto-s3-recording.jsonl';
const lockFileName = 'moto-s3.lock';

/**
 * One moto per data dir: two appending to one recording would interleave histories that neither can replay.
 * A lock left by a process that no longer runs (killed with SIGKILL) is taken over. A lock held by this very
 * process is a running instance too: stop() (also after a failed start) always removes it.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = join(dataDir, lockFileName);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      const holder = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      if (Number.isInteger(holder) && isRunning(holder)) {
        throw new EmulatorStartError(
          `moto (S3) data dir ${dataDir} is in use by process ${holder}; stop that stack first`,
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new EmulatorStartError(`could not lock moto (S3) data dir ${dataDir}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed stack whose parent died with it stays a zombie until init reaps it — in a container whose PID 1
  // reaps nothing, for ever. It holds no file and runs nothing: its lock is free. (Linux; elsewhere, alive.)
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return !existsSync('/proc/self/stat');
  }
}

/** The environment moto runs with: the local account id, fake credentials, nothing that could reach AWS. */
function motoEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // moto never calls AWS, but nothing real should be in its reach either (its dashboard shows requests).
    if (!name.startsWith('AWS_') && !name.startsWith('MOTO_')) {
      environment[name] = value;
    }
  }
  return {
    ...environment,
    MOTO_ACCOUNT_ID: '000000000000',
    AWS_ACCESS_KEY_ID: localAwsIdentity.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localAwsIdentity.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: localAwsIdentity.region,
    PYTHONUNBUFFERED: '1',
    // No __pycache__ next to the launcher in the repository.
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

interface LauncherReady {
  readonly port: number;
  readonly motoVersion: string;
  readonly replay: MotoReplayReport | null;
}

export async function startMotoS3(options: MotoS3Options = {}): Promise<RunningMotoS3> {
  const requestedPort = options.port ?? 0;
  if (portsFetchRefuses.has(requestedPort)) {
    throw new EmulatorStartError(
      `moto (S3) cannot use port ${requestedPort}: Node's fetch refuses ports ${[...portsFetchRefuses].join(' and ')}; pick another or 0`,
    );
  }
  const runtime = await findMotoServer(options.pythonCommand);
  let unlock = (): void => undefined;
  let recordingFile: string | undefined;
  if (options.dataDir !== undefined) {
    mkdirSync(options.dataDir, { recursive: true });
    unlock = lockDataDir(options.dataDir);
    recordingFile = join(options.dataDir, recordingFileName);
  }

  const launcher = fileURLToPath(new URL('./moto-s3-launcher.py', import.meta.url));
  const launcherArguments = [
    launcher,
    '--port',
    String(requestedPort),
    ...(recordingFile === undefined ? [] : ['--recording', recordingFile]),
  ];
  const logTail: string[] = [];
  const errorTarget = options.logFile === undefined ? 'pipe' : openSync(options.logFile, 'a');
  const child = spawn(runtime.pythonCommand, launcherArguments, {
    cwd: options.dataDir ?? tmpdir(),
    env: motoEnvironment(),
    stdio: ['pipe', 'pipe', errorTarget],
  });
  if (typeof errorTarget === 'number') {
    // The child holds its own copy of the descriptor.
    closeSync(errorTarget);
  }
  const watched = watchChild(child, runtime.pythonCommand);
  const exitReason = watched.exitReason;
  const keepTail = (chunk: Buffer): void => {
    logTail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    logTail.splice(0, Math.max(0, logTail.length - logTailLineCount));
  };
  child.stderr?.on('data', keepTail);
  const describeLog = (): string =>
    options.logFile === undefined
      ? `not written to a file (pass logFile); last lines:\n${logTail.join('\n')}`
      : options.logFile;

  const stop = async (): Promise<void> => {
    // The launcher exits when its stdin closes, after finishing the recording line being written.
    await watched.stop();
    unlock();
  };

  const timeoutMs = options.readyTimeoutMs ?? 120_000;
  let ready: LauncherReady;
  try {
    ready = await readyLine(child.stdout, timeoutMs, exitReason, describeLog);
  } catch (error) {
    await stop();
    throw error;
  }
  // Later stdout lines (there should be none) must not fill the pipe and block the launcher.
  child.stdout?.resume();

  const endpoint = `http://127.0.0.1:${ready.port}`;
  const client = new S3Client({ ...emulatorClientConfig(endpoint), forcePathStyle: true });
  try {
    await waitUntilAnswering({
      emulatorName: 'moto (S3)',
      endpoint,
      timeoutMs: 10_000,
      probe: () => client.send(new ListBucketsCommand({})),
      exitReason,
      describeLog,
    });
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  if (child.pid === undefined) {
    throw new Error('moto (S3) answered but its python process has no pid');
  }
  const enforceIam = async (): Promise<void> => {
    const response = await fetch(`${endpoint}/_ledgerlock/enforce-iam`, { method: 'POST' });
    if (!response.ok) {
      throw new Error(`moto (S3) refused to enforce IAM: ${response.status} ${await response.text()}`);
    }
  };
  return {
    endpoint,
    pid: child.pid,
    motoVersion: ready.motoVersion,
    ...(recordingFile === undefined ? {} : { recordingFile }),
    ...(ready.replay === null ? {} : { replay: ready.replay }),
    healthUrl: `${endpoint}/_ledgerlock/health`,
    enforceIam,
    stop,
  };
}

/** The launcher prints one JSON line once it listens (after replaying), or one naming why it cannot. */
async function readyLine(
  stdout: NodeJS.ReadableStream | null,
  timeoutMs: number,
  exitReason: () => string | undefined,
  describeLog: () => string,
): Promise<LauncherReady> {
  if (stdout === null) {
    throw new EmulatorStartError('moto (S3) launcher has no stdout to report readiness on');
  }
  const lines = createInterface({ input: stdout });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<LauncherReady>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new EmulatorStartError(
              `moto (S3) did not report readiness within ${timeoutMs} ms (replaying a long recording? raise readyTimeoutMs); its log: ${describeLog()}`,
            ),
          ),
        timeoutMs,
      );
      lines.on('line', (line) => {
        let report: { ready?: boolean; error?: string } & Partial<LauncherReady>;
        try {
          report = JSON.parse(line);
        } catch {
          return;
        }
        if (report.error !== undefined) {
          reject(
            new EmulatorStartError(`moto (S3) could not start: ${report.error}; its log: ${describeLog()}`),
          );
        } else if (report.ready === true && typeof report.port === 'number') {
          resolve({
            port: report.port,
            motoVersion: String(report.motoVersion),
            replay: report.replay ?? null,
          });
        }
      });
      lines.once('close', () =>
        // The 'exit' event may come a moment after stdout closes.
        setTimeout(
          () =>
            reject(
              new EmulatorStartError(
                `moto (S3) exited before answering (${exitReason() ?? 'stdout closed'}); its log: ${describeLog()}`,
              ),
            ),
          100,
        ),
      );
    });
  } finally {
    clearTimeout(timer);
    lines.removeAllListeners('line');
    lines.removeAllListeners('close');
    lines.close();
  }
}
