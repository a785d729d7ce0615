// adapter: jose → TokenVerifier for Cognito-shaped access tokens (Cognito on AWS, the local issuer locally).
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import {
  TokenRejectedError,
  type TokenRejection,
  type TokenVerifier,
  type VerifiedToken,
} from '../ports/token-verifier';

/** jose's error codes for a token that is simply not acceptable; anything else (JWKS unreachable) is ours. */
const rejections: Readonly<Record<string, TokenRejection>> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad-signature',
  ERR_JWKS_NO_MATCHING_KEY: 'unknown-key',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'unknown-key',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'wrong-issuer-or-claims',
  ERR_JWS_INVALID: 'malformed',
  ERR_JWT_INVALID: 'malformed',
  ERR_JOSE_ALG_NOT_ALLOWED: 'malformed',
  ERR_JOSE_NOT_SUPPORTED: 'malformed',
};

export class JoseTokenVerifier implements TokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: { readonly issuer: string; readonly jwksUrl: string }) {
    // The key set is fetched once and cached across invocations; an unknown kid triggers one refetch.
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl), { cacheMaxAge: 10 * 60 * 1000 });
  }

  async verify(token: string): Promise<VerifiedToken> {
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'iat', 'client_id', 'token_use'],
        clockTolerance: 5,
      }));
    } catch (error) {
      const reason = error instanceof errors.JOSEError ? rejections[error.code] : undefined;
      if (reason !== undefined) throw new TokenRejectedError(reason, { cause: error });
      throw error;
    }
    // Cognito access tokens carry token_use "access"; an ID token must never authorize API calls.
    if (payload.token_use !== 'access') throw new TokenRejectedError('not-an-access-token');
    if (typeof payload.client_id !== 'string') throw new TokenRejectedError('wrong-issuer-or-claims');
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    return { clientId: payload.client_id, scopes: scope.split(' ').filter((s) => s !== '') };
  }
}
