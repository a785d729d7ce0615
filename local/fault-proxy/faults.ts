// local: the fault proxy's plan — which requests a fault selects, the queue of counted faults and the outages
export interface RequestMatch {
  /** e.g. 'POST'; any method when absent. */
  readonly method?: string;
  /** A path prefix ('/v2/email/outbound-emails'), or a RegExp tested against the path (query excluded). */
  readonly path?: string | RegExp;
}

export interface RefuseFault {
  /** Answer with an AWS error without forwarding: the service never sees the request. */
  readonly kind: 'refuse';
  readonly count: number;
  /** HTTP status, 400–599, e.g. 503 or 429. */
  readonly status: number;
  /** The AWS error code the SDK turns into the error's name. @default by status, see defaultErrorCode */
  readonly errorCode?: string;
  readonly message?: string;
  readonly match?: RequestMatch;
}

export interface ConnectionFault {
  /**
   * - drop-before: read the request, then close the connection without forwarding (nothing was accepted).
   * - drop-after: forward, let the service answer (it did accept), then close without relaying the answer.
   * - stall: hold the request unanswered until clear() or stop(), then close it unforwarded (for timeouts).
   */
  readonly kind: 'drop-before' | 'drop-after' | 'stall';
  readonly count: number;
  readonly match?: RequestMatch;
}

export type Fault = RefuseFault | ConnectionFault;

export interface OutageOptions {
  readonly match?: RequestMatch;
  /** @default 503 */
  readonly status?: number;
  /** @default by status, see defaultErrorCode */
  readonly errorCode?: string;
  /** Ends the outage by itself after this long (for a caller that cannot call back); absent = until clear(). */
  readonly durationMs?: number;
}

/** What the proxy does with one request. */
export type FaultAction =
  | { readonly kind: 'forward' }
  | { readonly kind: 'refuse'; readonly status: number; readonly errorCode: string; readonly message: string }
  | { readonly kind: 'drop-before' | 'drop-after' | 'stall' };

export class InvalidFaultError extends Error {
  override readonly name = 'InvalidFaultError';
}

/** The codes AWS services answer with for these statuses; any other status needs an explicit errorCode to read well. */
export function defaultErrorCode(status: number): string {
  if (status === 429) return 'TooManyRequestsException';
  if (status === 503) return 'ServiceUnavailable';
  if (status >= 500) return 'InternalFailure';
  return 'BadRequestException';
}

function requireStatus(status: number): void {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new InvalidFaultError(
      `status is ${status}; a refusal needs an HTTP error status from 400 to 599, e.g. 503`,
    );
  }
}

function requireErrorCode(errorCode: string | undefined): void {
  // It travels in a header: no line breaks, nothing a client would misparse.
  if (errorCode !== undefined && !/^[A-Za-z][A-Za-z0-9_.#:-]{0,127}$/.test(errorCode)) {
    throw new InvalidFaultError(
      `errorCode ${JSON.stringify(errorCode)} is not an AWS error code, e.g. 'Throttling'`,
    );
  }
}

export function matches(match: RequestMatch | undefined, method: string, path: string): boolean {
  if (match?.method !== undefined && match.method.toUpperCase() !== method.toUpperCase()) {
    return false;
  }
  const wanted = match?.path;
  if (wanted === undefined) return true;
  return typeof wanted === 'string'
    ? path.startsWith(wanted)
    : new RegExp(wanted.source, wanted.flags).test(path);
}

/** Equal selections give equal keys, so a second outage on the same requests extends the first. */
export function describeMatch(match: RequestMatch | undefined): string {
  const path = match?.path;
  const pathText = path === undefined ? '*' : typeof path === 'string' ? `${path}*` : String(path);
  return `${match?.method?.toUpperCase() ?? '*'} ${pathText}`;
}

interface QueuedFault {
  readonly fault: Fault;
  remaining: number;
}

interface Outage {
  readonly match: RequestMatch | undefined;
  status: number;
  errorCode: string;
  /** Undefined: until clear(). */
  endsAt: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

export interface FaultPlanSnapshot {
  readonly queued: readonly { kind: Fault['kind']; match: string; remaining: number }[];
  readonly outages: readonly { match: string; status: number; errorCode: string; endsAt: string | null }[];
}

/**
 * Counted faults apply in the order they were injected, each to the next `count` requests it selects; a request
 * no counted fault selects is refused when an outage selects it, and forwarded otherwise.
 */
export class FaultPlan {
  private readonly queue: QueuedFault[] = [];
  private readonly outages = new Map<string, Outage>();

  constructor(private readonly onOutageEnded: (match: string) => void = () => undefined) {}

  inject(fault: Fault): void {
    if (!Number.isInteger(fault.count) || fault.count < 1) {
      throw new InvalidFaultError(
        `count is ${fault.count}; a fault applies to a whole number ≥ 1 of requests`,
      );
    }
    if (fault.kind === 'refuse') {
      requireStatus(fault.status);
      requireErrorCode(fault.errorCode);
    }
    this.queue.push({ fault, remaining: fault.count });
  }

  /** A second outage on the same requests extends the first (the later end wins; no end beats any end). */
  outage(options: OutageOptions): 'started' | 'extended' {
    const status = options.status ?? 503;
    requireStatus(status);
    requireErrorCode(options.errorCode);
    const durationMs = options.durationMs;
    if (durationMs !== undefined && (!Number.isFinite(durationMs) || durationMs < 0)) {
      throw new InvalidFaultError(
        `durationMs is ${durationMs}; use a number ≥ 0, or leave it out to end with clear()`,
      );
    }
    const key = describeMatch(options.match);
    const endsAt = durationMs === undefined ? undefined : Date.now() + durationMs;
    const existing = this.outages.get(key);
    const outage: Outage = existing ?? {
      match: options.match,
      status,
      errorCode: '',
      endsAt,
      timer: undefined,
    };
    outage.status = status;
    outage.errorCode = options.errorCode ?? defaultErrorCode(status);
    if (existing !== undefined) {
      outage.endsAt =
        existing.endsAt === undefined || endsAt === undefined ? undefined : Math.max(existing.endsAt, endsAt);
    }
    clearTimeout(outage.timer);
    outage.timer = undefined;
    if (outage.endsAt !== undefined) {
      outage.timer = setTimeout(() => this.endOutage(key), Math.max(0, outage.endsAt - Date.now()));
      // A timed outage must not keep a process alive that is otherwise done.
      outage.timer.unref();
    }
    this.outages.set(key, outage);
    return existing === undefined ? 'started' : 'extended';
  }

  /** Decides what happens to one request, using up one application of the counted fault that takes it. */
  take(method: string, path: string): FaultAction {
    const index = this.queue.findIndex((queued) => matches(queued.fault.match, method, path));
    const queued = this.queue[index];
    if (queued !== undefined) {
      queued.remaining -= 1;
      if (queued.remaining === 0) {
        this.queue.splice(index, 1);
      }
      const { fault } = queued;
      if (fault.kind !== 'refuse') {
        return { kind: fault.kind };
      }
      const errorCode = fault.errorCode ?? defaultErrorCode(fault.status);
      return {
        kind: 'refuse',
        status: fault.status,
        errorCode,
        message: fault.message ?? `${errorCode} (injected)`,
      };
    }
    for (const outage of this.outages.values()) {
      if (matches(outage.match, method, path)) {
        const { status, errorCode } = outage;
        return { kind: 'refuse', status, errorCode, message: `${errorCode} (simulated outage)` };
      }
    }
    return { kind: 'forward' };
  }

  clear(): void {
    this.queue.length = 0;
    for (const outage of this.outages.values()) {
      clearTimeout(outage.timer);
    }
    this.outages.clear();
  }

  snapshot(): FaultPlanSnapshot {
    return {
      queued: this.queue.map(({ fault, remaining }) => ({
        kind: fault.kind,
        match: describeMatch(fault.match),
        remaining,
      })),
      outages: [...this.outages.entries()].map(([match, outage]) => ({
        match,
        status: outage.status,
        errorCode: outage.errorCode,
        endsAt: outage.endsAt === undefined ? null : new Date(outage.endsAt).toISOString(),
      })),
    };
  }

  private endOutage(key: string): void {
    if (this.outages.delete(key)) {
      this.onOutageEnded(key);
    }
  }
}
