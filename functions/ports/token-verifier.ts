// port: verifies a bearer token and says which OAuth client it was issued to, with which scopes.

export interface VerifiedToken {
  readonly clientId: string;
  /** Scopes exactly as the token carries them, e.g. `ledgerlock/invoices:read`. */
  readonly scopes: readonly string[];
}

export interface TokenVerifier {
  /** Throws when the token is malformed, expired, not an access token or not signed by the issuer. */
  verify(token: string): Promise<VerifiedToken>;
}
