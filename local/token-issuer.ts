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

/**
 * Repeated wrong secrets slow down, per client id and per source address: after `freeFailures` within the window,
 * each further attempt must wait twice as long as the last (1 s, 2 s, 4 s … up to 5 min), and is answered 429
 * with Retry-After meanwhile — even with the right secret, so guessing gains nothing by hurrying.
 */
const freeFailures = { client: 5, ip: 20 } as const;
const failureWindowMs = 5 * 60_000;
const maxPenaltyMs = 5 * 60_000;

interface Failures {
  count: number;
  firstAt: number;
  blockedUntil: number;
}

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class LocalTokenIssuer {
  private readonly failures = new Map<string, Failures>();

  private constructor(
    private readonly issuer: string,
    private readonly privateKey: SigningKey,
    private readonly publicJwk: JWK,
    private readonly clients: ReadonlyMap<string, LocalClient>,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Milliseconds until any of the keys may try again; 0 when none is held back. */
  private waitFor(keys: readonly string[]): number {
    const now = this.now();
    return Math.max(0, ...keys.map((key) => (this.failures.get(key)?.blockedUntil ?? 0) - now));
  }

  private recordFailure(keys: readonly string[]): void {
    const now = this.now();
    for (const key of keys) {
      const current = this.failures.get(key);
      const fresh = current === undefined || now - current.firstAt > failureWindowMs;
      const next: Failures = fresh
        ? { count: 1, firstAt: now, blockedUntil: 0 }
        : { ...current, count: current.count + 1 };
      // An address may carry many clients (a NAT, or this machine for every local test): it gets more slack.
      const free = key.startsWith('ip:') ? freeFailures.ip : freeFailures.client;
      if (next.count > free) {
        next.blockedUntil = now + Math.min(maxPenaltyMs, 1000 * 2 ** (next.count - free - 1));
      }
      this.failures.set(key, next);
    }
  }

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
    /** The caller's address: wrong secrets slow down per address as well as per client id. */
    readonly sourceIp?: string;
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
    if (basic === null && /^Basic(\s|$)/i.test(request.authorization ?? '')) {
      return error(400, 'invalid_request', 'Basic credentials must be base64 of client_id:client_secret');
    }
    if (basic?.[1] !== undefined) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      if (separator < 0)
        return error(400, 'invalid_request', 'Basic credentials must be client_id:client_secret');
      try {
        // RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
        clientId = decodeURIComponent(decoded.slice(0, separator));
        clientSecret = decodeURIComponent(decoded.slice(separator + 1));
      } catch {
        return error(400, 'invalid_request', 'the Basic credentials are not valid percent-encoding');
      }
    }
    const keys = [
      `client:${clientId}`,
      ...(request.sourceIp === undefined ? [] : [`ip:${request.sourceIp}`]),
    ];
    const wait = this.waitFor(keys);
    if (wait > 0) {
      return {
        status: 429,
        headers: { 'retry-after': String(Math.ceil(wait / 1000)) },
        body: {
          error: 'slow_down',
          error_description: 'too many failed attempts; retry after the Retry-After seconds',
        },
      } satisfies TokenResponse;
    }
    const client = this.clients.get(clientId);
    if (client === undefined || !sameSecret(client.clientSecret, clientSecret)) {
      this.recordFailure(keys);
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
    const now = Math.floor(this.now() / 1000);
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
