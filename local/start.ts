// local: `npm start` — the whole pipeline on this machine, against real emulators. Ctrl-C stops it all.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from './stack';
import { freeBytesUnder, lowDiskSpaceWarning, minimumFreeBytes } from './start-checks';

const usage = `Usage: npm start -- [options]

Starts Ledgerlock locally: DynamoDB Local, the KMS emulator, moto (S3), aws-ses-v2-local, fauxqs, the token
issuer and the API gateway running the real Lambda handlers. Ctrl-C stops every process it started.

Options:
  --port <n>          API port (default: $PORT or 3000)
  --state-dir <dir>   where data, logs, clients.json and endpoints.json go (default: .local)
  --in-memory         keep nothing: DynamoDB and KMS in memory, S3 in a temp dir (used by the tests)
  --test-hooks        serve /_local/ hooks: simulated SES outage, KMS call statistics (used by the tests)
  --reset             delete the data, clients and keys of earlier runs first, then start afresh
  --stage-rate-limit <n>
                      requests per second the gateway admits, bursts of twice that (default: the deployed
                      stage's 1,000, bursts of 2,000); the throughput benchmark raises it to measure past it
  -h, --help          show this help
`;

// This process is not a Lambda: CloudWatch metrics (EMF lines on stdout) have nowhere to go, so Powertools
// keeps them to itself. Tracing is off per function (local/functions.ts).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'state-dir': { type: 'string' },
    'in-memory': { type: 'boolean', default: false },
    'test-hooks': { type: 'boolean', default: false },
    reset: { type: 'boolean', default: false },
    'stage-rate-limit': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

const port = Number(values.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`--port must be a TCP port number, got "${values.port ?? process.env.PORT}"\n`);
  process.exit(2);
}
const stateDir = resolve(values['state-dir'] ?? '.local');
const say = (line: string) => process.stdout.write(`[ledgerlock] ${line}\n`);
if (values.reset) {
  rmSync(stateDir, { recursive: true, force: true });
  say(`--reset: removed ${stateDir}`);
}

const lowDisk = lowDiskSpaceWarning(stateDir, freeBytesUnder(stateDir), minimumFreeBytes());
if (lowDisk !== undefined) process.stderr.write(`[ledgerlock] ${lowDisk}\n`);

const startedAt = performance.now();
say(`starting the local stack (${values['in-memory'] ? 'in memory' : `data in ${stateDir}/data`})…`);
let stack: Awaited<ReturnType<typeof startLocalStack>>;
const stageRateLimit =
  values['stage-rate-limit'] === undefined ? undefined : Number(values['stage-rate-limit']);
if (stageRateLimit !== undefined && !(Number.isSafeInteger(stageRateLimit) && stageRateLimit >= 1)) {
  process.stderr.write(`--stage-rate-limit must be a whole number ≥ 1\n\n${usage}`);
  process.exit(2);
}
try {
  stack = await startLocalStack({
    port,
    stateDir,
    inMemory: values['in-memory'],
    testHooks: values['test-hooks'],
    ...(stageRateLimit === undefined
      ? {}
      : { throttling: { rateLimit: stageRateLimit, burstLimit: 2 * stageRateLimit } }),
    log: say,
  });
} catch (error) {
  process.stderr.write(`[ledgerlock] could not start: ${(error as Error).message}\n`);
  process.exit(1);
}
const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
say(`ready in ${seconds} s`);
say(
  `API            ${stack.apiBaseUrl}/v1   (health: ${stack.apiBaseUrl}/health, OpenAPI: ${stack.apiBaseUrl}/openapi.json)`,
);
say(`tokens         POST ${stack.apiBaseUrl}/oauth2/token (client credentials, HTTP Basic)`);
say(`demo clients   ${stack.clientsFile}`);
say(`endpoints      ${stack.endpointsFile}`);
say(`sent mail      ${stack.mailViewUrl}`);
say(`logs           ${stack.logDir}`);
for (const [service, endpoint] of Object.entries(stack.emulators)) say(`  ${service.padEnd(20)} ${endpoint}`);
say('press Ctrl-C to stop');

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping…`);
  // A stop that hangs must still end: exiting runs the hook that SIGKILLs every child (emulators/child-processes).
  setTimeout(() => {
    process.stderr.write('[ledgerlock] the stack did not stop within 20 s; killing what is left\n');
    process.exit(1);
  }, 20_000).unref();
  await stack.stop();
  say('stopped');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
