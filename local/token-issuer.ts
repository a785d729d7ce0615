// local: an OAuth2 client-credentials issuer shaped like Cognito's token endpoint (JWKS + /oauth2/token).
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

export interface LocalClient {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Full OAuth scope names as the token carries them, e.g. `ledgerlock/invoices:read`. */
  readonly scopes: readonly string[];
}

export interface TokenResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

const tokenLifetimeSeconds = 3600;

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class LocalTokenIssuer {
  private constructor(
    private readonly issuer: string,
    private readonly privateKey: SigningKey,
    private readonly publicJwk: JWK,
    private readonly clients: ReadonlyMap<string, LocalClient>,
  ) {}

  /** Keeps its signing key in keyFile when given, so tokens survive a restart of the local stack. */
  static async create(options: {
    readonly issuer: string;
    readonly clients: readonly LocalClient[];
    readonly keyFile?: string;
  }): Promise<LocalTokenIssuer> {
    let privateJwk: JWK;
    if (options.keyFile !== undefined && existsSync(options.keyFile)) {
      privateJwk = JSON.parse(readFileSync(options.keyFile, 'utf8')) as JWK;
    } else {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
      privateJwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
      if (options.keyFile !== undefined)
        writeFileSync(options.keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
    }
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
    const privateKey = await importJWK(privateJwk, 'RS256');
    return new LocalTokenIssuer(
      options.issuer,
      privateKey,
      publicJwk,
      new Map(options.clients.map((client) => [client.clientId, client])),
    );
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** POST /oauth2/token with a form body and HTTP Basic client authentication, as Cognito takes it. */
  async token(request: {
    readonly authorization?: string;
    readonly contentType?: string;
    readonly body: string;
  }) {
    const error = (status: number, code: string, description: string): TokenResponse => ({
      status,
      headers: status === 401 ? { 'www-authenticate': 'Basic realm="ledgerlock"' } : {},
      body: { error: code, error_description: description },
    });
    if (!/^application\/x-www-form-urlencoded\b/i.test(request.contentType ?? '')) {
      return error(400, 'invalid_request', 'send the body as application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(request.body);
    let clientId = form.get('client_id') ?? '';
    let clientSecret = form.get('client_secret') ?? '';
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(request.authorization ?? '');
    if (basic?.[1] !== undefined) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      clientId = decodeURIComponent(decoded.slice(0, separator));
      clientSecret = decodeURIComponent(decoded.slice(separator + 1));
    }
    const client = this.clients.get(clientId);
    if (client === undefined || !sameSecret(client.clientSecret, clientSecret)) {
      return error(401, 'invalid_client', 'unknown client or wrong secret');
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return error(400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
    }
    const requested = (form.get('scope') ?? '').split(' ').filter((scope) => scope !== '');
    const scopes = requested.length === 0 ? client.scopes : requested;
    if (scopes.some((scope) => !client.scopes.includes(scope))) {
      return error(400, 'invalid_scope', 'a requested scope is not allowed for this client');
    }
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({
      token_use: 'access',
      scope: scopes.join(' '),
      auth_time: now,
      client_id: client.clientId,
      version: 2,
      jti: randomUUID(),
    })
      .setProtectedHeader({ alg: 'RS256', kid: this.publicJwk.kid ?? 'local', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(client.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + tokenLifetimeSeconds)
      .sign(this.privateKey);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { access_token: accessToken, token_type: 'Bearer', expires_in: tokenLifetimeSeconds },
    } satisfies TokenResponse;
  }
}
