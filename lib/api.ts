// cdk: the REST API — route-table methods behind the Lambda authorizer, validation, stage; logs, WAF, errors attach.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import {
  authorizerCacheTtlSeconds,
  authorizerTokenPattern,
  stageThrottling,
  wafRateLimits,
} from '../functions/platform/api-limits';
import {
  type ApiFunctionName,
  type RouteDefinition,
  routeKey,
  routes as routeTable,
  scopePrefix,
} from '../functions/platform/routes';
import { accessLogFormat, addExecutionLogGroup } from './api-logs';
import { addApiWebAcl } from './api-waf';
import { addGatewayProblems } from './gateway-responses';
import { requestModelSchema } from './request-models';

export interface ApiProps {
  /** Lambda TOKEN authorizer: verifies the bearer JWT and returns a policy covering every route its scopes allow. */
  readonly authorizerFunction: lambda.IFunction;
  /** The function that serves each `functionName` of the route table. */
  readonly routeFunctions: Readonly<Record<ApiFunctionName, lambda.IFunction>>;
  /** Key for the access-log, execution-log and WAF-log groups. */
  readonly logKey: kms.IKey;
  /**
   * Routes to expose.
   * @default - the route table in functions/platform/routes.ts
   */
  readonly routes?: readonly RouteDefinition[];
  /**
   * Stage name (the first path segment after the host).
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Steady-state requests per second across the stage.
   * @default - `stageThrottling.rateLimit` (functions/platform/api-limits.ts), shared with the local gateway
   */
  readonly throttlingRateLimit?: number;
  /**
   * Requests the stage accepts in a burst above the rate.
   * @default - `stageThrottling.burstLimit` (functions/platform/api-limits.ts), shared with the local gateway
   */
  readonly throttlingBurstLimit?: number;
  /**
   * How long API Gateway reuses an authorizer answer for the same token.
   * @default - `authorizerCacheTtlSeconds` (functions/platform/api-limits.ts: five minutes), shared with local/
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * Requests one client IP may send in any 5-minute window before WAF blocks it, with or without a token.
   * @default - `wafRateLimits.requestsPerIpPer5Minutes` (functions/platform/api-limits.ts: 150,000)
   */
  readonly wafRequestsPerIpPer5Minutes?: number;
  /**
   * Requests without a bearer token one client IP may send in any 5-minute window before WAF blocks it.
   * @default - `wafRateLimits.unauthenticatedRequestsPerIpPer5Minutes` (functions/platform/api-limits.ts: 1,000)
   */
  readonly wafUnauthenticatedRequestsPerIpPer5Minutes?: number;
  /**
   * Requests one client (one bearer token) may send in any minute before WAF answers 429.
   * @default - `wafRateLimits.requestsPerClientPerMinute` (functions/platform/api-limits.ts: 12,000)
   */
  readonly wafRequestsPerClientPerMinute?: number;
  /**
   * How long access, execution and WAF logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A regional REST API whose methods come from the route table: every method behind the Lambda TOKEN authorizer,
 * request bodies validated against models generated from the routes' zod schemas, JSON access logs, execution
 * logs at ERROR, stage throttling, X-Ray, a WAF web ACL and problem+json gateway responses. The logs, the web ACL
 * and the gateway responses are built in api-logs.ts, api-waf.ts and gateway-responses.ts, as children of this
 * construct or of its RestApi, so their construct ids are the ones they always had.
 */
export class Api extends Construct {
  readonly restApi: apigateway.RestApi;
  readonly authorizer: apigateway.TokenAuthorizer;
  readonly webAcl: wafv2.CfnWebACL;
  /** The web ACL's CloudWatch metric name, `<stack>-api`: unique per stage, so two stages' metrics never mix. */
  readonly webAclMetricName: string;
  readonly accessLogGroup: logs.LogGroup;
  /** The method serving each route, by `routeKey` (`POST /v1/invoices`). */
  readonly methods: ReadonlyMap<string, apigateway.Method>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const routes = props.routes ?? routeTable;
    const stageName = props.stageName ?? 'prod';
    const rateLimit = props.throttlingRateLimit ?? stageThrottling.rateLimit;
    const burstLimit = props.throttlingBurstLimit ?? stageThrottling.burstLimit;
    const cacheTtl = props.authorizerCacheTtl ?? Duration.seconds(authorizerCacheTtlSeconds);
    const wafLimits = {
      requestsPerIpPer5Minutes: props.wafRequestsPerIpPer5Minutes ?? wafRateLimits.requestsPerIpPer5Minutes,
      unauthenticatedRequestsPerIpPer5Minutes:
        props.wafUnauthenticatedRequestsPerIpPer5Minutes ??
        wafRateLimits.unauthenticatedRequestsPerIpPer5Minutes,
      requestsPerClientPerMinute:
        props.wafRequestsPerClientPerMinute ?? wafRateLimits.requestsPerClientPerMinute,
    };
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    validateProps({ routes, stageName, rateLimit, burstLimit, cacheTtl, wafLimits });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention, encryptionKey: props.logKey });

    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      restApiName: `${Stack.of(this).stackName}-api`,
      description: 'Ledgerlock invoicing API',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Deployment fails instead of silently dropping a model or setting API Gateway does not accept.
      failOnWarnings: true,
      // Execution logging needs the account-level CloudWatch role; kept when this stack goes, as others share it.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName,
        tracingEnabled: true,
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: burstLimit,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Full request/response logging would write bodies (personal data) into logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
      },
    });
    const cloudWatchRole = this.restApi.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole !== undefined) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level API Gateway logging role must create and write execution-log groups named by API id; AWS maintains this service policy for exactly that',
      });
    }

    addExecutionLogGroup(this, this.restApi, { stageName, retention, logKey: props.logKey });

    this.authorizer = new apigateway.TokenAuthorizer(this, 'TokenAuthorizer', {
      handler: props.authorizerFunction,
      identitySource: apigateway.IdentitySource.header('Authorization'),
      // Malformed headers are refused by API Gateway without invoking (and paying for) the authorizer.
      validationRegex: authorizerTokenPattern,
      resultsCacheTtl: cacheTtl,
    });

    const validator = this.restApi.addRequestValidator('RequestValidator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    const integrations = new Map<ApiFunctionName, apigateway.LambdaIntegration>();
    const integrationFor = (name: ApiFunctionName) => {
      let integration = integrations.get(name);
      if (integration === undefined) {
        // No test-invoke permission: the console's test button would bypass the authorizer.
        integration = new apigateway.LambdaIntegration(props.routeFunctions[name], {
          allowTestInvoke: false,
        });
        integrations.set(name, integration);
      }
      return integration;
    };

    const methods = new Map<string, apigateway.Method>();
    for (const route of routes) {
      const resource = this.restApi.root.resourceForPath(route.path);
      const pathParameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
      const model =
        route.requestSchema === undefined
          ? undefined
          : this.restApi.addModel(`${route.operationId}Model`, {
              modelName: `${route.operationId[0]?.toUpperCase()}${route.operationId.slice(1)}Request`,
              contentType: 'application/json',
              description: `Request body of ${routeKey(route)}`,
              schema: requestModelSchema(route.requestSchema, routeKey(route)),
            });
      const method = resource.addMethod(route.method, integrationFor(route.functionName), {
        operationName: route.operationId,
        authorizer: this.authorizer,
        authorizationType: apigateway.AuthorizationType.CUSTOM,
        requestValidator: validator,
        requestModels: model === undefined ? undefined : { 'application/json': model },
        requestParameters: Object.fromEntries(
          pathParameters.map((name) => [`method.request.path.${name}`, true]),
        ),
      });
      // The scope is enforced by the authorizer's policy; recorded here so the console and exports show it.
      new apigateway.CfnDocumentationPart(this, `${route.operationId}Documentation`, {
        restApiId: this.restApi.restApiId,
        location: { type: 'METHOD', path: route.path, method: route.method },
        properties: JSON.stringify({
          summary: route.summary,
          'x-ledgerlock-scope': `${scopePrefix}${route.scope}`,
        }),
      });
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'A Lambda TOKEN authorizer verifies the Cognito JWT (issuer, signature via JWKS, expiry, scopes) and maps the client to its tenant, which a Cognito authorizer cannot do',
      });
      methods.set(routeKey(route), method);
    }
    this.methods = methods;

    addGatewayProblems(this.restApi);

    const stage = this.restApi.deploymentStage;
    Validations.of(stage).acknowledge(
      {
        id: 'PCI.DSS.321-APIGWCacheEnabledAndEncrypted',
        reason:
          'Responses are tenant-specific invoice data; a stage cache keyed on path could serve one tenant’s data to another, so caching stays off',
      },
      {
        id: 'PCI.DSS.321-APIGWSSLEnabled',
        reason:
          'Every integration is a Lambda invocation signed with SigV4; a client certificate authenticates API Gateway only to HTTP backends, of which there are none',
      },
    );

    this.webAclMetricName = `${Stack.of(this).stackName}-api`;
    this.webAcl = addApiWebAcl(this, {
      stage,
      ...wafLimits,
      retention,
      logKey: props.logKey,
      metricName: this.webAclMetricName,
    });
  }
}

function validateProps(values: {
  routes: readonly RouteDefinition[];
  stageName: string;
  rateLimit: number;
  burstLimit: number;
  cacheTtl: Duration;
  wafLimits: Readonly<Record<string, number>>;
}): void {
  if (values.routes.length === 0) {
    throw new Error('Api: routes is empty; pass the route table from functions/platform/routes.ts');
  }
  const seen = new Set<string>();
  for (const route of values.routes) {
    const key = routeKey(route);
    if (seen.has(key))
      throw new Error(`Api: route ${key} appears twice in the route table; keep one entry per method`);
    seen.add(key);
    if (!route.path.startsWith('/') || route.path.endsWith('/')) {
      throw new Error(
        `Api: route ${key} path must start with "/" and not end with one, such as "/v1/invoices"`,
      );
    }
  }
  if (!/^[A-Za-z0-9_]+$/.test(values.stageName)) {
    throw new Error(
      `Api: stageName "${values.stageName}" may use only letters, digits and "_", such as "prod"`,
    );
  }
  if (values.rateLimit <= 0 || values.burstLimit <= 0 || values.burstLimit < values.rateLimit) {
    throw new Error(
      `Api: throttling rate ${values.rateLimit} and burst ${values.burstLimit} must be positive with burst ≥ rate`,
    );
  }
  if (values.cacheTtl.toSeconds() > 3600) {
    throw new Error(
      `Api: authorizerCacheTtl ${values.cacheTtl.toHumanString()} exceeds API Gateway's 1 hour maximum`,
    );
  }
  for (const [name, limit] of Object.entries(values.wafLimits)) {
    // WAF's rate-based rules take limits from 10 to 2,000,000,000.
    if (!Number.isInteger(limit) || limit < 10 || limit > 2_000_000_000) {
      throw new Error(`Api: WAF ${name} ${limit} must be a whole number from 10 to 2,000,000,000`);
    }
  }
}
