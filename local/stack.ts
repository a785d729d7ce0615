// local: starts the emulators, provisions and onboards them, and serves the real handlers — the API through the
// local gateway, the stream consumers through the stream pollers, detect through the logs subscription.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { AwsClients } from '../functions/adapters/aws-clients';
import { stageThrottling } from '../functions/platform/api-limits';
import { securitySignalFilterPattern } from '../functions/platform/observability';
import { openApiDocument } from '../functions/platform/openapi';
import {
  backupStreamSource,
  chainStreamSource,
  deliverStreamSource,
  detectStreamSource,
} from '../functions/platform/stream-source';
import { monitorBackups } from './backup-monitor';
import { startDynamoDb } from './emulators/dynamodb';
import { localAwsIdentity, type RunningEmulator } from './emulators/emulator';
import { startKms } from './emulators/kms';
import { startLambda } from './emulators/lambda';
import { startMotoS3 } from './emulators/moto-s3';
import { startSes } from './emulators/ses';
import { startSnsSqs } from './emulators/sns-sqs';
import { startFaultProxy } from './fault-proxy';
import { type LocalAws, type LocalConfig, localFunctions, logGroupOf } from './functions';
import { LocalGateway } from './gateway';
import { healthOf } from './health';
import { localLambdaContext } from './lambda-context';
import { appendLogLine } from './log-file';
import { type LogsSubscription, startLogsSubscription } from './logs-subscription';
import { Metering, meteredAws } from './metering';
import { onboardDemoTenants } from './onboarding';
import { localNames, provisionLocalStack } from './provision-stack';
import { type StreamPoller, startStreamPoller } from './stream-poller';
import { startSweeper } from './sweeper';
import { testHookRoutes } from './test-hooks';
import { TokenBucket } from './token-bucket';
import { LocalTokenIssuer } from './token-issuer';

export interface LocalStackOptions {
  readonly port: number;
  /** Where clients.json, endpoints.json, logs and (unless inMemory) emulator data live. */
  readonly stateDir: string;
  /** Keep every emulator in memory: nothing survives a stop. */
  readonly inMemory: boolean;
  /** Serve /_local/ test hooks (fault injection, emulator statistics). */
  readonly testHooks?: boolean;
  /** @default the deployed stage's throttling (functions/platform/api-limits.ts) */
  readonly throttling?: { readonly rateLimit: number; readonly burstLimit: number };
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
const accountId = '000000000000';
/** EventBridge invokes detect once a minute on AWS to resolve quiet alerts; locally more often, for quick tests. */
const detectTickMs = 10_000;
/**
 * EventBridge invokes deliver's sweep once a minute on AWS; locally every few seconds (LEDGERLOCK_SWEEP_INTERVAL_MS
 * overrides), so a retry or a dead deliverer's request settles at a pace a person or a test can watch.
 */
const defaultSweepIntervalMs = 5_000;

function sweepIntervalMs(): number {
  const raw = process.env.LEDGERLOCK_SWEEP_INTERVAL_MS;
  const value = raw === undefined || raw === '' ? defaultSweepIntervalMs : Number(raw);
  if (!Number.isInteger(value) || value < 100 || value > 60_000) {
    throw new Error(`LEDGERLOCK_SWEEP_INTERVAL_MS is "${raw}"; use milliseconds from 100 to 60000`);
  }
  return value;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const { stateDir } = options;
  const logDir = join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const dataDir = (name: string) => {
    const dir = join(stateDir, 'data', name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const logTo = (file: string) => (line: string) => appendLogLine(join(logDir, file), line);

  const running: RunningEmulator[] = [];
  const pollers: StreamPoller[] = [];
  let gateway: LocalGateway | undefined;
  let logs: LogsSubscription | undefined;
  let tick: NodeJS.Timeout | undefined;
  let sweeper: { stop(): Promise<void> } | undefined;
  const stopAll = async () => {
    clearInterval(tick);
    await sweeper?.stop();
    await gateway?.stop();
    // Detect still needs DynamoDB and SNS to take what is pending.
    await logs?.stop();
    await Promise.allSettled(pollers.map((poller) => poller.stop()));
    await Promise.allSettled(running.reverse().map((emulator) => emulator.stop()));
  };
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
      // moto's S3 for both buckets: it enforces Object Lock, which the backup bucket is about.
      track(
        startMotoS3({
          ...(options.inMemory ? {} : { dataDir: dataDir('moto-s3') }),
          logFile: join(logDir, 'moto-s3.log'),
        }),
      ),
      track(startSes({ port: 0 })),
      track(startSnsSqs({ port: 0 })),
    ]);
    // api-read invokes render synchronously (GET /v1/invoices/{id}/pdf); the handler is registered once built.
    const lambda = await track(startLambda({ port: 0, region: localAwsIdentity.region }));
    if (s3.replay !== undefined) {
      log(
        `S3 (moto): replayed ${s3.replay.requests} recorded writes in ${Math.round(s3.replay.milliseconds)} ms`,
      );
    }
    // The mail service is reached through a fault proxy, so tests (and a curious person) can make the next N
    // sends fail — refused, or dropped after SES took the message — without timers (POST /_local/faults/ses).
    const sesFaults = await track(
      startFaultProxy({ target: ses.endpoint, name: 'ses', log: logTo('ses-faults.log') }),
    );
    log(`emulators answering after ${Math.round(performance.now() - started)} ms`);

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
        lambda: lambda.endpoint,
      },
    };
    const clientConfig = (endpoint: string) => ({
      endpoint,
      region: aws.region,
      credentials: aws.credentials,
    });
    const provisioned = await provisionLocalStack(
      { dynamodb: dynamoDb.endpoint, kms: kms.endpoint, s3: s3.endpoint, snsSqs: snsSqs.endpoint },
      clientConfig,
      log,
    );

    const clientsFile = join(stateDir, 'clients.json');
    const clients = await onboardDemoTenants({
      clients: new AwsClients({ ...aws, s3ForcePathStyle: true }),
      tableName: localNames.table,
      keyStoreTableName: localNames.keyStoreTable,
      dataKeyArn: provisioned.dataKeyArn,
      clientsFile,
      fresh: options.inMemory,
      stateDir,
    });

    const apiBaseUrl = `http://${host}:${options.port}`;
    // Exactly what CDK sets on the functions (each reads only its own names); only the endpoints differ.
    const config: LocalConfig = {
      tableName: localNames.table,
      keyStoreTable: localNames.keyStoreTable,
      dataKeyArn: provisioned.dataKeyArn,
      blindIndexKeyArn: provisioned.blindIndexKeyArn,
      jwtIssuer: apiBaseUrl,
      jwksUrl: `${apiBaseUrl}/.well-known/jwks.json`,
      documentsBucket: localNames.documentsBucket,
      documentsKeyArn: provisioned.documentsKeyArn,
      mailFrom: localNames.mailFrom,
      backupBucket: localNames.backupBucket,
      backupKeyArn: provisioned.backupKeyArn,
      alertTopicArn: provisioned.alerts.topicArn,
      renderFunctionName: localNames.renderFunction,
      auditKeyArn: provisioned.auditKeyArn,
    };
    // With test hooks the handlers reach every emulator through a metering proxy, and each invocation is timed:
    // GET /_local/metering answers what AWS would bill (npm run cost reads it). Nothing else goes through them.
    const metering = options.testHooks ? new Metering() : undefined;
    const handlerAws = metering === undefined ? aws : await meteredAws(metering, aws, running);
    // With test hooks the authorizer reaches DynamoDB through a fault proxy of its own, so a test can show what a
    // client sees when the authorizer fails rather than refuses (POST /_local/faults/authorizer-dynamodb).
    const authorizerDynamoDbFaults = options.testHooks
      ? await track(
          startFaultProxy({
            target: handlerAws.endpoints.dynamodb ?? '',
            name: 'authorizer-dynamodb',
            log: logTo('authorizer-dynamodb-faults.log'),
          }),
        )
      : undefined;
    // Each function's log lines go to its own file (its log group) and to the logs subscription, whose filters
    // pick the security-signal lines for detect, as on AWS.
    let subscription: LogsSubscription | undefined;
    const composed = localFunctions(config, handlerAws, {
      ...(authorizerDynamoDbFaults === undefined
        ? {}
        : {
            awsOf: {
              authorizer: {
                ...handlerAws,
                endpoints: { ...handlerAws.endpoints, dynamodb: authorizerDynamoDbFaults.endpoint },
              },
            },
          }),
      onLogLine: (logGroup, line) => {
        appendLogLine(join(logDir, `${logGroup.split('/').at(-1)}.log`), line, { timestamp: false });
        subscription?.put(logGroup, line);
      },
    });
    const handlers =
      metering === undefined
        ? composed
        : (Object.fromEntries(
            Object.entries(composed).map(([name, handler]) => [name, metering.timed(name, handler)]),
          ) as typeof composed);
    lambda.register(localNames.renderFunction, handlers.render as Parameters<typeof lambda.register>[1]);
    logs = startLogsSubscription({
      handler: handlers.detect as Parameters<typeof startLogsSubscription>[0]['handler'],
      filters: [
        { name: 'AccessLogSubscription', logGroup: 'api-access', pattern: '' },
        ...(['authorizer', 'api-read', 'api-write', 'deliver', 'backup', 'render', 'chain'] as const).map(
          (name) => ({
            name: `${name}-signals`,
            logGroup: logGroupOf(name),
            pattern: securitySignalFilterPattern,
          }),
        ),
      ],
      log: logTo('logs-subscription.log'),
    });
    subscription = logs;
    tick = setInterval(() => {
      const context = localLambdaContext({
        functionName: 'detect',
        requestId: crypto.randomUUID(),
        region: aws.region,
        timeoutMs: 30_000,
      });
      void Promise.resolve(handlers.detect({ tick: true }, context)).catch((error: unknown) =>
        logTo('detect.log')(`tick failed (${(error as Error).name})`),
      );
    }, detectTickMs);

    sweeper = startSweeper(
      () =>
        handlers.deliver(
          { sweep: true },
          localLambdaContext({
            functionName: 'deliver',
            requestId: crypto.randomUUID(),
            region: aws.region,
            timeoutMs: 60_000,
          }),
        ),
      sweepIntervalMs(),
      logTo('deliver-sweep.log'),
    );

    // Each stream consumer behind the same filter, batching and failure handling as its AWS mapping.
    const backups = monitorBackups(stateDir);
    const consumer = async (
      name: string,
      tableName: string,
      source: Parameters<typeof startStreamPoller>[0]['source'],
      handler: Parameters<typeof startStreamPoller>[0]['handler'],
      queueUrl: string,
    ) => {
      pollers.push(
        await startStreamPoller({
          dynamoDbEndpoint: dynamoDb.endpoint,
          tableName,
          region: aws.region,
          credentials: { ...aws.credentials },
          source,
          handler,
          onFailure: { sqsEndpoint: snsSqs.endpoint, queueUrl },
          functionName: name,
          log: logTo(`${name}-stream.log`),
        }),
      );
    };
    const { failureQueues } = provisioned;
    type Handler = Parameters<typeof startStreamPoller>[0]['handler'];
    const { table, keyStoreTable } = localNames;
    for (const [name, tableName, source, handler, queue] of [
      ['deliver', table, deliverStreamSource, handlers.deliver, failureQueues.deliver],
      ['backup', table, backupStreamSource, backups.watch('main', handlers.backup), failureQueues.backup],
      [
        'backup-key-store',
        keyStoreTable,
        backupStreamSource,
        backups.watch('key-store', handlers.backup),
        failureQueues.backup,
      ],
      ['chain', table, chainStreamSource, handlers.chain as Handler, failureQueues.chain],
      ['detect', table, detectStreamSource, handlers.detect as Handler, failureQueues.detect],
    ] as const) {
      await consumer(name, tableName, source, handler as Handler, queue.url);
    }

    const tokenIssuer = await LocalTokenIssuer.create({
      issuer: apiBaseUrl,
      clients,
      ...(options.inMemory ? {} : { keyFile: join(stateDir, 'issuer-key.json') }),
    });

    const probes = new AwsClients({ ...aws });
    const health = healthOf({
      dynamodb: (abortSignal) =>
        probes.dynamoDb.send(new DescribeTableCommand({ TableName: localNames.table }), { abortSignal }),
      kms: (abortSignal) =>
        probes.kms.send(new DescribeKeyCommand({ KeyId: provisioned.dataKeyArn }), { abortSignal }),
      s3: (signal) => fetch(s3.healthUrl, { signal }),
      ses: (signal) => fetch(ses.endpoint, { signal }),
      sns_sqs: (signal) => fetch(snsSqs.endpoint, { signal }),
    });

    const stageBucket = new TokenBucket(options.throttling ?? stageThrottling);
    const localRoutes = testHookRoutes({
      stageBucket,
      sesFaults,
      authorizerDynamoDbFaults,
      metering,
      kms,
      logs,
      detect: handlers.detect,
      documents: probes.documents,
      region: aws.region,
    });

    gateway = new LocalGateway({
      ...(options.testHooks ? { localRoutes } : {}),
      throttle: stageBucket,
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
      onAccessLog: (line) => logs?.put('api-access', line, Number(line.requestTime)),
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
      lambda: lambda.endpoint,
      functions: { render: localNames.renderFunction },
      mailViewUrl: ses.mailViewUrl,
      tables: { main: localNames.table, keyStore: localNames.keyStoreTable },
      keys: {
        data: provisioned.dataKeyArn,
        blindIndex: provisioned.blindIndexKeyArn,
        documents: provisioned.documentsKeyArn,
        backups: provisioned.backupKeyArn,
        audit: provisioned.auditKeyArn,
      },
      mailFrom: localNames.mailFrom,
      buckets: { documents: localNames.documentsBucket, backups: localNames.backupBucket },
      topics: { alerts: provisioned.alerts.topicArn },
      queues: {
        alerts: provisioned.alerts.queueUrl,
        deliverFailures: failureQueues.deliver.url,
        backupFailures: failureQueues.backup.url,
        detectFailures: failureQueues.detect.url,
        chainFailures: failureQueues.chain.url,
      },
    };
    writeFileSync(endpointsFile, `${JSON.stringify(endpoints, null, 2)}\n`);

    return {
      apiBaseUrl,
      mailViewUrl: ses.mailViewUrl,
      endpointsFile,
      clientsFile,
      logDir,
      emulators: {
        'DynamoDB (+Streams)': dynamoDb.endpoint,
        KMS: kms.endpoint,
        'S3 (moto, Object Lock)': s3.endpoint,
        'SES v2 (via fault proxy)': sesFaults.endpoint,
        'SNS + SQS': snsSqs.endpoint,
        'Lambda (Invoke: render)': lambda.endpoint,
        'alerts inbox (SQS)': provisioned.alerts.queueUrl,
      },
      stop: async () => {
        await stopAll();
        await backups.flushed();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
