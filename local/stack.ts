// local: starts the emulators, provisions and onboards them, and serves the real handlers through the local
// gateway and stream poller.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { AwsClients } from '../functions/adapters/aws-clients';
import { openApiDocument } from '../functions/platform/openapi';
import { deliverStreamSource } from '../functions/platform/stream-source';
import { startDynamoDb } from './emulators/dynamodb';
import { localAwsIdentity, type RunningEmulator } from './emulators/emulator';
import { startKms } from './emulators/kms';
import { startS3 } from './emulators/s3';
import { startSes } from './emulators/ses';
import { startSnsSqs } from './emulators/sns-sqs';
import { startFaultProxy } from './fault-proxy';
import { type LocalAws, type LocalConfig, localFunctions } from './functions';
import { LocalGateway } from './gateway';
import { healthOf } from './health';
import { appendLogLine } from './log-file';
import { onboardDemoTenants } from './onboarding';
import { ensureBucket, ensureKey, ensureKeyStoreTable, ensureQueue, ensureTable } from './provision';
import { type StreamPoller, startStreamPoller } from './stream-poller';
import { LocalTokenIssuer } from './token-issuer';

export interface LocalStackOptions {
  readonly port: number;
  /** Where clients.json, endpoints.json, logs and (unless inMemory) emulator data live. */
  readonly stateDir: string;
  /** Keep DynamoDB and KMS in memory and S3 in a temp dir: nothing survives a stop. */
  readonly inMemory: boolean;
  /** Serve /_local/ test hooks (simulated outages, emulator statistics). */
  readonly testHooks?: boolean;
  readonly log?: (line: string) => void;
}

export interface LocalStack {
  readonly apiBaseUrl: string;
  readonly mailViewUrl: string;
  readonly endpointsFile: string;
  readonly clientsFile: string;
  readonly logDir: string;
  /** Each emulator's endpoint, by the AWS service it stands in for. */
  readonly emulators: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

const host = '127.0.0.1';
const tableName = 'ledgerlock-local';
const keyStoreTableName = 'ledgerlock-keystore-local';
const documentsBucket = 'ledgerlock-documents-local';
const mailFrom = 'invoices@ledgerlock.local';
const accountId = '000000000000';

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const stateDir = options.stateDir;
  const logDir = join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const dataDir = (name: string) => {
    const dir = join(stateDir, 'data', name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const scratch = options.inMemory ? mkdtempSync(join(tmpdir(), 'ledgerlock-s3-')) : undefined;

  const running: RunningEmulator[] = [];
  const stopAll = async () => {
    await Promise.allSettled(running.reverse().map((emulator) => emulator.stop()));
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  };
  let gateway: LocalGateway | undefined;
  let poller: StreamPoller | undefined;
  try {
    const started = performance.now();
    const track = async <Emulator extends RunningEmulator>(
      starting: Promise<Emulator>,
    ): Promise<Emulator> => {
      const emulator = await starting;
      running.push(emulator);
      return emulator;
    };
    const [dynamoDb, kms, s3, ses, snsSqs] = await Promise.all([
      track(
        startDynamoDb({
          port: 0,
          ...(options.inMemory ? {} : { dataDir: dataDir('dynamodb') }),
          logFile: join(logDir, 'dynamodb.log'),
        }),
      ),
      track(startKms({ port: 0, ...(options.inMemory ? {} : { dataDir: dataDir('kms') }) })),
      track(startS3({ port: 0, directory: scratch ?? dataDir('s3') })),
      track(startSes({ port: 0 })),
      track(startSnsSqs({ port: 0 })),
    ]);
    log(`emulators answering after ${Math.round(performance.now() - started)} ms`);
    // The mail service is reached through a fault proxy, so tests (and a curious person) can make the next N
    // sends fail — refused, or dropped after SES took the message — without timers (POST /_local/faults/ses).
    const sesFaults = await track(
      startFaultProxy({
        target: ses.endpoint,
        name: 'ses',
        log: (line) => appendLogLine(join(logDir, 'ses-faults.log'), line),
      }),
    );

    const aws: LocalAws = {
      region: localAwsIdentity.region,
      credentials: { ...localAwsIdentity.credentials },
      endpoints: {
        dynamodb: dynamoDb.endpoint,
        kms: kms.endpoint,
        s3: s3.endpoint,
        sesv2: sesFaults.endpoint,
        sns: snsSqs.endpoint,
        sqs: snsSqs.endpoint,
      },
    };
    const clientConfig = (endpoint: string) => ({
      endpoint,
      region: aws.region,
      credentials: aws.credentials,
    });
    await ensureTable(clientConfig(dynamoDb.endpoint), tableName);
    await ensureKeyStoreTable(clientConfig(dynamoDb.endpoint), keyStoreTableName);
    const dataKeyArn = await ensureKey(clientConfig(kms.endpoint), 'alias/ledgerlock-data', {
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      description: 'Ledgerlock: envelope encryption of sealed fields',
    });
    const blindIndexKeyArn = await ensureKey(clientConfig(kms.endpoint), 'alias/ledgerlock-blind-index', {
      keySpec: 'HMAC_256',
      keyUsage: 'GENERATE_VERIFY_MAC',
      description: 'Ledgerlock: keyed blind indexes over sealed values',
    });
    const documentsKeyArn = await ensureKey(clientConfig(kms.endpoint), 'alias/ledgerlock-documents', {
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      description: 'Ledgerlock: SSE-KMS of the documents bucket',
    });
    await ensureBucket(clientConfig(s3.endpoint), documentsBucket);
    const deliverFailures = await ensureQueue(clientConfig(snsSqs.endpoint), 'ledgerlock-deliver-failures');

    const clientsFile = join(stateDir, 'clients.json');
    const provisioning = new AwsClients({ ...aws, s3ForcePathStyle: true });
    const clients = await onboardDemoTenants({
      clients: provisioning,
      tableName,
      keyStoreTableName,
      dataKeyArn,
      clientsFile,
      fresh: options.inMemory,
      stateDir,
    });

    const apiBaseUrl = `http://${host}:${options.port}`;
    // Exactly what CDK sets on the functions (each reads only its own names); only the endpoints differ.
    const config: LocalConfig = {
      tableName,
      keyStoreTable: keyStoreTableName,
      dataKeyArn,
      blindIndexKeyArn,
      jwtIssuer: apiBaseUrl,
      jwksUrl: `${apiBaseUrl}/.well-known/jwks.json`,
      documentsBucket,
      documentsKeyArn,
      mailFrom,
    };
    const handlers = localFunctions(config, aws);

    // The deliver function runs behind the same filter, batching and failure handling as its AWS mapping.
    const deliverLog = join(logDir, 'deliver-stream.log');
    poller = await startStreamPoller({
      dynamoDbEndpoint: dynamoDb.endpoint,
      tableName,
      region: aws.region,
      credentials: { ...aws.credentials },
      source: deliverStreamSource,
      handler: handlers.deliver,
      onFailure: { sqsEndpoint: snsSqs.endpoint, queueUrl: deliverFailures.url },
      functionName: 'deliver',
      log: (line) => appendLogLine(deliverLog, line),
    });
    const tokenIssuer = await LocalTokenIssuer.create({
      issuer: apiBaseUrl,
      clients,
      ...(options.inMemory ? {} : { keyFile: join(stateDir, 'issuer-key.json') }),
    });

    const probes = new AwsClients({ ...aws });
    const health = healthOf({
      dynamodb: (abortSignal) =>
        probes.dynamoDb.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal }),
      kms: (abortSignal) => probes.kms.send(new DescribeKeyCommand({ KeyId: dataKeyArn }), { abortSignal }),
      s3: (signal) => fetch(s3.endpoint, { signal }),
      ses: (signal) => fetch(ses.endpoint, { signal }),
      sns_sqs: (signal) => fetch(snsSqs.endpoint, { signal }),
    });

    const localRoutes = {
      /** Deterministic faults of the mail service: `{ "action": "inject", "kind": "refuse", "count": 2, … }`. */
      'POST /_local/faults/ses': (body: string) => sesFaults.handleControl(body),
      /** Refuses every send for a while (a second call extends it); the mail view stays reachable. */
      'POST /_local/ses/outage': async (body: string) => {
        const milliseconds = Math.min(
          Math.max(Number(JSON.parse(body || '{}').milliseconds ?? 3000), 0),
          120_000,
        );
        return {
          outage: sesFaults.outage({ match: { path: '/v2/' }, durationMs: milliseconds }),
          milliseconds,
        };
      },
      'GET /_local/kms/stats': async () => kms.stats(),
      'POST /_local/kms/stats/reset': async () => {
        kms.resetStats();
        return { reset: true };
      },
    };

    gateway = new LocalGateway({
      ...(options.testHooks ? { localRoutes } : {}),
      host,
      port: options.port,
      region: aws.region,
      accountId,
      authorizer: handlers.authorizer,
      functions: { 'api-read': handlers['api-read'], 'api-write': handlers['api-write'] },
      tokenIssuer,
      openApi: () => openApiDocument({ serverUrl: apiBaseUrl, tokenUrl: `${apiBaseUrl}/oauth2/token` }),
      health,
      accessLogFile: join(logDir, 'api-access.log'),
    });
    await gateway.start();

    const endpointsFile = join(stateDir, 'endpoints.json');
    const endpoints = {
      apiBaseUrl,
      region: aws.region,
      credentials: { ...aws.credentials },
      dynamodb: dynamoDb.endpoint,
      s3: s3.endpoint,
      // What the handlers talk to: the fault proxy in front of the SES emulator.
      ses: sesFaults.endpoint,
      sns: snsSqs.endpoint,
      sqs: snsSqs.endpoint,
      kms: kms.endpoint,
      mailViewUrl: ses.mailViewUrl,
      tables: { main: tableName, keyStore: keyStoreTableName },
      keys: { data: dataKeyArn, blindIndex: blindIndexKeyArn, documents: documentsKeyArn },
      mailFrom,
      buckets: { documents: documentsBucket },
      topics: {},
      queues: { deliverFailures: deliverFailures.url },
    };
    writeFileSync(endpointsFile, `${JSON.stringify(endpoints, null, 2)}\n`);

    const runningGateway = gateway;
    const runningPoller = poller;
    return {
      apiBaseUrl,
      mailViewUrl: ses.mailViewUrl,
      endpointsFile,
      clientsFile,
      logDir,
      emulators: {
        'DynamoDB (+Streams)': dynamoDb.endpoint,
        KMS: kms.endpoint,
        S3: s3.endpoint,
        'SES v2': ses.endpoint,
        'SNS + SQS': snsSqs.endpoint,
      },
      stop: async () => {
        await runningGateway.stop();
        await runningPoller.stop();
        await stopAll();
      },
    };
  } catch (error) {
    await gateway?.stop();
    await poller?.stop();
    await stopAll();
    throw error;
  }
}
