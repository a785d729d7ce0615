// cdk: the one Lambda construct — project defaults plus bind methods that set an env var and grant in one call.
import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as ses from 'aws-cdk-lib/aws-ses';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envNames } from '../functions/platform/config';
import { assertValidStreamSource, type StreamSourceDefinition } from '../functions/platform/stream-source';
import { tableDefinition } from '../functions/platform/table-definition';
import { type BranchKeyStoreReference, runtimeBranchKeyTypes } from './key-store';

/** What `bindMailIdentity` accepts as a sender: a plain address, no display name (SES matches it exactly). */
export const emailAddressPattern =
  /^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Repository root: entries are resolved against it and esbuild bundles from it. */
const projectRoot = path.resolve(import.meta.dirname, '..');

/** Entry folders under `functions/` that hold a `lambda.ts` (the AWS module) beside their `handler.ts`. */
export type FunctionEntry = 'authorizer' | 'api-read' | 'api-write' | 'deliver';

/**
 * The pdfkit standard-font modules (`node_modules/pdfkit/js/standard-fonts/<name>.cjs`) a PDF-rendering bundle
 * carries: the fonts functions/adapters/pdfkit-invoice-renderer.ts draws with (Helvetica, Helvetica-Bold).
 */
export const bundledPdfFonts = ['Helvetica', 'HelveticaBold'] as const;

/**
 * Commands that make pdfkit's standard fonts loadable next to a single-file ESM bundle: copy the font modules
 * (and the files they require) to `<outputDir>/standard-fonts/` and write `<outputDir>/package.json` whose
 * `imports` map resolves pdfkit's `#standard-fonts/*` there (see lib/bundle-pdf-fonts.mjs). One `node` call
 * with quoted paths, so bash, cmd and Docker bundling all run it.
 */
export function pdfFontBundlingCommands(inputDir: string, outputDir: string): string[] {
  const script = path.join(inputDir, 'lib', 'bundle-pdf-fonts.mjs');
  const quote = (value: string) => `"${value}"`;
  return [`node ${[script, inputDir, outputDir].map(quote).join(' ')} ${bundledPdfFonts.join(' ')}`];
}

/**
 * How a function may touch the table.
 * - `get-item`: single-item `GetItem` only (key look-ups such as API client → tenant).
 * - `read`: `GetItem`, `BatchGetItem`, `Query`, `ConditionCheckItem` on the table and its indexes. No `Scan`:
 *   nothing may read across tenants.
 * - `write`: `read` plus `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`. `TransactWriteItems` and
 *   `TransactGetItems` have no IAM action of their own; IAM authorises each item's Put/Update/Delete/ConditionCheck.
 * - `update-attributes`: `GetItem`, plus `UpdateItem` that may name only the key attributes and
 *   {@link BindTableOptions.updatableAttributes} (IAM `dynamodb:Attributes`). No Put, Delete, Query or index.
 */
export type TableAccess = 'get-item' | 'read' | 'write' | 'update-attributes';

/**
 * How a function may use a KMS key through `bindKey`.
 * - `generate-mac`: `kms:GenerateMac` (compute blind-index values).
 * - `generate-verify-mac`: `kms:GenerateMac`, `kms:VerifyMac`.
 * The data key (`DATA_KEY_ARN`) is not bound here: it only wraps branch keys, see `bindKeyStore`.
 */
export type KeyAccess = 'generate-mac' | 'generate-verify-mac';

/** The env vars `bindKey` sets to a key ARN: MAC keys only. */
const macKeyEnvNames = [envNames.blindIndexKeyArn] as const;
export type KeyEnvName = (typeof macKeyEnvNames)[number];

const keyActions: Readonly<Record<KeyAccess, readonly string[]>> = {
  'generate-mac': ['kms:GenerateMac'],
  'generate-verify-mac': ['kms:GenerateMac', 'kms:VerifyMac'],
};

const tableActions: Readonly<Record<TableAccess, readonly string[]>> = {
  'get-item': ['dynamodb:GetItem'],
  // UpdateItem is granted in a statement of its own, under the attribute condition (see bindTable).
  'update-attributes': ['dynamodb:GetItem'],
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  write: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
};

/** What DynamoDB itself needs from the table's encryption key on the caller's behalf. */
const tableKeyActions: Readonly<Record<TableAccess, readonly string[]>> = {
  'get-item': ['kms:Decrypt'],
  read: ['kms:Decrypt'],
  write: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  'update-attributes': ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
};

/**
 * How a function may use a bucket.
 * - `put`: `s3:PutObject` on the bucket's objects, and `kms:GenerateDataKey` on its key through S3 only.
 *   No read, no delete, no listing.
 */
export type BucketAccess = 'put';

/** The env vars that carry a bucket name, and the env var that carries that bucket's KMS key ARN. */
const bucketKeyEnvNames = {
  [envNames.documentsBucket]: envNames.documentsKeyArn,
} as const;
export type BucketEnvName = keyof typeof bucketKeyEnvNames;

/** Where a token comes from: what the authorizer needs to verify it. */
export interface TokenIssuer {
  /** The `iss` claim tokens carry. */
  readonly issuerUrl: string;
  /** Where the issuer publishes its signing keys. */
  readonly jwksUrl: string;
}

export interface BindTableOptions {
  /**
   * Only items whose partition key starts with this prefix (IAM `dynamodb:LeadingKeys`). `get-item` only.
   * @default - every item of the table
   */
  readonly partitionKeyPrefix?: string;
  /**
   * Only items whose partition key matches one of these IAM `StringLike` patterns (`dynamodb:LeadingKeys`), for
   * keys whose fixed part is not a prefix, such as `*#INVOICE#*` behind the tenant id. `get-item` and
   * `update-attributes` only.
   * @default - every item of the table
   */
  readonly partitionKeyPatterns?: readonly string[];
  /**
   * `update-attributes`: the top-level attributes UpdateItem may touch besides the key. Required with that access.
   * @default - none
   */
  readonly updatableAttributes?: readonly string[];
  /**
   * `update-attributes`: the partition-key patterns UpdateItem is limited to, when narrower than what GetItem may
   * read (`partitionKeyPatterns`).
   * @default - `partitionKeyPatterns`
   */
  readonly updatablePartitionKeyPatterns?: readonly string[];
}

/** Where a stream consumer's batches go once retries and record age are used up. */
export interface TableStreamSourceOptions {
  /** The shared definition (functions/platform/stream-source.ts) the mapping is built from. */
  readonly source: StreamSourceDefinition;
  /** The on-failure destination: Lambda sends it the batch's shard and sequence numbers. */
  readonly onFailure: sqs.IQueue;
}

export interface ProjectFunctionProps {
  /** The folder under `functions/` whose `lambda.ts` exports `handler`. */
  readonly entry: FunctionEntry;
  /** One sentence: what the function does and what it may touch. */
  readonly description: string;
  /** Key that encrypts the function's log group (its policy must admit the CloudWatch Logs service). */
  readonly logKey: kms.IKey;
  /**
   * Memory in MB; CPU scales with it, so small handlers still want more than the 128 MB minimum.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Hard limit for one invocation. API handlers must answer inside API Gateway's 29 s integration timeout.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Reserved concurrency: caps how much of the account's concurrency (and of the table) one function can take.
   * @default - no reservation; the function shares the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_YEAR (PCI DSS 10.7 asks for at least a year)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * `POWERTOOLS_SERVICE_NAME`: the service name on every log line, metric and trace.
   * @default - `ledgerlock-<entry>`
   */
  readonly serviceName?: string;
  /**
   * Lowest application log level that reaches CloudWatch.
   * @default lambda.ApplicationLogLevel.INFO
   */
  readonly applicationLogLevel?: lambda.ApplicationLogLevel;
  /**
   * Whether the bundle renders PDFs with pdfkit and so must carry its standard-font modules and the
   * package.json `imports` map that resolves them ({@link pdfFontBundlingCommands}); without them the renderer
   * throws PdfFontsUnavailableError at cold start.
   * @default false
   */
  readonly bundlesPdfFonts?: boolean;
}

/**
 * A Node.js 24 arm64 Lambda bundled locally with esbuild (minified, source maps, AWS SDK bundled so the
 * version is ours), with active X-Ray tracing, JSON logs into its own KMS-encrypted log group, and an
 * execution role that starts empty: every permission arrives through a `bind*` call (or, for a stream consumer,
 * `addTableStreamSource`, which grants what its event source mapping needs).
 */
export class ProjectFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  /** The customer managed policy every bind* call adds its statements to. */
  readonly runtimePolicy: iam.ManagedPolicy;
  readonly logGroup: logs.LogGroup;
  /** Whether the bundle carries pdfkit's standard fonts (see {@link ProjectFunctionProps.bundlesPdfFonts}). */
  readonly bundlesPdfFonts: boolean;
  private readonly boundEnvironment = new Map<string, string>();

  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? 512;
    const timeout = props.timeout ?? Duration.seconds(10);
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
      throw new Error(
        `ProjectFunction ${id}: memorySize ${memorySize} is not a whole number of MB between 128 and 10240; pick one in that range`,
      );
    }
    if (timeout.toSeconds() < 1 || timeout.toSeconds() > 900) {
      throw new Error(
        `ProjectFunction ${id}: timeout ${timeout.toHumanString()} is outside Lambda's 1 s–15 min range; pick one inside it`,
      );
    }
    this.bundlesPdfFonts = props.bundlesPdfFonts ?? false;
    const reserved = props.reservedConcurrentExecutions;
    if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 1)) {
      throw new Error(
        `ProjectFunction ${id}: reservedConcurrentExecutions ${reserved} must be a positive whole number; omit it to share the unreserved pool`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logKey,
    });

    // An explicit role instead of the default one: the default attaches the AWS managed
    // AWSLambdaBasicExecutionRole (logs on every log group); this one may write only to its own group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.entry}: ${props.description}`,
    });
    // Permissions live in a customer managed policy, not the role's inline default policy: managed policies are
    // versioned and reviewable on their own (PCI DSS 7.1/7.2), and every bind* call adds to this one.
    this.runtimePolicy = new iam.ManagedPolicy(this, 'RuntimePolicy', {
      description: `Runtime permissions of ${props.entry}, added by ProjectFunction bind calls`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          // The Arn attribute of a log group already ends in ":*", which covers its streams.
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(projectRoot, 'functions', props.entry, 'lambda.ts'),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout,
      reservedConcurrentExecutions: reserved,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: props.applicationLogLevel ?? lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      // Tracing is switched on below with its own policy, so the wildcard X-Ray grant stays isolated.
      tracing: lambda.Tracing.DISABLED,
      // Stop (rather than bill) a function that ends up invoking itself through a queue or topic.
      recursiveLoop: lambda.RecursiveLoop.TERMINATE,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? `ledgerlock-${props.entry}`,
        POWERTOOLS_METRICS_NAMESPACE: 'Ledgerlock',
        // Stack traces point at the TypeScript sources instead of minified code.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        // Local esbuild only: there is no Docker here, and the bundle must not depend on one.
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        // ESM output still runs CommonJS dependencies that call require(); give them one.
        banner:
          "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourceMapMode: nodejs.SourceMapMode.DEFAULT,
        // Line mappings without embedded sources keep the asset small and the sources out of AWS.
        sourcesContent: false,
        // The SDK ships inside the bundle so its version is the one in package-lock.json, not the runtime's.
        bundleAwsSDK: true,
        externalModules: [],
        commandHooks: this.bundlesPdfFonts
          ? {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: pdfFontBundlingCommands,
            }
          : undefined,
      },
    });

    // Active tracing via the L1 property plus a dedicated policy: X-Ray has no resource-level permissions,
    // and keeping its `Resource: *` in its own policy lets the nag acknowledgement cover exactly that.
    (this.function.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE };
    const tracingPolicy = new iam.ManagedPolicy(this, 'TracingPolicy', {
      description: `X-Ray trace upload for ${props.entry}`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
      ],
    });
    // Create the function only once its grants are attached, so its first invocations can already log and trace.
    this.function.node.addDependency(tracingPolicy, this.runtimePolicy);
    Validations.of(tracingPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; this policy holds only those two actions',
    });
    Validations.of(this.function).acknowledge({
      id: 'PCI.DSS.321-LambdaInsideVPC',
      reason:
        'Ledgerlock functions reach only AWS service endpoints over TLS with SigV4; holding no network-reachable data, a VPC would add NAT/endpoints without narrowing access, which IAM already scopes per function',
    });
  }

  /** The function as API Gateway integrations and grants see it. */
  get lambda(): lambda.IFunction {
    return this.function;
  }

  /**
   * Sets `TABLE_NAME` and grants the table actions `access` allows (see {@link TableAccess}),
   * plus what DynamoDB needs from the table's KMS key on the caller's behalf — only via DynamoDB.
   */
  bindTable(table: dynamodb.ITable, access: TableAccess, options: BindTableOptions = {}): void {
    const prefix = options.partitionKeyPrefix;
    if (prefix !== undefined && (prefix === '' || /[*?]/.test(prefix))) {
      throw new Error(
        `ProjectFunction ${this.node.id}: partitionKeyPrefix "${prefix}" must be a non-empty literal without * or ?; pass the key prefix itself, such as "CLIENT#"`,
      );
    }
    if (prefix !== undefined && access !== 'get-item') {
      throw new Error(
        `ProjectFunction ${this.node.id}: partitionKeyPrefix only works with access 'get-item' (got '${access}'); index queries use another partition key`,
      );
    }
    if (prefix !== undefined && options.partitionKeyPatterns !== undefined) {
      throw new Error(
        `ProjectFunction ${this.node.id}: give partitionKeyPrefix or partitionKeyPatterns, not both; a prefix "P" is the pattern "P*"`,
      );
    }
    const readPatterns =
      options.partitionKeyPatterns !== undefined
        ? this.checkedKeyPatterns('partitionKeyPatterns', options.partitionKeyPatterns, access)
        : prefix === undefined
          ? undefined
          : [`${prefix}*`];
    const updatePatterns =
      options.updatablePartitionKeyPatterns === undefined
        ? readPatterns
        : this.checkedKeyPatterns(
            'updatablePartitionKeyPatterns',
            options.updatablePartitionKeyPatterns,
            access,
          );
    const updatableAttributes = this.checkedUpdatableAttributes(access, options);
    this.setEnvironment(envNames.tableName, table.tableName);

    const leadingKeys = (patterns: readonly string[] | undefined) =>
      patterns === undefined ? {} : { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] } };

    // Index ARNs by name from the one table definition, not `index/*`: no wildcard in the policy.
    const indexArns =
      access === 'get-item' || access === 'update-attributes'
        ? []
        : tableDefinition.globalSecondaryIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`);
    const readConditions = leadingKeys(readPatterns);
    this.runtimePolicy.addStatements(
      new iam.PolicyStatement({
        actions: [...tableActions[access]],
        resources: [table.tableArn, ...indexArns],
        conditions: Object.keys(readConditions).length === 0 ? undefined : readConditions,
      }),
    );

    if (updatableAttributes !== undefined) {
      // IAM evaluates dynamodb:Attributes against the top-level attributes a request names (nested paths such
      // as delivery.status count as "delivery"), key attributes included. UpdateItem also creates a missing
      // item, but under this condition such an item could hold nothing but its key and these attributes.
      // dynamodb:ReturnValues stays open: the function may read whole items with GetItem anyway, so limiting
      // what an update returns would hide nothing (and the delivery claim reads its result with ALL_NEW).
      this.runtimePolicy.addStatements(
        new iam.PolicyStatement({
          actions: ['dynamodb:UpdateItem'],
          resources: [table.tableArn],
          conditions: {
            'ForAllValues:StringEquals': {
              'dynamodb:Attributes': [
                tableDefinition.partitionKey,
                tableDefinition.sortKey,
                ...updatableAttributes,
              ],
            },
            ...leadingKeys(updatePatterns),
          },
        }),
      );
    }

    const tableKey = this.tableKeyStatement(table, access);
    if (tableKey !== undefined) this.runtimePolicy.addStatements(tableKey);
  }

  /** What DynamoDB needs from a table's KMS key for `access`, on the caller's behalf; none for an AWS-owned key. */
  private tableKeyStatement(table: dynamodb.ITable, access: TableAccess): iam.PolicyStatement | undefined {
    if (table.encryptionKey === undefined) return undefined;
    return new iam.PolicyStatement({
      actions: [...tableKeyActions[access]],
      resources: [table.encryptionKey.keyArn],
      // The table key is usable only through DynamoDB: the function cannot call KMS with it directly.
      conditions: {
        StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` },
      },
    });
  }

  /**
   * Sets the bucket's env var (and the env var of its KMS key, e.g. `DOCUMENTS_KEY_ARN`) and grants what `access`
   * allows (see {@link BucketAccess}). The bucket must be encrypted with a customer managed key: writers name it.
   */
  bindBucket(bucket: s3.IBucket, envName: BucketEnvName, access: BucketAccess): void {
    const keyEnvName = bucketKeyEnvNames[envName];
    if (keyEnvName === undefined) {
      throw new Error(
        `ProjectFunction ${this.node.id}: ${envName} is not a bucket env var; use one of ${Object.keys(bucketKeyEnvNames).join(', ')}`,
      );
    }
    const key = bucket.encryptionKey;
    if (key === undefined) {
      throw new Error(
        `ProjectFunction ${this.node.id}: the bucket bound to ${envName} has no KMS key; create it with encryption KMS and an encryptionKey`,
      );
    }
    if (access !== 'put') {
      throw new Error(`ProjectFunction ${this.node.id}: bucket access '${access}' is unknown; use 'put'`);
    }
    this.setEnvironment(envName, bucket.bucketName);
    this.setEnvironment(keyEnvName, key.keyArn);
    this.runtimePolicy.addStatements(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('*')] }),
      new iam.PolicyStatement({
        // A single-part SSE-KMS upload needs only a data key; Decrypt would let the role read objects back.
        actions: ['kms:GenerateDataKey'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com`,
            // With S3 Bucket Keys the encryption context is the bucket ARN (not the object's).
            'kms:EncryptionContext:aws:s3:arn': bucket.bucketArn,
          },
        },
      }),
    );
  }

  /**
   * Sets `MAIL_FROM` and grants sending through SES (v2 `SendEmail`, raw content included) from that address
   * only, as the given verified identity.
   */
  bindMailIdentity(identity: ses.IEmailIdentity, fromAddress: string): void {
    if (!emailAddressPattern.test(fromAddress)) {
      throw new Error(
        `ProjectFunction ${this.node.id}: fromAddress "${fromAddress}" is not a plain email address such as "invoices@example.com"`,
      );
    }
    this.setEnvironment(envNames.mailFrom, fromAddress);
    this.runtimePolicy.addStatements(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [identity.emailIdentityArn],
        conditions: { StringEquals: { 'ses:FromAddress': fromAddress } },
      }),
    );
  }

  /**
   * Subscribes the function to the table's stream with the settings of a shared {@link StreamSourceDefinition}
   * (batching, retries, record age, bisection, partial batch failures, filters) and grants what the mapping
   * needs: reading this table's stream and sending failed batches to `onFailure`.
   */
  addTableStreamSource(
    id: string,
    table: dynamodb.ITable,
    options: TableStreamSourceOptions,
  ): lambda.EventSourceMapping {
    const { source, onFailure } = options;
    assertValidStreamSource(source);
    const streamArn = table.tableStreamArn;
    if (streamArn === undefined) {
      throw new Error(
        `ProjectFunction ${this.node.id}: the table has no stream; create it with a stream view type (tableDefinition.streamViewType)`,
      );
    }

    const streamStatements = [
      new iam.PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
      // Lambda sends the failure record with the function's role.
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [onFailure.queueArn] }),
    ];
    if (onFailure.encryptionMasterKey !== undefined) {
      streamStatements.push(
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [onFailure.encryptionMasterKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    this.runtimePolicy.addStatements(...streamStatements);
    const listingPolicy = this.streamListingPolicy();

    const mapping = new lambda.EventSourceMapping(this, id, {
      target: this.function,
      eventSourceArn: streamArn,
      startingPosition: lambda.StartingPosition[source.startingPosition],
      batchSize: source.batchSize,
      maxBatchingWindow: Duration.seconds(source.maximumBatchingWindowSeconds),
      // -1 ("until the record expires") is Lambda's default, which CDK expresses by leaving the value out.
      retryAttempts: source.retryAttempts === -1 ? undefined : source.retryAttempts,
      maxRecordAge:
        source.maxRecordAgeSeconds === -1 ? undefined : Duration.seconds(source.maxRecordAgeSeconds),
      bisectBatchOnError: source.bisectBatchOnFunctionError,
      reportBatchItemFailures: source.reportBatchItemFailures,
      filters:
        source.filterPatterns.length === 0
          ? undefined
          : source.filterPatterns.map((pattern) => lambda.FilterCriteria.filter({ ...pattern })),
      // The destination is granted above, in the runtime policy, instead of by SqsDlq into an inline policy.
      onFailure: { bind: () => ({ destination: onFailure.queueArn }) },
    });
    // Lambda checks the role's stream and queue permissions when it creates the mapping.
    mapping.node.addDependency(this.runtimePolicy, listingPolicy);
    return mapping;
  }

  /**
   * Lambda's stream pollers call ListStreams, which has no resource-level permission; like X-Ray, it gets a
   * policy of its own so the acknowledgement of its `Resource: *` covers exactly that one action.
   */
  private streamListingPolicy(): iam.ManagedPolicy {
    const existing = this.node.tryFindChild('StreamListingPolicy');
    if (existing instanceof iam.ManagedPolicy) return existing;
    const policy = new iam.ManagedPolicy(this, 'StreamListingPolicy', {
      description: `DynamoDB stream listing for the event source mappings of ${this.node.id}`,
      roles: [this.role],
      statements: [new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] })],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams supports no resource-level permission and returns stream ARNs only, never records; this policy holds only that action',
    });
    return policy;
  }

  /** Sets `envName` to the key's ARN and grants the KMS actions `access` allows (see {@link KeyAccess}). */
  bindKey(key: kms.IKey, envName: KeyEnvName, access: KeyAccess): void {
    if (!(macKeyEnvNames as readonly string[]).includes(envName)) {
      throw new Error(
        (envName as string) === envNames.dataKeyArn
          ? `ProjectFunction ${this.node.id}: the data key wraps branch keys only and is used only through the key store; call bindKeyStore instead`
          : `ProjectFunction ${this.node.id}: ${envName} is not a key env var; use one of ${macKeyEnvNames.join(', ')}`,
      );
    }
    if (keyActions[access] === undefined) {
      throw new Error(
        `ProjectFunction ${this.node.id}: access '${access}' does not fit ${envName} (a MAC key); use 'generate-mac' or 'generate-verify-mac'`,
      );
    }
    this.setEnvironment(envName, key.keyArn);
    this.runtimePolicy.addStatements(
      new iam.PolicyStatement({ actions: [...keyActions[access]], resources: [key.keyArn] }),
    );
  }

  /**
   * Sets `KEY_STORE_TABLE` and `DATA_KEY_ARN` and grants what the hierarchical keyring needs to seal and open:
   * `GetItem` on the key store (the SDK reads the ACTIVE and version items by key), the table key through DynamoDB
   * only, and `kms:Decrypt` on the wrapping key for branch keys of this store only (`tablename` and `type` in the
   * encryption context). No `GenerateDataKey`, `Encrypt` or `ReEncrypt`: data keys are derived locally from the
   * cached branch key, and creating branch keys is onboarding (`KeyStore.onboardingPolicy`), not a runtime task.
   */
  bindKeyStore(keyStore: BranchKeyStoreReference): void {
    this.setEnvironment(envNames.keyStoreTable, keyStore.table.tableName);
    this.setEnvironment(envNames.dataKeyArn, keyStore.wrappingKey.keyArn);
    this.runtimePolicy.addStatements(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [keyStore.table.tableArn] }),
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [keyStore.wrappingKey.keyArn],
        // The SDK decrypts a branch key with its item's attributes plus `tablename` (the logical key store name,
        // which the runtime takes from KEY_STORE_TABLE) as encryption context; sealed fields are never wrapped by
        // this key directly, so nothing else needs it.
        conditions: {
          StringEquals: { 'kms:EncryptionContext:tablename': keyStore.table.tableName },
          StringLike: { 'kms:EncryptionContext:type': [...runtimeBranchKeyTypes] },
        },
      }),
    );
    const tableKey = this.tableKeyStatement(keyStore.table, 'get-item');
    if (tableKey !== undefined) this.runtimePolicy.addStatements(tableKey);
  }

  /** Sets `JWT_ISSUER` and `JWKS_URL`. Verifying a token needs no AWS permission. */
  bindTokenIssuer(issuer: TokenIssuer): void {
    this.setEnvironment(envNames.jwtIssuer, issuer.issuerUrl);
    this.setEnvironment(envNames.jwksUrl, issuer.jwksUrl);
  }

  private checkedKeyPatterns(
    optionName: string,
    patterns: readonly string[],
    access: TableAccess,
  ): readonly string[] {
    if (access !== 'get-item' && access !== 'update-attributes') {
      throw new Error(
        `ProjectFunction ${this.node.id}: ${optionName} only works with access 'get-item' or 'update-attributes' (got '${access}'); index queries use another partition key`,
      );
    }
    if (patterns.length === 0) {
      throw new Error(
        `ProjectFunction ${this.node.id}: ${optionName} is empty; leave it out to allow every item, or give patterns such as "*#INVOICE#*"`,
      );
    }
    for (const pattern of patterns) {
      if (pattern.replace(/[*?]/g, '') === '') {
        throw new Error(
          `ProjectFunction ${this.node.id}: ${optionName} pattern "${pattern}" has no literal part and would match every item; name the key layout, such as "*#INVOICE#*"`,
        );
      }
    }
    return patterns;
  }

  private checkedUpdatableAttributes(
    access: TableAccess,
    options: BindTableOptions,
  ): readonly string[] | undefined {
    const attributes = options.updatableAttributes;
    if (access !== 'update-attributes') {
      if (attributes !== undefined || options.updatablePartitionKeyPatterns !== undefined) {
        throw new Error(
          `ProjectFunction ${this.node.id}: updatableAttributes and updatablePartitionKeyPatterns only work with access 'update-attributes' (got '${access}')`,
        );
      }
      return undefined;
    }
    if (attributes === undefined || attributes.length === 0) {
      throw new Error(
        `ProjectFunction ${this.node.id}: access 'update-attributes' needs updatableAttributes, the top-level attributes UpdateItem may change, such as ["delivery"]`,
      );
    }
    const keyAttributes: readonly string[] = [tableDefinition.partitionKey, tableDefinition.sortKey];
    for (const attribute of attributes) {
      if (!/^[A-Za-z0-9_-]+$/.test(attribute)) {
        throw new Error(
          `ProjectFunction ${this.node.id}: updatable attribute "${attribute}" must be a top-level attribute name (letters, digits, _ and -), such as "delivery"`,
        );
      }
      if (keyAttributes.includes(attribute)) {
        throw new Error(
          `ProjectFunction ${this.node.id}: updatable attribute "${attribute}" is a key attribute; keys are always named and never change, leave it out`,
        );
      }
    }
    return attributes;
  }

  private setEnvironment(name: string, value: string): void {
    const existing = this.boundEnvironment.get(name);
    if (existing !== undefined && existing !== value) {
      throw new Error(
        `ProjectFunction ${this.node.id}: ${name} is already bound to another resource; one function reads one ${name}, bind it once`,
      );
    }
    this.boundEnvironment.set(name, value);
    this.function.addEnvironment(name, value);
  }
}
