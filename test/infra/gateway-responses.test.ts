// test: gateway problems — one shared table, and every entry deployed as a gateway response with its status and body.
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import {
  ForbiddenError,
  MalformedRequestError,
  NotFoundError,
  PayloadTooLargeError,
  type ProblemError,
  problemBaseUrl,
  toProblem,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationFailedError,
} from '../../functions/platform/errors';
import {
  type GatewayProblemKey,
  gatewayProblem,
  gatewayProblemDefinitions,
  gatewayProblems,
  gatewayResponseTypes,
} from '../../functions/platform/gateway-responses';
import { buildLedgerlock, type LedgerlockTestApp } from './ledgerlock-app';

type GatewayResponseJson = {
  Properties: {
    ResponseType: string;
    StatusCode: string;
    ResponseParameters?: Record<string, string>;
    ResponseTemplates?: Record<string, string>;
  };
};

let built: LedgerlockTestApp;
let deployed: Map<string, GatewayResponseJson['Properties']>;
beforeAll(() => {
  built = buildLedgerlock();
  const responses = built.apiTemplate.findResources('AWS::ApiGateway::GatewayResponse') as Record<
    string,
    GatewayResponseJson
  >;
  deployed = new Map(
    Object.values(responses).map((response) => [response.Properties.ResponseType, response.Properties]),
  );
});

/** The response types aws-cdk-lib knows (its `ResponseType` statics), to check the shared list against. */
const cdkResponseTypes = Object.values(apigateway.ResponseType)
  .filter((value): value is apigateway.ResponseType => value instanceof apigateway.ResponseType)
  .map((value) => value.responseType);

const entries = gatewayProblems.flatMap((entry) =>
  entry.responseTypes.map((responseType) => ({ key: entry.key, responseType })),
);

describe('gateway problems', () => {
  describe('the shared table', () => {
    it('lists every API Gateway response type exactly once, so none falls back to the default {"message"} body', () => {
      const listed = entries.map((entry) => entry.responseType);
      expect(new Set(listed).size).toBe(listed.length);
      expect([...listed].sort()).toEqual([...gatewayResponseTypes].sort());
      expect([...gatewayResponseTypes].sort()).toEqual([...cdkResponseTypes].sort());
    });

    it.each(gatewayProblems.map((entry) => entry.key))(
      'answers %s with an RFC 9457 problem of a real type, whose status is the HTTP status',
      (key) => {
        const answer = gatewayProblem(key);
        expect(answer.headers).toMatchObject({ 'Content-Type': 'application/problem+json' });
        expect(JSON.parse(answer.body)).toEqual({
          type: `${problemBaseUrl}${gatewayProblemDefinitions[key].slug}`,
          title: gatewayProblemDefinitions[key].title,
          status: answer.status,
          detail: gatewayProblemDefinitions[key].detail,
        });
        expect(answer.body).not.toContain('about:blank');
      },
    );

    it('uses the status and title of the handler errors for the problem types they share', () => {
      const handlerErrors: ProblemError[] = [
        new MalformedRequestError('x'),
        new ValidationFailedError('x'),
        new UnauthenticatedError('x'),
        new ForbiddenError('x'),
        new NotFoundError('x'),
        new PayloadTooLargeError('x'),
        new UnsupportedMediaTypeError('x'),
      ];
      const internal = toProblem(new Error('x'));
      const bySlug = new Map<string, { status: number; title: string }>([
        ...handlerErrors.map((error) => [error.slug, { status: error.status, title: error.title }] as const),
        [internal.type.slice(problemBaseUrl.length), { status: internal.status, title: internal.title }],
      ]);
      const shared = gatewayProblems.filter((entry) => bySlug.has(entry.slug));
      expect(shared.map((entry) => entry.key)).toEqual(
        expect.arrayContaining(['missing-route', 'unauthorized', 'access-denied', 'request-too-large']),
      );
      for (const entry of shared) {
        expect({ key: entry.key, status: entry.status, title: entry.title }).toEqual({
          key: entry.key,
          ...bySlug.get(entry.slug),
        });
      }
    });

    it('answers a missing route and a wrong method with the same 404 not-found problem, not 403 or 405', () => {
      expect(gatewayProblemDefinitions['missing-route'].responseTypes).toEqual(
        expect.arrayContaining(['MISSING_AUTHENTICATION_TOKEN', 'RESOURCE_NOT_FOUND']),
      );
      const answer = gatewayProblem('missing-route');
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body).type).toBe(`${problemBaseUrl}not-found`);
      expect(answer.headers).not.toHaveProperty('Allow');
    });

    it('asks for a bearer token when it answers 401', () => {
      expect(gatewayProblem('unauthorized')).toMatchObject({
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    });

    it('keeps every 5xx body generic: the same fixed text, no internals', () => {
      const serverFaults = gatewayProblems.filter((entry) => entry.status >= 500);
      expect(serverFaults.length).toBeGreaterThan(0);
      for (const entry of serverFaults) {
        expect(entry.detail).toMatch(/; retry later\.$/);
        expect(entry.detail).not.toMatch(/lambda|dynamo|authorizer|function|table|aws/i);
      }
    });
  });

  describe('on AWS', () => {
    it('has one gateway response per listed response type and none besides', () => {
      expect([...deployed.keys()].sort()).toEqual(entries.map((entry) => entry.responseType).sort());
    });

    it.each(entries)(
      'answers $key as $responseType with the status, headers and exact body the local gateway sends',
      ({ key, responseType }) => {
        const answer = gatewayProblem(key);
        const response = deployed.get(responseType);
        expect(response?.StatusCode).toBe(String(answer.status));
        expect(response?.ResponseTemplates).toEqual({ 'application/json': answer.body });
        expect(response?.ResponseParameters).toEqual(
          Object.fromEntries(
            Object.entries(answer.headers).map(([name, value]) => [
              `gatewayresponse.header.${name}`,
              `'${value}'`,
            ]),
          ),
        );
      },
    );

    it('answers throttling (THROTTLED, QUOTA_EXCEEDED) with 429', () => {
      expect(gatewayProblemDefinitions.throttled.responseTypes).toEqual(['THROTTLED', 'QUOTA_EXCEEDED']);
      expect(deployed.get('THROTTLED')?.StatusCode).toBe('429');
      expect(deployed.get('QUOTA_EXCEEDED')?.StatusCode).toBe('429');
    });

    it('answers an authorizer that fails (for instance DynamoDB unreachable) with 500, never 401', () => {
      const key: GatewayProblemKey = 'authorizer-failure';
      expect(gatewayProblemDefinitions[key].responseTypes).toEqual(
        expect.arrayContaining(['AUTHORIZER_FAILURE', 'AUTHORIZER_CONFIGURATION_ERROR']),
      );
      for (const responseType of ['AUTHORIZER_FAILURE', 'AUTHORIZER_CONFIGURATION_ERROR']) {
        expect({ responseType, status: deployed.get(responseType)?.StatusCode }).toEqual({
          responseType,
          status: '500',
        });
        expect(deployed.get(responseType)?.ResponseTemplates?.['application/json']).toBe(
          gatewayProblem(key).body,
        );
      }
    });

    it('answers an unknown path or method (MISSING_AUTHENTICATION_TOKEN) with the 404 not-found problem', () => {
      const response = deployed.get('MISSING_AUTHENTICATION_TOKEN');
      expect(response?.StatusCode).toBe('404');
      expect(JSON.parse(response?.ResponseTemplates?.['application/json'] ?? '{}')).toMatchObject({
        type: `${problemBaseUrl}not-found`,
        status: 404,
      });
    });

    it('puts nothing Velocity would evaluate into a template', () => {
      for (const response of deployed.values()) {
        expect(response.ResponseTemplates?.['application/json']).not.toMatch(/[$#\\]/);
      }
    });
  });
});
