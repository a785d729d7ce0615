// entry: Lambda authorizer — the one place a token becomes a tenant, a client and scopes.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import { policyFor } from '../platform/authorizer-policy';
import { flushMetrics, type Observability } from '../platform/observability';
import { scopePrefix, scopes } from '../platform/routes';
import type { ApiClientDirectory } from '../ports/api-client-directory';
import type { SecuritySignals } from '../ports/security-signals';
import { TokenRejectedError, type TokenVerifier, type VerifiedToken } from '../ports/token-verifier';

export type AuthorizerEvent = APIGatewayTokenAuthorizerEvent | APIGatewayRequestAuthorizerEvent;

export interface AuthorizerDependencies {
  readonly tokens: TokenVerifier;
  readonly clients: ApiClientDirectory;
  readonly signals: SecuritySignals;
  readonly observability: Observability;
}

function bearerToken(event: AuthorizerEvent): string | undefined {
  const raw =
    event.type === 'TOKEN'
      ? event.authorizationToken
      : Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/.exec(raw ?? '');
  return match?.[1];
}

/** API Gateway answers 401 only when the authorizer throws exactly this message; anything else is a 500. */
export const unauthorizedMessage = 'Unauthorized';
const unauthorized = () => new Error(unauthorizedMessage);

export function makeHandler(dependencies: AuthorizerDependencies) {
  const { logger, metrics } = dependencies.observability;
  return middy<AuthorizerEvent, APIGatewayAuthorizerResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics(metrics))
    .handler(async (event) => {
      const token = bearerToken(event);
      if (token === undefined) {
        dependencies.signals.record({ kind: 'token-rejected', reason: 'malformed' });
        throw unauthorized();
      }
      let verified: VerifiedToken;
      try {
        verified = await dependencies.tokens.verify(token);
      } catch (error) {
        // Only a refused token is the client's fault; an unreachable key set must not look like bad tokens.
        if (!(error instanceof TokenRejectedError)) throw error;
        dependencies.signals.record({ kind: 'token-rejected', reason: error.reason });
        throw unauthorized();
      }
      const client = await dependencies.clients.find(verified.clientId);
      if (client === undefined || client.status !== 'active') {
        dependencies.signals.record({
          kind: 'client-rejected',
          clientId: verified.clientId,
          reason: client === undefined ? 'unknown' : 'disabled',
          ...(client === undefined ? {} : { tenantId: client.tenantId }),
        });
        throw unauthorized();
      }
      const granted = scopes.filter((scope) => verified.scopes.includes(`${scopePrefix}${scope}`));
      return {
        principalId: client.clientId,
        policyDocument: policyFor(event.methodArn, granted),
        context: { tenantId: client.tenantId, clientId: client.clientId, scopes: granted.join(' ') },
      };
    });
}
