// cdk: the one Lambda construct — project defaults plus bind methods that set an env var and grant in one call.
import * as path from 'node:path';
import { AssetHashType, DockerImage, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as ses from 'aws-cdk-lib/aws-ses';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envNames } from '../functions/platform/config';
import { bundleAssetLocally } from './bundling/bundle-function';
import { projectRoot } from './bundling/options';
import {
  type BindBucketOptions,
  type BucketAccess,
  type BucketEnvName,
  bucketGrant,
} from './grants/bucket-grants';
import { type KeyAccess, type KeyEnvName, keyStoreStatements, macKeyStatements } from './grants/key-grants';
import { mailStatements } from './grants/mail-grants';
import {
  type BindTableOptions,
  type GrantContext,
  type TableAccess,
  tableStatements,
} from './grants/table-grants';
import { type AlertTopicReference, topicPublishStatements } from './grants/topic-grants';
import type { BranchKeyStoreReference } from './key-store';
import {
  addTableStreamSource,
  queueSendStatements,
  type TableStreamSourceOptions,
} from './table-stream-source';

// The grant language and the stream mapping live in modules of their own; their names stay importable from here.
export type { BindBucketOptions, BucketAccess, BucketEnvName } from './grants/bucket-grants';
export type { KeyAccess, KeyEnvName } from './grants/key-grants';
export { emailAddressPattern } from './grants/mail-grants';
export type { BindTableOptions, TableAccess } from './grants/table-grants';
export type { AlertTopicReference } from './grants/topic-grants';
export type { TableStreamSourceOptions } from './table-stream-source';

/** Entry folders under `functions/` that hold a `lambda.ts` (the AWS module) beside their `handler.ts`. */
export type FunctionEntry =
  | 'authorizer'
  | 'api-read'
  | 'api-write'
  | 'deliver'
  | 'render'
  | 'backup'
  | 'detect'
  | 'chain';

/** The env vars that name a table, and so the stream a stream consumer may be told apart by. */
export type TableNameEnvName = typeof envNames.tableName | typeof envNames.keyStoreTable;

/** Where a token comes from: what the authorizer needs to verify it. */
export interface TokenIssuer {
  /** The `iss` claim tokens carry. */
  readonly issuerUrl: string;
  /** Where the issuer publishes its signing keys. */
  readonly jwksUrl: string;
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
   * package.json `imports` map that resolves them (lib/bundle-pdf-fonts.mjs); without them the renderer
   * throws PdfFontsUnavailableError at cold start.
   * @default false
   */
  readonly bundlesPdfFonts?: boolean;
}

/**
 * A Node.js 24 arm64 Lambda bundled locally with esbuild (minified, source maps, AWS SDK bundled so the
 * version is ours; lib/bundling/), with active X-Ray tracing, JSON logs into its own KMS-encrypted log group, and an
 * execution role that starts empty: every permission arrives through a `bind*` call (or, for a stream consumer,
 * `addTableStreamSource`, which grants what its event source mapping needs).
 */
export class ProjectFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  /** The customer managed policy every bind* call adds its statements to. */
  readonly runtimePolicy: iam.ManagedPolicy;
  readonly logGroup: logs.LogGroup;
  /** Which folder under `functions/` the bundle is built from. */
  readonly entry: FunctionEntry;
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
    this.entry = props.entry;
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

    const entryFile = path.join(projectRoot, 'functions', props.entry, 'lambda.ts');
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(path.dirname(entryFile), {
        // The asset is named by what esbuild wrote, so a change anywhere in what the entry imports redeploys it.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never pulled: there is no Docker here, and local bundling either builds the asset or throws.
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24'),
          // Every esbuild option comes from lib/bundling/options.ts, which the bundle-size test builds with too.
          local: {
            tryBundle: (outputDir) => bundleAssetLocally(entryFile, outputDir, this.bundlesPdfFonts),
          },
        },
      }),
      handler: 'index.handler',
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
    const statements = tableStatements(table, access, options, this.grantContext());
    this.setEnvironment(envNames.tableName, table.tableName);
    this.runtimePolicy.addStatements(...statements);
  }

  /**
   * Sets the bucket's env var (and the env var of its KMS key, e.g. `DOCUMENTS_KEY_ARN`) and grants what `access`
   * allows (see {@link BucketAccess}). The bucket must be encrypted with a customer managed key: writers name it.
   */
  bindBucket(
    bucket: s3.IBucket,
    envName: BucketEnvName,
    access: BucketAccess,
    options: BindBucketOptions = {},
  ): void {
    const grant = bucketGrant(bucket, envName, access, options, this.grantContext());
    this.setEnvironment(envName, bucket.bucketName);
    this.setEnvironment(grant.keyEnvName, grant.keyArn);
    this.runtimePolicy.addStatements(...grant.statements);
  }

  /**
   * Sets `MAIL_FROM` and grants sending through SES (v2 `SendEmail`, raw content included) from that address
   * only, as the given verified identity.
   */
  bindMailIdentity(identity: ses.IEmailIdentity, fromAddress: string): void {
    const statements = mailStatements(identity, fromAddress, this.grantContext());
    this.setEnvironment(envNames.mailFrom, fromAddress);
    this.runtimePolicy.addStatements(...statements);
  }

  /**
   * Subscribes the function to the table's stream with the settings of a shared StreamSourceDefinition
   * (batching, retries, record age, bisection, partial batch failures, filters) and grants what the mapping
   * needs: reading this table's stream and sending failed batches to `onFailure`.
   */
  addTableStreamSource(
    id: string,
    table: dynamodb.ITable,
    options: TableStreamSourceOptions,
  ): lambda.EventSourceMapping {
    return addTableStreamSource(this, id, table, options, Stack.of(this).region);
  }

  /**
   * Sets `envName` (`TABLE_NAME` or `KEY_STORE_TABLE`) to the table's name and subscribes the function to that
   * table's stream, as {@link addTableStreamSource} does. For a consumer that reads a table only through its
   * stream (backup): the name tells its records apart from another stream's, and grants nothing on the table.
   */
  bindTableStream(
    id: string,
    table: dynamodb.ITable,
    envName: TableNameEnvName,
    options: TableStreamSourceOptions,
  ): lambda.EventSourceMapping {
    if (envName !== envNames.tableName && envName !== envNames.keyStoreTable) {
      throw new Error(
        `ProjectFunction ${this.node.id}: ${envName as string} does not name a table; use ${envNames.tableName} or ${envNames.keyStoreTable}`,
      );
    }
    this.setEnvironment(envName, table.tableName);
    return this.addTableStreamSource(id, table, options);
  }

  /**
   * Sets `ALERT_TOPIC_ARN` and grants publishing to that topic only, with its key through SNS for that topic only.
   * No subscribe, no topic attributes, no other topic.
   */
  bindAlertTopic(alerts: AlertTopicReference): void {
    const statements = topicPublishStatements(alerts, this.grantContext());
    this.setEnvironment(envNames.alertTopicArn, alerts.topic.topicArn);
    this.runtimePolicy.addStatements(...statements);
  }

  /**
   * Sends asynchronous invocations that failed every retry (Lambda's own two) to `queue` as the function's
   * dead-letter queue, granted in the runtime policy. For functions that services invoke asynchronously, such as
   * a CloudWatch Logs subscription; the dead letter carries the event itself.
   */
  sendFailedAsyncInvocationsTo(queue: sqs.IQueue): void {
    this.runtimePolicy.addStatements(...queueSendStatements(queue, Stack.of(this).region));
    // The L1 property instead of `deadLetterQueue`, which would grant through the role's inline default policy.
    (this.function.node.defaultChild as lambda.CfnFunction).deadLetterConfig = { targetArn: queue.queueArn };
  }

  /** Sets `envName` to the key's ARN and grants the KMS actions `access` allows (see {@link KeyAccess}). */
  bindKey(key: kms.IKey, envName: KeyEnvName, access: KeyAccess): void {
    const statements = macKeyStatements(key, envName, access, this.grantContext());
    this.setEnvironment(envName, key.keyArn);
    this.runtimePolicy.addStatements(...statements);
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
    this.runtimePolicy.addStatements(...keyStoreStatements(keyStore, this.grantContext()));
  }

  /**
   * Sets `RENDER_FUNCTION_NAME` to `target`'s name and grants invoking it (`lambda:InvokeFunction` on that function
   * only, unqualified): api-read asks render for PDF links, and deliver for the PDF of each email, synchronously.
   */
  bindRenderFunction(target: ProjectFunction): void {
    if (target.entry !== 'render') {
      throw new Error(
        `ProjectFunction ${this.node.id}: bindRenderFunction takes the render function, not ${target.entry}`,
      );
    }
    this.setEnvironment(envNames.renderFunctionName, target.function.functionName);
    this.runtimePolicy.addStatements(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [target.function.functionArn],
      }),
    );
  }

  /** Sets `JWT_ISSUER` and `JWKS_URL`. Verifying a token needs no AWS permission. */
  bindTokenIssuer(issuer: TokenIssuer): void {
    this.setEnvironment(envNames.jwtIssuer, issuer.issuerUrl);
    this.setEnvironment(envNames.jwksUrl, issuer.jwksUrl);
  }

  /** How the grant modules name this function in their errors, and the region their ViaService conditions name. */
  private grantContext(): GrantContext {
    return { owner: `ProjectFunction ${this.node.id}`, region: Stack.of(this).region };
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
