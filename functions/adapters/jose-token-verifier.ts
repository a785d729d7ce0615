// adapter: jose → TokenVerifier for Cognito-shaped access tokens (Cognito on AWS, the local issuer locally).
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { TokenVerifier, VerifiedToken } from '../ports/token-verifier';

export class JoseTokenVerifier implements TokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: { readonly issuer: string; readonly jwksUrl: string }) {
    // The key set is fetched once and cached across invocations; an unknown kid triggers one refetch.
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl), { cacheMaxAge: 10 * 60 * 1000 });
  }

  async verify(token: string): Promise<VerifiedToken> {
    const { payload } = await jwtVerify(token, this.keys, {
      issuer: this.options.issuer,
      algorithms: ['RS256'],
      requiredClaims: ['exp', 'iat', 'client_id', 'token_use'],
      clockTolerance: 5,
    });
    // Cognito access tokens carry token_use "access"; an ID token must never authorize API calls.
    if (payload.token_use !== 'access') throw new Error('not an access token');
    if (typeof payload.client_id !== 'string') throw new Error('no client_id claim');
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    return { clientId: payload.client_id, scopes: scope.split(' ').filter((s) => s !== '') };
  }
}
