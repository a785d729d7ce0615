// port: what the anomaly detector must hear about — refused tokens, clients and scopes, failed integrity
// checks, refused card numbers, idempotency conflicts, throttling. Ids, routes and reasons only: a signal never
// carries a body, a token, a secret or personal data.

import type { SecuritySignalKind } from '../domain/detection/observations';

export type { SecuritySignalKind };

export interface SecuritySignal {
  readonly kind: SecuritySignalKind;
  /** Machine-readable cause, e.g. `expired`, `bad-signature`, `invoices:write`. Never a message that quotes input. */
  readonly reason?: string;
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly sourceIp?: string;
  readonly requestId?: string;
  /** `METHOD /path/{param}` from the route table, never the concrete path. */
  readonly route?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

export interface SecuritySignals {
  /** Fire and forget: recording a signal never fails the request that raised it. */
  record(signal: SecuritySignal): void;
}
