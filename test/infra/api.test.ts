// test: the REST API — one authorized method per route-table entry, validation, logs, throttling, WAF, errors.
import { Match } from 'aws-cdk-lib/assertions';
import {
  authorizerCacheTtlSeconds,
  authorizerTokenPattern,
  stageThrottling,
  wafRateLimits,
} from '../../functions/platform/api-limits';
import { gatewayProblem } from '../../functions/platform/gateway-responses';
import { type RouteDefinition, routeKey, routes } from '../../functions/platform/routes';
import { buildLedgerlock, type LedgerlockTestApp, logicalId } from './ledgerlock-app';

type ResourceJson = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

let built: LedgerlockTestApp;
let resources: Record<string, ResourceJson>;
beforeAll(() => {
  built = buildLedgerlock();
  resources = built.apiTemplate.toJSON().Resources as Record<string, ResourceJson>;
});

/** The path of an API Gateway resource, rebuilt from its PathPart/ParentId chain. */
function resourcePath(resourceId: unknown): string {
  const ref = (resourceId as { Ref?: string }).Ref;
  if (ref === undefined) return '/'; // Fn::GetAtt RestApi.RootResourceId
  const resource = resources[ref];
  if (resource?.Type !== 'AWS::ApiGateway::Resource') throw new Error(`${ref} is not an API resource`);
  const parent = resourcePath(resource.Properties.ParentId);
  return `${parent === '/' ? '' : parent}/${resource.Properties.PathPart as string}`;
}

function methods() {
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::ApiGateway::Method')
    .map(([id, resource]) => ({
      id,
      properties: resource.Properties,
      key: `${resource.Properties.HttpMethod as string} ${resourcePath(resource.Properties.ResourceId)}`,
    }));
}

function functionLogicalIdFor(route: RouteDefinition): string {
  const { readFunction, writeFunction } = built.apiStack;
  return logicalId((route.functionName === 'api-read' ? readFunction : writeFunction).function);
}

describe('Api', () => {
  describe('methods', () => {
    it('puts every method except OPTIONS behind the Lambda authorizer', () => {
      const authorizerId = logicalId(built.apiStack.api.authorizer);
      const guarded = methods().filter((method) => method.properties.HttpMethod !== 'OPTIONS');
      expect(guarded.length).toBeGreaterThan(0);
      for (const method of guarded) {
        expect({ method: method.key, type: method.properties.AuthorizationType }).toEqual({
          method: method.key,
          type: 'CUSTOM',
        });
        expect(method.properties.AuthorizerId).toEqual({ Ref: authorizerId });
      }
    });

    it('has exactly one method per route-table entry and none besides', () => {
      const methodKeys = methods()
        .filter((method) => method.properties.HttpMethod !== 'OPTIONS')
        .map((method) => method.key)
        .sort();
      expect(methodKeys).toEqual(routes.map(routeKey).sort());
    });

    it('integrates each route with the function the route table names, as a Lambda proxy', () => {
      const byKey = new Map(methods().map((method) => [method.key, method.properties]));
      for (const route of routes) {
        const integration = byKey.get(routeKey(route))?.Integration as {
          Type: string;
          Uri: unknown;
        };
        expect(integration.Type).toBe('AWS_PROXY');
        expect(JSON.stringify(integration.Uri)).toContain(`"${functionLogicalIdFor(route)}"`);
      }
    });

    it('validates bodies and parameters of every method, with a model wherever the route has a schema', () => {
      const validatorId = logicalId(built.apiStack.api.restApi.node.findChild('RequestValidator'));
      built.apiTemplate.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
        ValidateRequestBody: true,
        ValidateRequestParameters: true,
      });
      const byKey = new Map(methods().map((method) => [method.key, method.properties]));
      for (const route of routes) {
        const method = byKey.get(routeKey(route));
        expect(method?.RequestValidatorId).toEqual({ Ref: validatorId });
        if (route.requestSchema !== undefined) {
          expect(method?.RequestModels).toEqual({ 'application/json': { Ref: expect.any(String) } });
        }
      }
    });

    it('requires every path parameter of the route', () => {
      const byKey = new Map(methods().map((method) => [method.key, method.properties]));
      for (const route of routes) {
        for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g)) {
          expect(byKey.get(routeKey(route))?.RequestParameters).toMatchObject({
            [`method.request.path.${name}`]: true,
          });
        }
      }
    });

    it('records each route’s scope in the API documentation', () => {
      for (const route of routes) {
        built.apiTemplate.hasResourceProperties('AWS::ApiGateway::DocumentationPart', {
          Location: { Type: 'METHOD', Path: route.path, Method: route.method },
          Properties: Match.serializedJson(
            Match.objectLike({ 'x-ledgerlock-scope': `ledgerlock/${route.scope}` }),
          ),
        });
      }
    });
  });

  describe('request models', () => {
    it('declares JSON Schema draft 4 that allows no unknown properties', () => {
      built.apiTemplate.hasResourceProperties('AWS::ApiGateway::Model', {
        ContentType: 'application/json',
        Schema: Match.objectLike({
          $schema: 'http://json-schema.org/draft-04/schema#',
          type: 'object',
          additionalProperties: false,
        }),
      });
    });

    it('contains no Unicode property escapes API Gateway would misread', () => {
      const models = built.apiTemplate.findResources('AWS::ApiGateway::Model');
      expect(Object.keys(models).length).toBeGreaterThan(0);
      expect(JSON.stringify(models)).not.toMatch(/\\\\[pP]\{/);
    });
  });

  describe('authorizer', () => {
    it('is a TOKEN authorizer on the Authorization header whose answers are cached for five minutes', () => {
      built.apiTemplate.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'TOKEN',
        IdentitySource: 'method.request.header.Authorization',
        AuthorizerResultTtlInSeconds: 300,
      });
    });

    it('invokes the authorizer function', () => {
      const [authorizer] = Object.values(built.apiTemplate.findResources('AWS::ApiGateway::Authorizer'));
      expect(JSON.stringify(authorizer?.Properties.AuthorizerUri)).toContain(
        `"${logicalId(built.apiStack.authorizerFunction.function)}"`,
      );
    });
  });

  describe('stage', () => {
    it('throttles, traces and logs errors without request or response bodies', () => {
      built.apiTemplate.hasResourceProperties('AWS::ApiGateway::Stage', {
        TracingEnabled: true,
        MethodSettings: [
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: 1000,
            ThrottlingBurstLimit: 2000,
            LoggingLevel: 'ERROR',
            DataTraceEnabled: false,
          }),
        ],
      });
    });

    it('throttles, checks the token shape and caches authorizer answers with the shared values local/ applies', () => {
      built.apiTemplate.hasResourceProperties('AWS::ApiGateway::Stage', {
        MethodSettings: [
          Match.objectLike({
            ThrottlingRateLimit: stageThrottling.rateLimit,
            ThrottlingBurstLimit: stageThrottling.burstLimit,
          }),
        ],
      });
      built.apiTemplate.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        AuthorizerResultTtlInSeconds: authorizerCacheTtlSeconds,
        IdentityValidationExpression: authorizerTokenPattern,
      });
    });

    it('writes JSON access logs that carry no body', () => {
      const [stage] = Object.values(built.apiTemplate.findResources('AWS::ApiGateway::Stage'));
      const format = stage?.Properties.AccessLogSetting.Format as string;
      const fields = JSON.parse(format) as Record<string, string>;
      expect(fields).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
      expect(format).not.toMatch(/body|\$input|authorization|validationErrorString/i);
    });

    it('logs what detect reads from every request: who, from where, what, how it ended, how fast', () => {
      const [stage] = Object.values(built.apiTemplate.findResources('AWS::ApiGateway::Stage'));
      const fields = JSON.parse(stage?.Properties.AccessLogSetting.Format as string) as Record<
        string,
        string
      >;
      expect(fields).toMatchObject({
        requestId: '$context.requestId',
        requestTime: '$context.requestTimeEpoch',
        sourceIp: '$context.identity.sourceIp',
        httpMethod: '$context.httpMethod',
        resourcePath: '$context.resourcePath',
        status: '$context.status',
        responseLatency: '$context.responseLatency',
        tenantId: '$context.authorizer.tenantId',
        principalId: '$context.authorizer.principalId',
        clientId: '$context.authorizer.clientId',
        errorType: '$context.error.responseType',
        errorMessage: '$context.error.message',
        authorizerError: '$context.authorizer.error',
      });
    });

    it('sends access logs to a KMS-encrypted log group', () => {
      const accessLogs = logicalId(built.apiStack.api.accessLogGroup);
      const [stage] = Object.values(built.apiTemplate.findResources('AWS::ApiGateway::Stage'));
      expect(JSON.stringify(stage?.Properties.AccessLogSetting.DestinationArn)).toContain(`"${accessLogs}"`);
      expect(resources[accessLogs]?.Properties.KmsKeyId).toBeDefined();
    });

    it('owns the execution-log group so it is encrypted and expires', () => {
      built.apiTemplate.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: {
          'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: Match.anyValue() }, '/prod']],
        },
        KmsKeyId: Match.anyValue(),
        RetentionInDays: 365,
      });
    });
  });

  describe('WAF', () => {
    it('associates a regional web ACL with the stage', () => {
      const stageId = logicalId(built.apiStack.api.restApi.deploymentStage);
      built.apiTemplate.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        WebACLArn: { 'Fn::GetAtt': [logicalId(built.apiStack.api.webAcl), 'Arn'] },
      });
      const [association] = Object.values(built.apiTemplate.findResources('AWS::WAFv2::WebACLAssociation'));
      expect(JSON.stringify(association?.Properties.ResourceArn)).toContain(`"${stageId}"`);
    });

    it('blocks, before anything else, the addresses operations put in its IP sets (created empty)', () => {
      const sets = Object.values(built.apiTemplate.findResources('AWS::WAFv2::IPSet'));
      expect(sets.map((set) => [set.Properties.IPAddressVersion, set.Properties.Addresses]).sort()).toEqual([
        ['IPV4', []],
        ['IPV6', []],
      ]);
      built.apiTemplate.hasResourceProperties('AWS::WAFv2::WebACL', {
        Rules: Match.arrayWith([
          Match.objectLike({ Name: 'BlockedAddresses', Priority: 0, Action: { Block: {} } }),
        ]),
      });
    });

    it('holds each client (bearer token) to its own rate, answered 429 with the stage’s problem and Retry-After', () => {
      const [webAcl] = Object.values(built.apiTemplate.findResources('AWS::WAFv2::WebACL'));
      const rules = webAcl?.Properties.Rules as { Name: string; Action: unknown; Statement: unknown }[];
      const perClient = rules.find((rule) => rule.Name === 'RateLimitPerClient');
      expect(perClient?.Statement).toEqual({
        RateBasedStatement: {
          AggregateKeyType: 'CUSTOM_KEYS',
          CustomKeys: [
            { Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
          ],
          Limit: wafRateLimits.requestsPerClientPerMinute,
          EvaluationWindowSec: 60,
        },
      });
      const response = ((perClient?.Action ?? {}) as { Block: { CustomResponse: Record<string, unknown> } })
        .Block.CustomResponse;
      expect(response).toMatchObject({ ResponseCode: 429, CustomResponseBodyKey: 'too-many-requests' });
      expect(response.ResponseHeaders).toEqual(
        expect.arrayContaining([
          { Name: 'Retry-After', Value: '60' },
          { Name: 'Cache-Control', Value: 'no-store' },
        ]),
      );
      expect(webAcl?.Properties.CustomResponseBodies['too-many-requests']).toEqual({
        ContentType: 'APPLICATION_JSON',
        Content: gatewayProblem('throttled').body,
      });
    });

    it('limits every address generously and an address without a token tightly', () => {
      const [webAcl] = Object.values(built.apiTemplate.findResources('AWS::WAFv2::WebACL'));
      const rules = webAcl?.Properties.Rules as {
        Name: string;
        Statement: { RateBasedStatement: unknown };
      }[];
      const rate = (name: string) => rules.find((rule) => rule.Name === name)?.Statement.RateBasedStatement;
      expect(rate('RateLimitPerIp')).toEqual({
        AggregateKeyType: 'IP',
        Limit: wafRateLimits.requestsPerIpPer5Minutes,
        EvaluationWindowSec: 300,
      });
      expect(rate('RateLimitPerIpUnauthenticated')).toMatchObject({
        AggregateKeyType: 'IP',
        Limit: wafRateLimits.unauthenticatedRequestsPerIpPer5Minutes,
        ScopeDownStatement: {
          NotStatement: {
            Statement: {
              ByteMatchStatement: expect.objectContaining({
                SearchString: 'Bearer ',
                PositionalConstraint: 'STARTS_WITH',
              }),
            },
          },
        },
      });
      // A client at its own limit is far inside the stage's: one tenant cannot starve the others.
      expect(wafRateLimits.requestsPerClientPerMinute / 60).toBeLessThan(stageThrottling.rateLimit);
    });

    it('runs the common and known-bad-inputs rule sets, rate limits and a body size limit', () => {
      built.apiTemplate.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        Rules: Match.arrayWith([
          Match.objectLike({
            Statement: { RateBasedStatement: Match.objectLike({ AggregateKeyType: 'IP' }) },
            Action: { Block: {} },
          }),
          Match.objectLike({
            Statement: {
              SizeConstraintStatement: Match.objectLike({ ComparisonOperator: 'GT', Size: 65536 }),
            },
            Action: { Block: {} },
          }),
          Match.objectLike({
            Statement: {
              ManagedRuleGroupStatement: Match.objectLike({
                VendorName: 'AWS',
                Name: 'AWSManagedRulesCommonRuleSet',
              }),
            },
          }),
          Match.objectLike({
            Statement: {
              ManagedRuleGroupStatement: Match.objectLike({
                VendorName: 'AWS',
                Name: 'AWSManagedRulesKnownBadInputsRuleSet',
              }),
            },
          }),
        ]),
      });
    });

    it('logs blocked requests with the Authorization header redacted', () => {
      built.apiTemplate.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
        RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
      });
    });
  });

  describe('gateway responses', () => {
    it.each([
      ['UNAUTHORIZED', '401'],
      ['ACCESS_DENIED', '403'],
      ['DEFAULT_4XX', '400'],
      ['DEFAULT_5XX', '500'],
    ])('answers %s with a problem+json body and status %s', (type, status) => {
      built.apiTemplate.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: status,
        ResponseParameters: Match.objectLike({
          'gatewayresponse.header.Content-Type': "'application/problem+json'",
        }),
        ResponseTemplates: {
          'application/json': Match.serializedJson({
            type: Match.stringLikeRegexp('.+'),
            title: Match.stringLikeRegexp('.+'),
            status: Number(status),
            detail: Match.stringLikeRegexp('.+'),
          }),
        },
      });
    });

    it('never echoes gateway internals into a problem body', () => {
      const responses = built.apiTemplate.findResources('AWS::ApiGateway::GatewayResponse');
      for (const response of Object.values(responses)) {
        expect(JSON.stringify(response.Properties.ResponseTemplates)).not.toContain('$context');
      }
    });
  });
});
