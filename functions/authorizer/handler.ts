// entry: Lambda authorizer — the one place a token becomes a tenant, a client and scopes.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import { documentClient } from '../adapters/aws-clients';
import { DynamoDbApiClientDirectory } from '../adapters/dynamodb-api-client-directory';
import { JoseTokenVerifier } from '../adapters/jose-token-verifier';
import { policyFor } from '../platform/authorizer-policy';
import { envNames, requireEnv } from '../platform/config';
import { createObservability, type Observability } from '../platform/observability';
import { scopePrefix, scopes } from '../platform/routes';
import type { ApiClientDirectory } from '../ports/api-client-directory';
import type { TokenVerifier } from '../ports/token-verifier';

export type AuthorizerEvent = APIGatewayTokenAuthorizerEvent | APIGatewayRequestAuthorizerEvent;

export interface AuthorizerDependencies {
  readonly tokens: TokenVerifier;
  readonly clients: ApiClientDirectory;
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

// API Gateway answers 401 only when the authorizer throws exactly this message.
const unauthorized = () => new Error('Unauthorized');

export function makeHandler(dependencies: AuthorizerDependencies) {
  const { logger, metrics } = dependencies.observability;
  return middy<AuthorizerEvent, APIGatewayAuthorizerResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const token = bearerToken(event);
      if (token === undefined) throw unauthorized();
      let verified: Awaited<ReturnType<TokenVerifier['verify']>>;
      try {
        verified = await dependencies.tokens.verify(token);
      } catch (error) {
        logger.warn('token rejected', { securityEvent: 'token-rejected', reason: (error as Error).message });
        metrics.addMetric('TokensRejected', 'Count', 1);
        throw unauthorized();
      }
      const client = await dependencies.clients.find(verified.clientId);
      if (client === undefined || client.status !== 'active') {
        logger.warn('unknown or disabled client', {
          securityEvent: 'client-rejected',
          clientId: verified.clientId,
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

export const handler = makeHandler({
  tokens: new JoseTokenVerifier({
    issuer: requireEnv(envNames.jwtIssuer),
    jwksUrl: requireEnv(envNames.jwksUrl),
  }),
  clients: new DynamoDbApiClientDirectory({
    tableName: requireEnv(envNames.tableName),
    client: documentClient(),
  }),
  observability: createObservability('authorizer'),
});
