// local: what the fault proxy did, counted per outcome and per request line ('POST /v2/email/outbound-emails')
import { matches, type RequestMatch } from './faults';

export const outcomes = [
  'forwarded',
  'refused',
  'droppedBefore',
  'droppedAfter',
  'stalled',
  'unreachable',
] as const;
/**
 * - forwarded: the service answered and the answer was relayed.
 * - refused: answered with an injected error; the service never saw the request.
 * - droppedBefore / droppedAfter: connection closed unanswered, before forwarding / after the service answered.
 * - stalled: held unanswered (the service never saw it).
 * - unreachable: the service could not be reached; the connection was closed, as the service's absence would.
 */
export type Outcome = (typeof outcomes)[number];
export type OutcomeCounts = Record<Outcome, number>;

export interface FaultProxyStats {
  readonly total: OutcomeCounts;
  /** Keyed by method and path without the query, e.g. 'POST /v2/email/outbound-emails'. */
  readonly byRequest: Readonly<Record<string, OutcomeCounts>>;
}

function zeroCounts(): OutcomeCounts {
  return { forwarded: 0, refused: 0, droppedBefore: 0, droppedAfter: 0, stalled: 0, unreachable: 0 };
}

export class OutcomeCounter {
  private readonly byRequest = new Map<string, { method: string; path: string; counts: OutcomeCounts }>();

  count(method: string, path: string, outcome: Outcome): void {
    const key = `${method} ${path}`;
    const entry = this.byRequest.get(key) ?? { method, path, counts: zeroCounts() };
    entry.counts[outcome] += 1;
    this.byRequest.set(key, entry);
  }

  /** Only the requests `match` selects, when given. */
  stats(match?: RequestMatch): FaultProxyStats {
    const total = zeroCounts();
    const byRequest: Record<string, OutcomeCounts> = {};
    for (const [key, entry] of this.byRequest) {
      if (!matches(match, entry.method, entry.path)) continue;
      byRequest[key] = { ...entry.counts };
      for (const outcome of outcomes) {
        total[outcome] += entry.counts[outcome];
      }
    }
    return { total, byRequest };
  }

  reset(): void {
    this.byRequest.clear();
  }
}
