// cdk: the stateless stack — the functions grouped by privilege, the REST API in front of them, delivery, backup,
// detection and the platform alarms.
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { envNames } from '../functions/platform/config';
import {
  apiClientKey,
  auditPartitionPattern,
  invoiceDownloadPrefix,
  invoiceKey,
  sellerProfileKey,
} from '../functions/platform/key-layout';
import type { Alerts } from './alerts';
import { Api } from './api';
import { ApiAlarms } from './api-alarms';
import { AuditChain } from './audit-chain';
import { Backup } from './backup';
import type { Backups } from './backups';
import type { DataStore } from './data-store';
import { Delivery, mailFromContextKey } from './delivery';
import { Detection } from './detection';
import type { Documents } from './documents';
import type { Identity } from './identity';
import { wildcardResourceFinding } from './nag-findings';
import { ProjectFunction } from './project-function';

/** Partition-key prefix of API-client items (client id → tenant), the only items the authorizer may read. */
export const apiClientKeyPrefix = apiClientKey('').pk;

/** Partition-key patterns of the items render reads: invoices and seller profiles. */
export const renderReadablePartitionKeys = [invoiceKey('*', '*').pk, sellerProfileKey('*').pk] as const;

export interface ReservedConcurrency {
  readonly authorizer: number;
  readonly apiRead: number;
  readonly apiWrite: number;
  /** @default 20 (api-read waits on it for every PDF download) */
  readonly render?: number;
  /** @default 10 */
  readonly deliver?: number;
  /** @default 10 */
  readonly backup?: number;
  /** @default 10 */
  readonly detect?: number;
  /** @default 10 */
  readonly chain?: number;
}

export interface LedgerlockApiStackProps extends StackProps {
  /** Table and keys from the data stack. */
  readonly dataStore: DataStore;
  /** Token issuer the authorizer trusts. */
  readonly identity: Identity;
  /** The documents bucket from the data stack, where deliver stores rendered invoices. */
  readonly documents: Documents;
  /** The Object-Locked backup bucket and its key from the data stack, where backup writes every change. */
  readonly backups: Backups;
  /** The alerts topic and its key from the data stack: detect publishes to it, every alarm is routed to it. */
  readonly alerts: Alerts;
  /**
   * Sender address of invoice emails (an SES email identity is created for it).
   * @default - the `ledgerlock:mailFrom` context value (cdk.json ships the placeholder invoices@example.com)
   */
  readonly mailFrom?: string;
  /**
   * Reserved concurrency per function: a flood on one route cannot starve the others or the account.
   * The account's concurrency quota must leave 100 unreserved on top of these.
   * @default { authorizer: 50, apiRead: 50, apiWrite: 25 }
   */
  readonly reservedConcurrency?: ReservedConcurrency;
}

/**
 * Seven functions, one per privilege set (DESIGN.md):
 * - authorizer: `GetItem` on `CLIENT#` items only; no key but the table's, and that only through DynamoDB.
 * - api-read: table reads, branch keys from the key store (seal/open), generate/verify blind-index MACs, the audit
 *   key's public key (checkpoint signatures), invoking render.
 * - render: GetItem on invoices and seller profiles, branch keys from the key store, put and get documents under
 *   `documents/v1/` (and list the bucket, so a missing key answers 404).
 * - api-write: table reads and writes except the audit chain's `*#AUDIT` partitions (an explicit deny), branch
 *   keys from the key store (seal/open), generate blind-index MACs. It writes audit entries, never the chain.
 * - chain (in {@link AuditChain}): the `*#AUDIT` and `*#AUDIT#ENTRIES` partitions only, `kms:Sign` on the audit key.
 * - deliver (in {@link Delivery}): reads invoices and seller profiles, branch keys from the key store, updates only
 *   `delivery`, invokes render (for each PDF), puts documents, sends email from one address.
 * - backup (in {@link Backup}): reads both table streams, puts objects under `changes/v1/` of the backup bucket.
 * - detect (in {@link Detection}): reads and writes `DETECT#` items only, publishes to the alerts topic.
 * Branch keys are read-only here (GetItem, and kms:Decrypt on the data key for this key store's branch keys only);
 * no role here can create one, use the data key any other way, delete or disable a key or delete a table.
 */
export class LedgerlockApiStack extends Stack {
  readonly authorizerFunction: ProjectFunction;
  readonly readFunction: ProjectFunction;
  readonly writeFunction: ProjectFunction;
  /** Renders and links invoice PDFs for api-read. */
  readonly renderFunction: ProjectFunction;
  readonly api: Api;
  readonly delivery: Delivery;
  readonly backup: Backup;
  readonly detection: Detection;
  readonly auditChain: AuditChain;
  readonly apiAlarms: ApiAlarms;

  constructor(scope: Construct, id: string, props: LedgerlockApiStackProps) {
    super(scope, id, props);
    const { dataStore, identity, alerts } = props;
    const concurrency = props.reservedConcurrency ?? { authorizer: 50, apiRead: 50, apiWrite: 25 };
    const logKey = dataStore.logKey;

    this.authorizerFunction = new ProjectFunction(this, 'AuthorizerFunction', {
      entry: 'authorizer',
      description: 'Verifies bearer JWTs and maps API clients to tenants; reads CLIENT# items only',
      logKey,
      memorySize: 512,
      timeout: Duration.seconds(5),
      reservedConcurrentExecutions: concurrency.authorizer,
    });
    this.authorizerFunction.bindTable(dataStore.table, 'get-item', {
      partitionKeyPrefix: apiClientKeyPrefix,
    });
    this.authorizerFunction.bindTokenIssuer(identity);

    this.readFunction = new ProjectFunction(this, 'ReadFunction', {
      entry: 'api-read',
      description: 'Serves GET routes: reads the table and opens sealed fields; asks render for PDF links',
      logKey,
      memorySize: 1024,
      timeout: Duration.seconds(10),
      reservedConcurrentExecutions: concurrency.apiRead,
    });
    this.readFunction.bindTable(dataStore.table, 'read');
    this.readFunction.bindKeyStore(dataStore.keyStore);
    this.readFunction.bindKey(dataStore.blindIndexKey, envNames.blindIndexKeyArn, 'generate-verify-mac');
    const documentsBucket = props.documents.importBucket(this, 'DocumentsBucket');

    // GET /v1/invoices/{id}/pdf: api-read asks render, and so does deliver for each PDF it emails, which keeps pdfkit
    // (and its fonts) out of every other bundle.
    this.renderFunction = new ProjectFunction(this, 'RenderFunction', {
      entry: 'render',
      description:
        'Renders invoices to PDF: for api-read once per state, linked; for deliver, answered; reads invoices and profiles, reads and writes documents/v1/ only',
      logKey,
      memorySize: 1024,
      // Inside api-read's 10 s: a render that takes longer fails, and api-read answers 500 in time.
      timeout: Duration.seconds(8),
      // 20 for api-read's links, plus one for each deliver instance (at most 10 by default), which waits on one render.
      reservedConcurrentExecutions: concurrency.render ?? 30,
      bundlesPdfFonts: true,
    });
    this.renderFunction.bindTable(dataStore.table, 'get-item', {
      partitionKeyPatterns: renderReadablePartitionKeys,
    });
    this.renderFunction.bindKeyStore(dataStore.keyStore);
    this.renderFunction.bindBucket(documentsBucket, envNames.documentsBucket, 'put-and-link', {
      keyPrefix: invoiceDownloadPrefix,
    });
    Validations.of(this.renderFunction.runtimePolicy).acknowledge({
      id: wildcardResourceFinding(
        this.renderFunction.runtimePolicy,
        documentsBucket.arnForObjects(`${invoiceDownloadPrefix}*`),
      ),
      reason:
        'Object keys are documents/v1/<tenant>/<invoice>/v<version>-p<profile>-r<layout>.pdf, one per state of an invoice; the grant is s3:PutObject and s3:GetObject (no delete, retention or legal hold) under that prefix of this one bucket',
    });
    this.readFunction.bindRenderFunction(this.renderFunction);
    this.readFunction.bindKey(dataStore.auditKey, envNames.auditKeyArn, 'get-public-key');

    this.writeFunction = new ProjectFunction(this, 'WriteFunction', {
      entry: 'api-write',
      description: 'Serves mutations: writes the table, seals fields, computes blind indexes',
      logKey,
      memorySize: 1024,
      timeout: Duration.seconds(15),
      reservedConcurrentExecutions: concurrency.apiWrite,
    });
    // Audit entries, yes; the chain they become, never: only the chain function writes `*#AUDIT`.
    this.writeFunction.bindTable(dataStore.table, 'write', {
      deniedPartitionKeyPatterns: [auditPartitionPattern],
    });
    // Sealing derives each data key from the tenant's cached branch key: reading the key store is enough.
    this.writeFunction.bindKeyStore(dataStore.keyStore);
    this.writeFunction.bindKey(dataStore.blindIndexKey, envNames.blindIndexKeyArn, 'generate-mac');

    for (const fn of [this.authorizerFunction, this.readFunction, this.writeFunction, this.renderFunction]) {
      const reason =
        'Invoked synchronously (by API Gateway; render by api-read): a failure goes back to the caller as a 5xx; an async dead-letter queue would never receive anything';
      Validations.of(fn.function).acknowledge(
        { id: 'PCI.DSS.321-LambdaDLQ', reason },
        { id: 'Serverless-LambdaDLQ', reason },
      );
    }

    this.api = new Api(this, 'Api', {
      authorizerFunction: this.authorizerFunction.lambda,
      routeFunctions: { 'api-read': this.readFunction.lambda, 'api-write': this.writeFunction.lambda },
      logKey,
    });

    const mailFrom: unknown = props.mailFrom ?? this.node.tryGetContext(mailFromContextKey);
    if (typeof mailFrom !== 'string') {
      throw new Error(
        `${id}: no sender address; set the context value ${mailFromContextKey} in cdk.json (or pass -c ${mailFromContextKey}=invoices@your-domain.example)`,
      );
    }
    this.delivery = new Delivery(this, 'Delivery', {
      table: dataStore.table,
      keyStore: dataStore.keyStore,
      logKey,
      documentsBucket,
      mailFrom,
      renderFunction: this.renderFunction,
      alertTopic: alerts.topic,
      reservedConcurrentExecutions: concurrency.deliver,
    });

    this.backup = new Backup(this, 'Backup', {
      table: dataStore.table,
      keyStoreTable: dataStore.keyStore.table,
      backupBucket: props.backups.importBucket(this, 'BackupBucket'),
      logKey,
      alertTopic: alerts.topic,
      reservedConcurrentExecutions: concurrency.backup,
    });

    this.auditChain = new AuditChain(this, 'AuditChain', {
      table: dataStore.table,
      auditKey: dataStore.auditKey,
      logKey,
      alertTopic: alerts.topic,
      reservedConcurrentExecutions: concurrency.chain,
    });

    this.detection = new Detection(this, 'Detection', {
      table: dataStore.table,
      alerts,
      logKey,
      accessLogGroup: this.api.accessLogGroup,
      signalSources: [
        this.authorizerFunction,
        this.readFunction,
        this.writeFunction,
        this.renderFunction,
        this.delivery.deliverFunction,
        this.backup.backupFunction,
        this.auditChain.chainFunction,
      ],
      reservedConcurrentExecutions: concurrency.detect,
    });

    this.apiAlarms = new ApiAlarms(this, 'ApiAlarms', {
      alertTopic: alerts.topic,
      functions: [this.authorizerFunction, this.readFunction, this.writeFunction, this.renderFunction],
      stage: this.api.restApi.deploymentStage,
      webAclMetricName: this.api.webAclMetricName,
    });
  }

  /** Every function of the stack, each with its own role. */
  get functions(): readonly ProjectFunction[] {
    return [
      this.authorizerFunction,
      this.readFunction,
      this.writeFunction,
      this.renderFunction,
      this.delivery.deliverFunction,
      this.backup.backupFunction,
      this.detection.detectFunction,
      this.auditChain.chainFunction,
    ];
  }
}
