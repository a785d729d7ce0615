// cdk: the one Lambda construct — project defaults plus bind methods that set an env var and grant in one call.
import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { envNames } from '../functions/platform/config';
import { tableDefinition } from '../functions/platform/table-definition';

/** Repository root: entries are resolved against it and esbuild bundles from it. */
const projectRoot = path.resolve(import.meta.dirname, '..');

/** Entry folders under `functions/` that hold a `handler.ts`. */
export type FunctionEntry = 'authorizer' | 'api-read' | 'api-write';

/**
 * How a function may touch the table.
 * - `get-item`: single-item `GetItem` only (key look-ups such as API client → tenant).
 * - `read`: `GetItem`, `BatchGetItem`, `Query`, `ConditionCheckItem` on the table and its indexes. No `Scan`:
 *   nothing may read across tenants.
 * - `write`: `read` plus `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`. `TransactWriteItems` and
 *   `TransactGetItems` have no IAM action of their own; IAM authorises each item's Put/Update/Delete/ConditionCheck.
 */
export type TableAccess = 'get-item' | 'read' | 'write';

/**
 * How a function may use a KMS key.
 * - `decrypt`: `kms:Decrypt` (open sealed fields).
 * - `encrypt-decrypt`: `kms:GenerateDataKey`, `kms:Encrypt`, `kms:Decrypt` (seal and open with the Encryption SDK).
 * - `generate-mac`: `kms:GenerateMac` (compute blind-index values).
 * - `generate-verify-mac`: `kms:GenerateMac`, `kms:VerifyMac`.
 */
export type KeyAccess = 'decrypt' | 'encrypt-decrypt' | 'generate-mac' | 'generate-verify-mac';

/** The env vars that carry a key ARN, and the key usage each one implies. */
const keyEnvUsage = {
  [envNames.dataKeyArn]: 'encryption',
  [envNames.blindIndexKeyArn]: 'mac',
} as const;
export type KeyEnvName = keyof typeof keyEnvUsage;

const keyActions: Readonly<Record<KeyAccess, readonly string[]>> = {
  decrypt: ['kms:Decrypt'],
  'encrypt-decrypt': ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'],
  'generate-mac': ['kms:GenerateMac'],
  'generate-verify-mac': ['kms:GenerateMac', 'kms:VerifyMac'],
};

const tableActions: Readonly<Record<TableAccess, readonly string[]>> = {
  'get-item': ['dynamodb:GetItem'],
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
};

/** Where a token comes from: what the authorizer needs to verify it. */
export interface TokenIssuer {
  /** The `iss` claim tokens carry. */
  readonly issuerUrl: string;
  /** Where the issuer publishes its signing keys. */
  readonly jwksUrl: string;
  /** The prefix scopes carry in the token (`ledgerlock/`). */
  readonly scopePrefix: string;
}

export interface BindTableOptions {
  /**
   * Only items whose partition key starts with this prefix (IAM `dynamodb:LeadingKeys`).
   * @default - every item of the table
   */
  readonly partitionKeyPrefix?: string;
}

export interface ProjectFunctionProps {
  /** The folder under `functions/` whose `handler.ts` exports `handler`. */
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
}

/**
 * A Node.js 24 arm64 Lambda bundled locally with esbuild (minified, source maps, AWS SDK bundled so the
 * version is ours), with active X-Ray tracing, JSON logs into its own KMS-encrypted log group, and an
 * execution role that starts empty: every permission arrives through a `bind*` call.
 */
export class ProjectFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  /** The customer managed policy every bind* call adds its statements to. */
  readonly runtimePolicy: iam.ManagedPolicy;
  readonly logGroup: logs.LogGroup;
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
      entry: path.join(projectRoot, 'functions', props.entry, 'handler.ts'),
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
    this.setEnvironment(envNames.tableName, table.tableName);

    // Index ARNs by name from the one table definition, not `index/*`: no wildcard in the policy.
    const indexArns =
      access === 'get-item'
        ? []
        : tableDefinition.globalSecondaryIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`);
    this.runtimePolicy.addStatements(
      new iam.PolicyStatement({
        actions: [...tableActions[access]],
        resources: [table.tableArn, ...indexArns],
        conditions:
          prefix === undefined
            ? undefined
            : { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}*`] } },
      }),
    );

    if (table.encryptionKey) {
      this.runtimePolicy.addStatements(
        new iam.PolicyStatement({
          actions: [...tableKeyActions[access]],
          resources: [table.encryptionKey.keyArn],
          // The table key is usable only through DynamoDB: the function cannot call KMS with it directly.
          conditions: {
            StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      );
    }
  }

  /** Sets `envName` to the key's ARN and grants the KMS actions `access` allows (see {@link KeyAccess}). */
  bindKey(key: kms.IKey, envName: KeyEnvName, access: KeyAccess): void {
    const usage = keyEnvUsage[envName];
    const isMacAccess = access === 'generate-mac' || access === 'generate-verify-mac';
    if (usage === undefined) {
      throw new Error(
        `ProjectFunction ${this.node.id}: ${envName} is not a key env var; use one of ${Object.keys(keyEnvUsage).join(', ')}`,
      );
    }
    if ((usage === 'mac') !== isMacAccess) {
      throw new Error(
        `ProjectFunction ${this.node.id}: access '${access}' does not fit ${envName} (a ${usage} key); use ${
          usage === 'mac' ? "'generate-mac' or 'generate-verify-mac'" : "'decrypt' or 'encrypt-decrypt'"
        }`,
      );
    }
    this.setEnvironment(envName, key.keyArn);
    this.runtimePolicy.addStatements(
      new iam.PolicyStatement({ actions: [...keyActions[access]], resources: [key.keyArn] }),
    );
  }

  /** Sets `JWT_ISSUER`, `JWKS_URL` and `SCOPE_PREFIX`. Verifying a token needs no AWS permission. */
  bindTokenIssuer(issuer: TokenIssuer): void {
    this.setEnvironment(envNames.jwtIssuer, issuer.issuerUrl);
    this.setEnvironment(envNames.jwksUrl, issuer.jwksUrl);
    this.setEnvironment(envNames.scopePrefix, issuer.scopePrefix);
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
