// local: what the local HTTP relays (the fault proxy, the metering proxy) share when they forward a request: the
// headers they pass on, and the forwarding itself.
import { type Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** Hop-by-hop headers are the connection's own, never forwarded (RFC 9110 §7.6.1); lengths are set anew. */
const connectionHeaders = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  // The body is read whole before forwarding, so there is nothing left to wait for a 100 Continue on.
  'expect',
]);

/** The headers a relay forwards: all but the hop-by-hop ones. */
export function endToEndHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !connectionHeaders.has(name)) kept[name] = value;
  }
  return kept;
}

export async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(part));
  return Buffer.concat(parts);
}

/** What the target answered, read whole. */
export interface RelayedAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  /** As the target said it: an answer to HEAD names the length of a body it does not send. */
  readonly contentLength: string | undefined;
  readonly body: Buffer;
}

/**
 * Sends one request to the target and reads its whole answer (bodies are small; buffering keeps drops exact).
 * `headers` go as given (filter a caller's with endToEndHeaders), with the body's length set anew.
 */
export function relay(
  agent: Agent,
  target: URL,
  request: {
    readonly method: string;
    readonly path: string;
    readonly headers: Record<string, string | string[]>;
    readonly body: Buffer;
    readonly signal?: AbortSignal;
  },
): Promise<RelayedAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        agent,
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: request.method,
        path: request.path,
        headers: { ...request.headers, 'content-length': String(request.body.length) },
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      },
      (answer) => {
        readAll(answer).then(
          (body) =>
            resolve({
              status: answer.statusCode ?? 502,
              headers: endToEndHeaders(answer.headers),
              contentLength: answer.headers['content-length'],
              body,
            }),
          reject,
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
