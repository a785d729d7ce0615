// domain: what the detector observes — request outcomes (the API access log), security signals (the functions'
// log lines) and business events (audit events off the table stream) — as ids, routes, counts and reasons.
// Never a body, a token or personal data. Pure, no AWS import.

export type SecuritySignalKind =
  | 'token-rejected'
  | 'client-rejected'
  | 'scope-denied'
  | 'integrity-failure'
  | 'audit-chain-broken'
  | 'card-number-rejected'
  | 'idempotency-conflict'
  | 'throttled'
  | 'send-limited';

interface Common {
  /** A request id or an audit event id: what an alert names as evidence. */
  readonly id: string;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly sourceIp?: string;
}

export interface RequestOutcome extends Common {
  readonly kind: 'request';
  readonly method: string;
  /** The route template (`/v1/invoices/{invoiceId}`), `/oauth2/token`, or the path when no route matched. */
  readonly route: string;
  readonly status: number;
}

export interface SignalObservation extends Common {
  readonly kind: 'signal';
  readonly signal: SecuritySignalKind;
  readonly reason?: string;
  readonly route?: string;
}

export interface BusinessEvent extends Common {
  readonly kind: 'business';
  readonly tenantId: string;
  /** The audit action, e.g. `invoice.created`, `invoice.issued`, `seller-profile.updated`. */
  readonly action: string;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

export type Observation = RequestOutcome | SignalObservation | BusinessEvent;
