// local: the fault proxy's control surface as JSON, so a test in another process can drive it over HTTP
import { z } from 'zod';
import type { Fault, FaultPlanSnapshot, OutageOptions, RequestMatch } from './faults';
import type { FaultProxyStats } from './stats';

/** What handleControl needs of a running proxy. */
export interface FaultControlTarget {
  inject(fault: Fault): void;
  outage(options: OutageOptions): 'started' | 'extended';
  clear(): void;
  resetStats(): void;
  stats(match?: RequestMatch): FaultProxyStats;
  faults(): FaultPlanSnapshot;
}

// `path` is a prefix; `pathPattern` the source of a regular expression (JSON has no RegExp).
const matchSchema = z
  .strictObject({
    method: z.string().min(1).max(16).optional(),
    path: z.string().startsWith('/').max(2048).optional(),
    pathPattern: z.string().min(1).max(512).optional(),
  })
  .refine((match) => match.path === undefined || match.pathPattern === undefined, {
    message: 'give path (a prefix) or pathPattern (a regular expression), not both',
  })
  .optional();
const count = z.number().int().min(1).max(1_000_000);
const status = z.number().int().min(400).max(599);
const errorCode = z.string().max(128).optional();

const injectSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    action: z.literal('inject'),
    kind: z.literal('refuse'),
    count,
    status,
    errorCode,
    message: z.string().max(1024).optional(),
    match: matchSchema,
  }),
  z.strictObject({
    action: z.literal('inject'),
    kind: z.enum(['drop-before', 'drop-after', 'stall']),
    count,
    match: matchSchema,
  }),
]);

const commandSchema = z.discriminatedUnion('action', [
  injectSchema,
  z.strictObject({
    action: z.literal('outage'),
    status: status.optional(),
    errorCode,
    durationMs: z.number().int().min(0).max(3_600_000).optional(),
    match: matchSchema,
  }),
  z.strictObject({ action: z.literal('clear') }),
  z.strictObject({ action: z.literal('reset-stats') }),
  z.strictObject({ action: z.literal('stats'), match: matchSchema }),
]);

export type FaultControlAnswer =
  | {
      readonly ok: true;
      readonly result?: string;
      readonly faults: FaultPlanSnapshot;
      readonly stats: FaultProxyStats;
    }
  | { readonly ok: false; readonly error: string };

function toRequestMatch(match: z.output<typeof matchSchema>): RequestMatch | undefined {
  if (match === undefined) return undefined;
  const path = match.pathPattern === undefined ? match.path : new RegExp(match.pathPattern);
  return {
    ...(match.method === undefined ? {} : { method: match.method }),
    ...(path === undefined ? {} : { path }),
  };
}

function withoutUndefined<Value extends object>(value: Value): Value {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Value;
}

/**
 * Runs one command: `{ "action": "inject", "kind": "refuse", "count": 2, "status": 503, "match": { "method":
 * "POST", "path": "/v2/email/outbound-emails" } }`, `{ "action": "outage" }`, `{ "action": "clear" }`, … .
 * Never throws: a bad command answers `{ ok: false, error }`, because the gateway's local routes answer 200.
 */
export function runFaultControl(target: FaultControlTarget, body: string): FaultControlAnswer {
  let json: unknown;
  try {
    json = JSON.parse(body || '{}');
  } catch (error) {
    return { ok: false, error: `the command is not JSON: ${(error as Error).message}` };
  }
  const parsed = commandSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, error: z.prettifyError(parsed.error) };
  }
  const command = parsed.data;
  try {
    let result: string | undefined;
    let statsMatch: RequestMatch | undefined;
    switch (command.action) {
      case 'inject': {
        const { action: _action, match, ...fault } = command;
        target.inject(withoutUndefined({ ...fault, match: toRequestMatch(match) }) as Fault);
        result = 'queued';
        break;
      }
      case 'outage': {
        const { action: _action, match, ...options } = command;
        result = target.outage(withoutUndefined({ ...options, match: toRequestMatch(match) }));
        break;
      }
      case 'clear':
        target.clear();
        result = 'cleared';
        break;
      case 'reset-stats':
        target.resetStats();
        result = 'reset';
        break;
      case 'stats':
        statsMatch = toRequestMatch(command.match);
        break;
    }
    return {
      ok: true,
      ...(result === undefined ? {} : { result }),
      faults: target.faults(),
      stats: target.stats(statsMatch),
    };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
