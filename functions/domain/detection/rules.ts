// domain: the detection rules — which observations each rule counts, for which subject, and when that count is
// anomalous: at once, above a fixed count in a window, or against the subject's own learned baseline. The rule
// ids are fixed (DESIGN.md); each has a runbook under docs/runbooks/<id>.md. Pure.
import type { BaselineLimits } from './baseline';
import type { Observation } from './observations';
import { clientSubject, ipSubject, type Subject, tenantSubject } from './subjects';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export type RuleId =
  | 'token-brute-force'
  | 'token-forgery'
  | 'id-enumeration'
  | 'scope-probing'
  | 'integrity-failure'
  | 'audit-chain-broken'
  | 'card-number-attempt'
  | 'create-spike'
  | 'send-spike'
  | 'void-credit-spike'
  | 'data-export-spike'
  | 'payout-details-changed'
  | 'invoice-total-outlier';

export type Threshold =
  /** Every matching observation is an incident. */
  | { readonly kind: 'immediate' }
  /** At least `count` within `windowMinutes`. */
  | { readonly kind: 'fixed'; readonly count: number; readonly windowMinutes: number }
  /** More in one minute than the subject's baseline allows. */
  | ({ readonly kind: 'baseline' } & BaselineLimits)
  /** `fires` observations within `withinMinutes` after an `arms` observation. */
  | { readonly kind: 'sequence'; readonly withinMinutes: number }
  /** A value far outside the subject's usual range (median and MAD over the last `keep` values). */
  | {
      readonly kind: 'outlier';
      readonly minimumSamples: number;
      readonly keep: number;
      /** How many scaled MADs above the median. */
      readonly mads: number;
      /** …and at least this multiple of the median. */
      readonly factor: number;
    };

export interface RuleMatch {
  readonly subject: Subject;
  /** For a sequence rule: whether this observation arms the rule or, once armed, fires it. */
  readonly role?: 'arms' | 'fires';
  /** For an outlier rule: the value judged, and what it is comparable with (a currency). */
  readonly value?: number;
  readonly group?: string;
}

export interface Rule {
  readonly id: RuleId;
  readonly severity: Severity;
  readonly threshold: Threshold;
  /** What the count is of, for the summary: "invoices created". */
  readonly counts: string;
  readonly match: (observation: Observation) => RuleMatch | undefined;
}

const forgedReasons = new Set([
  'bad-signature',
  'unknown-key',
  'wrong-issuer-or-claims',
  'not-an-access-token',
]);
const isIdRoute = (route: string) => /\{[^}]+\}/.test(route);
const isExportRoute = (method: string, route: string) =>
  method === 'GET' &&
  (route.endsWith('/pdf') || ['/v1/invoices', '/v1/customers', '/v1/audit-events'].includes(route));

/** A business event from one tenant, counted for that tenant. */
const forTenant = (observation: Observation): RuleMatch | undefined =>
  observation.tenantId === undefined ? undefined : { subject: tenantSubject(observation.tenantId) };

export const rules: readonly Rule[] = [
  {
    id: 'token-brute-force',
    severity: 'high',
    counts: 'refused tokens or secrets from one address',
    threshold: { kind: 'fixed', count: 10, windowMinutes: 5 },
    match: (o) =>
      o.kind === 'request' && o.status === 401 && o.sourceIp !== undefined
        ? { subject: ipSubject(o.sourceIp) }
        : undefined,
  },
  {
    id: 'token-forgery',
    severity: 'high',
    counts: 'tokens with a bad signature, unknown key or foreign claims, or of a disabled client',
    threshold: { kind: 'fixed', count: 3, windowMinutes: 10 },
    match: (o) => {
      if (o.kind !== 'signal') return undefined;
      if (o.signal === 'token-rejected' && forgedReasons.has(o.reason ?? '')) return { subject: 'platform' };
      if (o.signal === 'client-rejected' && o.reason === 'disabled' && o.clientId !== undefined) {
        return { subject: clientSubject(o.clientId) };
      }
      return undefined;
    },
  },
  {
    id: 'id-enumeration',
    severity: 'high',
    counts: '404s on id routes',
    threshold: { kind: 'baseline', coldLimit: 30, floor: 20, peakFactor: 2, sigmas: 6, warmUpMinutes: 60 },
    match: (o) =>
      o.kind === 'request' && o.status === 404 && isIdRoute(o.route) && o.clientId !== undefined
        ? { subject: clientSubject(o.clientId) }
        : undefined,
  },
  {
    id: 'scope-probing',
    severity: 'medium',
    counts: 'requests refused for missing scopes',
    threshold: { kind: 'fixed', count: 5, windowMinutes: 10 },
    match: (o) =>
      o.kind === 'request' && o.status === 403 && o.clientId !== undefined
        ? { subject: clientSubject(o.clientId) }
        : undefined,
  },
  {
    id: 'integrity-failure',
    severity: 'critical',
    counts: 'stored records that failed their integrity check',
    threshold: { kind: 'immediate' },
    match: (o) =>
      o.kind === 'signal' && o.signal === 'integrity-failure'
        ? { subject: o.tenantId === undefined ? 'platform' : tenantSubject(o.tenantId) }
        : undefined,
  },
  {
    id: 'audit-chain-broken',
    severity: 'critical',
    counts: 'failed verifications of the audit chain',
    threshold: { kind: 'immediate' },
    match: (o) =>
      o.kind === 'signal' && o.signal === 'audit-chain-broken'
        ? { subject: o.tenantId === undefined ? 'platform' : tenantSubject(o.tenantId) }
        : undefined,
  },
  {
    id: 'card-number-attempt',
    severity: 'high',
    counts: 'card numbers refused',
    threshold: { kind: 'fixed', count: 3, windowMinutes: 10 },
    match: (o) => (o.kind === 'signal' && o.signal === 'card-number-rejected' ? forTenant(o) : undefined),
  },
  {
    id: 'create-spike',
    severity: 'high',
    counts: 'invoices created',
    threshold: { kind: 'baseline', coldLimit: 600, floor: 60, peakFactor: 1.5, sigmas: 8, warmUpMinutes: 30 },
    match: (o) => (o.kind === 'business' && o.action === 'invoice.created' ? forTenant(o) : undefined),
  },
  {
    id: 'send-spike',
    severity: 'high',
    counts: 'invoice emails requested',
    threshold: { kind: 'baseline', coldLimit: 600, floor: 60, peakFactor: 1.5, sigmas: 8, warmUpMinutes: 30 },
    // Sends refused by a cap count too: a client hammering the caps is as telling as one passing them.
    match: (o) =>
      (o.kind === 'business' &&
        (o.action === 'invoice.send-requested' ||
          (o.action === 'invoice.issued' && o.details.send === true))) ||
      (o.kind === 'signal' && o.signal === 'send-limited')
        ? forTenant(o)
        : undefined,
  },
  {
    id: 'void-credit-spike',
    severity: 'high',
    counts: 'invoices voided or credited',
    threshold: { kind: 'baseline', coldLimit: 100, floor: 20, peakFactor: 1.5, sigmas: 8, warmUpMinutes: 30 },
    match: (o) =>
      o.kind === 'business' && (o.action === 'invoice.voided' || o.action === 'invoice.credited')
        ? forTenant(o)
        : undefined,
  },
  {
    id: 'data-export-spike',
    severity: 'high',
    counts: 'list and PDF reads',
    // A client paging through everything at 100 items a page reads 20,000 records a minute under the cold limit.
    threshold: { kind: 'baseline', coldLimit: 200, floor: 100, peakFactor: 2, sigmas: 8, warmUpMinutes: 30 },
    match: (o) =>
      o.kind === 'request' && o.status === 200 && isExportRoute(o.method, o.route) && o.clientId !== undefined
        ? { subject: clientSubject(o.clientId) }
        : undefined,
  },
  {
    // Payment redirection: change the bank details, then get invoices out before anyone notices.
    id: 'payout-details-changed',
    severity: 'high',
    counts: 'invoices issued or sent after the payout details changed',
    threshold: { kind: 'sequence', withinMinutes: 24 * 60 },
    match: (o) => {
      if (o.kind !== 'business') return undefined;
      if (o.action === 'seller-profile.updated' && o.details.payoutChanged === true) {
        return { subject: tenantSubject(o.tenantId), role: 'arms' };
      }
      if (o.action === 'invoice.issued' || o.action === 'invoice.send-requested') {
        return { subject: tenantSubject(o.tenantId), role: 'fires' };
      }
      return undefined;
    },
  },
  {
    id: 'invoice-total-outlier',
    severity: 'medium',
    counts: 'invoice total',
    threshold: { kind: 'outlier', minimumSamples: 20, keep: 200, mads: 12, factor: 10 },
    match: (o) =>
      o.kind === 'business' && o.action === 'invoice.issued' && typeof o.details.total === 'number'
        ? {
            subject: tenantSubject(o.tenantId),
            value: o.details.total,
            // Minor units are only comparable within one currency.
            group: typeof o.details.currency === 'string' ? o.details.currency : 'unknown',
          }
        : undefined,
  },
];

export const runbookOf = (rule: string) => `docs/runbooks/${rule}.md`;
