// port: verifies a bearer token and says which OAuth client it was issued to, with which scopes.

export interface VerifiedToken {
  readonly clientId: string;
  /** Scopes exactly as the token carries them, e.g. `ledgerlock/invoices:read`. */
  readonly scopes: readonly string[];
}

/** Why a token was refused; the detector tells brute force (bad signatures) from expiry by this. */
export type TokenRejection =
  | 'malformed'
  | 'expired'
  | 'bad-signature'
  | 'unknown-key'
  | 'wrong-issuer-or-claims'
  | 'not-an-access-token';

/** The token itself is not acceptable: the client's problem (401). */
export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';
  constructor(
    readonly reason: TokenRejection,
    options?: { readonly cause?: unknown },
  ) {
    super(`token rejected: ${reason}`, options);
  }
}

export interface TokenVerifier {
  /**
   * Throws TokenRejectedError when the token is malformed, expired, not an access token or not signed by the
   * issuer; any other error (the issuer's keys cannot be fetched) is a failure of the system, never a 401.
   */
  verify(token: string): Promise<VerifiedToken>;
}
