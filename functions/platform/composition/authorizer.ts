// platform: the composition root of the authorizer — a token verifier and the API-client directory.
import { documentClient } from '../../adapters/aws-clients';
import { DynamoDbApiClientDirectory } from '../../adapters/dynamodb-api-client-directory';
import { JoseTokenVerifier } from '../../adapters/jose-token-verifier';
import type { AuthorizerDependencies } from '../../authorizer/handler';
import type { ConfigOf, Runtime } from './runtime';

export function composeAuthorizer(config: ConfigOf<'authorizer'>, runtime: Runtime): AuthorizerDependencies {
  return {
    tokens: new JoseTokenVerifier({ issuer: config.jwtIssuer, jwksUrl: config.jwksUrl }),
    clients: new DynamoDbApiClientDirectory({
      tableName: config.tableName,
      client: documentClient(runtime.clients),
    }),
    signals: runtime.signals,
    observability: runtime.observability,
  };
}
