// local: a reverse proxy between an AWS SDK client and an emulator that injects faults deterministically — refuse,
// drop before or after the service saw the request, stall — each for the next N matching requests, by call.
import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeHttpServer, guardedLog } from './emulators/emulator';
import { type FaultControlAnswer, runFaultControl } from './fault-proxy/control';
import {
  type Fault,
  type FaultAction,
  FaultPlan,
  type FaultPlanSnapshot,
  type OutageOptions,
  type RequestMatch,
} from './fault-proxy/faults';
import { type FaultProxyStats, type Outcome, OutcomeCounter } from './fault-proxy/stats';
import { endToEndHeaders, type RelayedAnswer, readAll, relay } from './http-relay';

export type { FaultControlAnswer } from './fault-proxy/control';
export type { Fault, FaultPlanSnapshot, OutageOptions, RequestMatch } from './fault-proxy/faults';
export type { FaultProxyStats } from './fault-proxy/stats';

export interface FaultProxyOptions {
  /** The emulator's base URL, e.g. 'http://127.0.0.1:4567' (plain HTTP). */
  readonly target: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** Names the proxy in its log lines, e.g. 'ses'. @default 'fault-proxy' */
  readonly name?: string;
  /** One line per fault applied and per proxy problem; never bodies or headers. @default no log */
  readonly log?: (line: string) => void;
}

export interface FaultProxy {
  /** Give this to the SDK client as `endpoint`. */
  readonly endpoint: string;
  /** Queues a fault behind those already queued; it applies to the next `count` requests it selects. */
  inject(fault: Fault): void;
  /** Refuses every request it selects until clear() (or durationMs); a second one on the same requests extends it. */
  outage(options?: OutageOptions): 'started' | 'extended';
  /** Drops queued faults and outages, and closes stalled requests unforwarded. Stats are kept. */
  clear(): void;
  /** Outcome counts since start or resetStats(), of the requests `match` selects (all when absent). */
  stats(match?: RequestMatch): FaultProxyStats;
  resetStats(): void;
  /** The faults still queued and the outages running. */
  faults(): FaultPlanSnapshot;
  /** Runs one JSON command (see fault-proxy/control.ts), for a `/_local/faults/<service>` route. Never throws. */
  handleControl(body: string): Promise<FaultControlAnswer>;
  /** Closes the proxy and every connection through it; safe to call twice. */
  stop(): Promise<void>;
}

/** Sends the request to the target and reads its whole answer. */
function forward(
  agent: Agent,
  target: URL,
  request: IncomingMessage,
  body: Buffer,
  signal: AbortSignal,
): Promise<RelayedAnswer> {
  return relay(agent, target, {
    method: request.method ?? 'GET',
    path: request.url ?? '/',
    // Host passes through unchanged: emulators that build URLs from it keep pointing clients at the proxy.
    headers: endToEndHeaders(request.headers),
    body,
    signal,
  });
}

/**
 * An AWS error as both JSON protocols read it: restJson1 services (SES v2) take the code from the
 * x-amzn-errortype header, awsJson1.x services (KMS, DynamoDB, SQS) from `__type`; both take `message`.
 */
function sendAwsError(response: ServerResponse, action: Extract<FaultAction, { kind: 'refuse' }>): void {
  const payload = JSON.stringify({ __type: action.errorCode, message: action.message });
  response.writeHead(action.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-errortype': action.errorCode,
    'x-amzn-requestid': randomUUID(),
  });
  response.end(payload);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') {
    throw new Error(
      `fault proxy target ${options.target} must be a plain http:// URL (emulators speak HTTP)`,
    );
  }
  const name = options.name ?? 'fault-proxy';
  const logPrefix = `[fault-proxy ${name}]`;
  const log = guardedLog(options.log ?? (() => undefined), logPrefix);
  const plan = new FaultPlan((match) => log(`${logPrefix} outage on ${match} ended by its duration`));
  const counter = new OutcomeCounter();
  const stalled = new Set<IncomingMessage>();
  const agent = new Agent({ keepAlive: true });
  const stopping = new AbortController();

  const closeStalled = (): void => {
    for (const request of stalled) request.socket.destroy();
    stalled.clear();
  };

  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://proxy.local').pathname;
    const record = (outcome: Outcome, detail = ''): void => {
      counter.count(method, path, outcome);
      if (outcome !== 'forwarded') log(`${logPrefix} ${outcome} ${method} ${path}${detail}`);
    };
    // The whole request first: every fault, even a drop, happens after the client has written it.
    const body = await readAll(request);
    const action = plan.take(method, path);
    switch (action.kind) {
      case 'refuse':
        record('refused', ` (${action.status} ${action.errorCode})`);
        sendAwsError(response, action);
        return;
      case 'drop-before':
        record('droppedBefore');
        request.socket.destroy();
        return;
      case 'stall':
        record('stalled');
        stalled.add(request);
        request.socket.once('close', () => stalled.delete(request));
        return;
      case 'forward':
      case 'drop-after':
        break;
    }
    let answer: RelayedAnswer;
    // A drop-after whose request never reaches the service is used up as 'unreachable': nothing was accepted.
    try {
      answer = await forward(agent, target, request, body, stopping.signal);
    } catch (error) {
      record('unreachable', ` (${(error as Error).name}: ${(error as Error).message})`);
      request.socket.destroy();
      return;
    }
    if (action.kind === 'drop-after') {
      record('droppedAfter', ` (the service answered ${answer.status})`);
      request.socket.destroy();
      return;
    }
    record('forwarded');
    const contentLength = method === 'HEAD' ? (answer.contentLength ?? '0') : String(answer.body.length);
    response.writeHead(answer.status, { ...answer.headers, 'content-length': contentLength });
    response.end(answer.body);
  };

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      // A client that went away mid-request, or a bug here: that request ends, the proxy does not.
      log(
        `${logPrefix} request failed inside the proxy (${(error as Error).name}: ${(error as Error).message})`,
      );
      request.socket.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void =>
      reject(
        new Error(`${logPrefix} could not listen on ${host}:${port}: ${error.message}`, { cause: error }),
      );
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    await closeHttpServer(server);
    throw new Error(`${logPrefix} listened but reported no TCP address`);
  }
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  let stopped: Promise<void> | undefined;
  const proxy: FaultProxy = {
    endpoint,
    inject: (fault) => {
      plan.inject(fault);
      log(`${logPrefix} queued ${fault.kind} x${fault.count}`);
    },
    outage: (outageOptions = {}) => {
      const result = plan.outage(outageOptions);
      log(`${logPrefix} outage ${result}`);
      return result;
    },
    clear: () => {
      plan.clear();
      closeStalled();
      log(`${logPrefix} cleared`);
    },
    stats: (match) => counter.stats(match),
    resetStats: () => counter.reset(),
    faults: () => plan.snapshot(),
    handleControl: async (body) => runFaultControl(proxy, body),
    stop: () => {
      stopped ??= (async () => {
        plan.clear();
        closeStalled();
        stopping.abort();
        await closeHttpServer(server);
        agent.destroy();
      })();
      return stopped;
    },
  };
  return proxy;
}
