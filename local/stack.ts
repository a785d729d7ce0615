// local: starts the emulators, provisions them, and serves the real handlers through the local gateway.
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbApiClientDirectory } from '../functions/adapters/dynamodb-api-client-directory';
import { DynamoDbSellerProfiles } from '../functions/adapters/dynamodb-seller-profiles';
import {
  branchKeyStore,
  createTenantBranchKey,
  EncryptionSdkSealer,
  tenantBranchKeyExists,
  tenantHierarchicalKeyring,
} from '../functions/adapters/encryption-sdk-sealer';
import type { SellerProfile } from '../functions/domain/seller';
import { envNames } from '../functions/platform/config';
import { IntegrityError } from '../functions/platform/errors';
import { openApiDocument } from '../functions/platform/openapi';
import { scopePrefix, scopes } from '../functions/platform/routes';
import { deliverStreamSource } from '../functions/platform/stream-source';
import { startDynamoDb } from './emulators/dynamodb';
import { localAwsIdentity, type RunningEmulator } from './emulators/emulator';
import { startKms } from './emulators/kms';
import { startS3 } from './emulators/s3';
import { startSes } from './emulators/ses';
import { startSnsSqs } from './emulators/sns-sqs';
import { LocalGateway } from './gateway';
import { ensureBucket, ensureKey, ensureKeyStoreTable, ensureQueue, ensureTable } from './provision';
import { type StreamPoller, startStreamPoller } from './stream-poller';
import { type LocalClient, LocalTokenIssuer } from './token-issuer';

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
const allScopes = scopes.map((scope) => `${scopePrefix}${scope}`);

function newTenantId(): string {
  return `ten_${randomBytes(12).toString('hex')}`;
}

function newClient(tenantId: string, scopes: readonly string[]): LocalClient {
  return {
    tenantId,
    clientId: `cli_${randomBytes(12).toString('hex')}`,
    clientSecret: randomBytes(32).toString('base64url'),
    scopes,
  };
}

/** Two demo tenants with a read-write client each, plus a read-only and an admin client for the first. */
function demoClients(): LocalClient[] {
  const first = newTenantId();
  const second = newTenantId();
  const readWrite = [`${scopePrefix}invoices:read`, `${scopePrefix}invoices:write`];
  return [
    newClient(first, readWrite),
    newClient(second, readWrite),
    newClient(first, [`${scopePrefix}invoices:read`]),
    newClient(first, allScopes),
  ];
}

/** What each demo tenant's invoices say about the seller (on AWS, tenant onboarding stores this). */
function demoSeller(index: number): SellerProfile {
  const names = ['Acme Demo GmbH', 'Globex Demo Ltd'];
  return {
    name: names[index] ?? `Demo Seller ${index + 1}`,
    address: { line1: 'Friedrichstraße 100', city: 'Berlin', postalCode: '10117', country: 'DE' },
    taxId: `DE12345678${index}`,
    email: `billing${index + 1}@demo.ledgerlock.local`,
    paymentInstructions: `IBAN DE02 1203 0000 0000 2020 5${index} · BIC BYLADEM1001 · quote the invoice number`,
  };
}

function loadOrCreateClients(file: string, reuse: boolean): LocalClient[] {
  if (reuse && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalClient[];
  return demoClients();
}

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

    const clientConfig = (endpoint: string) => ({
      endpoint,
      region: localAwsIdentity.region,
      credentials: { ...localAwsIdentity.credentials },
    });
    await ensureTable(clientConfig(dynamoDb.endpoint), tableName);
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
    const clients = loadOrCreateClients(clientsFile, !options.inMemory);
    const directory = new DynamoDbApiClientDirectory({
      tableName,
      client: DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(dynamoDb.endpoint))),
    });
    for (const client of clients) {
      await directory.register({ clientId: client.clientId, tenantId: client.tenantId, status: 'active' });
    }
    writeFileSync(clientsFile, `${JSON.stringify(clients, null, 2)}\n`, { mode: 0o600 });
    // Tenant onboarding, as an ops command does it on AWS: a branch key, then the seller profile.
    await ensureKeyStoreTable(clientConfig(dynamoDb.endpoint), keyStoreTableName);
    const keyStore = branchKeyStore({
      tableName: keyStoreTableName,
      kmsKeyArn: dataKeyArn,
      dynamoDb: new DynamoDBClient(clientConfig(dynamoDb.endpoint)),
      kms: new KMSClient(clientConfig(kms.endpoint)),
    });
    const sellers = new DynamoDbSellerProfiles({
      tableName,
      client: DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(dynamoDb.endpoint))),
      sealer: new EncryptionSdkSealer(tenantHierarchicalKeyring(keyStore)),
    });
    const tenants = [...new Set(clients.map((client) => client.tenantId))];
    for (const [index, tenantId] of tenants.entries()) {
      if (!(await tenantBranchKeyExists(keyStore, tenantId))) await createTenantBranchKey(keyStore, tenantId);
      let seller: SellerProfile | undefined;
      try {
        seller = await sellers.get(tenantId);
      } catch (error) {
        if (!(error instanceof IntegrityError)) throw error;
        throw new Error(
          `the data in ${stateDir} cannot be opened with this version's keys (it was sealed by an older one); ` +
            'start with --reset to begin with fresh data',
          { cause: error },
        );
      }
      if (seller === undefined) await sellers.put(tenantId, demoSeller(index));
    }

    const apiBaseUrl = `http://${host}:${options.port}`;
    // The handlers read configuration from the environment exactly as in Lambda; only endpoints differ.
    Object.assign(process.env, {
      AWS_REGION: localAwsIdentity.region,
      AWS_DEFAULT_REGION: localAwsIdentity.region,
      AWS_ACCESS_KEY_ID: localAwsIdentity.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localAwsIdentity.credentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_SESV2: ses.endpoint,
      AWS_ENDPOINT_URL_SNS: snsSqs.endpoint,
      AWS_ENDPOINT_URL_SQS: snsSqs.endpoint,
      [envNames.tableName]: tableName,
      [envNames.dataKeyArn]: dataKeyArn,
      [envNames.keyStoreTable]: keyStoreTableName,
      [envNames.blindIndexKeyArn]: blindIndexKeyArn,
      [envNames.jwtIssuer]: apiBaseUrl,
      [envNames.jwksUrl]: `${apiBaseUrl}/.well-known/jwks.json`,
      [envNames.documentsBucket]: documentsBucket,
      [envNames.documentsKeyArn]: documentsKeyArn,
      [envNames.mailFrom]: mailFrom,
      [envNames.s3ForcePathStyle]: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;

    const [authorizer, apiRead, apiWrite, deliver] = await Promise.all([
      import('../functions/authorizer/handler'),
      import('../functions/api-read/handler'),
      import('../functions/api-write/handler'),
      import('../functions/deliver/handler'),
    ]);
    // The deliver function runs behind the same filter, batching and failure handling as its AWS mapping.
    const deliverLog = join(logDir, 'deliver-stream.log');
    poller = await startStreamPoller({
      dynamoDbEndpoint: dynamoDb.endpoint,
      tableName,
      region: localAwsIdentity.region,
      credentials: { ...localAwsIdentity.credentials },
      source: deliverStreamSource,
      handler: deliver.handler,
      onFailure: { sqsEndpoint: snsSqs.endpoint, queueUrl: deliverFailures.url },
      functionName: 'deliver',
      log: (line) => appendFileSync(deliverLog, `${new Date().toISOString()} ${line}\n`),
    });
    const tokenIssuer = await LocalTokenIssuer.create({
      issuer: apiBaseUrl,
      clients,
      ...(options.inMemory ? {} : { keyFile: join(stateDir, 'issuer-key.json') }),
    });

    const dynamoDbProbe = new DynamoDBClient({ ...clientConfig(dynamoDb.endpoint), maxAttempts: 1 });
    const kmsProbe = new KMSClient({ ...clientConfig(kms.endpoint), maxAttempts: 1 });
    const health = async () => {
      const checks = {
        dynamodb: () => dynamoDbProbe.send(new DescribeTableCommand({ TableName: tableName })),
        kms: () => kmsProbe.send(new DescribeKeyCommand({ KeyId: dataKeyArn })),
        s3: () => fetch(s3.endpoint),
        ses: () => fetch(ses.endpoint),
        sns_sqs: () => fetch(snsSqs.endpoint),
      };
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await check();
            return [name, 'ok'] as const;
          } catch (error) {
            return [name, `unavailable: ${(error as Error).message}`] as const;
          }
        }),
      );
      return { ok: results.every(([, status]) => status === 'ok'), services: Object.fromEntries(results) };
    };

    let currentSes = ses;
    const sesPort = Number(new URL(ses.endpoint).port);
    const localRoutes = {
      /** Takes the mail service away for a while, as an SES outage would, then brings it back on its port. */
      'POST /_local/ses/outage': async (body: string) => {
        const milliseconds = Math.min(
          Math.max(Number(JSON.parse(body || '{}').milliseconds ?? 3000), 0),
          60_000,
        );
        await currentSes.stop();
        setTimeout(() => {
          void startSes({ port: sesPort }).then((restarted) => {
            currentSes = restarted;
            running.push(restarted);
          });
        }, milliseconds);
        return { outage: 'started', milliseconds };
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
      region: localAwsIdentity.region,
      accountId,
      authorizer: authorizer.handler,
      functions: { 'api-read': apiRead.handler, 'api-write': apiWrite.handler },
      tokenIssuer,
      openApi: () => openApiDocument({ serverUrl: apiBaseUrl, tokenUrl: `${apiBaseUrl}/oauth2/token` }),
      health,
      accessLogFile: join(logDir, 'api-access.log'),
    });
    await gateway.start();

    const endpointsFile = join(stateDir, 'endpoints.json');
    const endpoints = {
      apiBaseUrl,
      region: localAwsIdentity.region,
      credentials: { ...localAwsIdentity.credentials },
      dynamodb: dynamoDb.endpoint,
      s3: s3.endpoint,
      ses: ses.endpoint,
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
