// local: what the local HTTP relays (the fault proxy, the metering proxy) share when they forward a request.
import type { IncomingHttpHeaders } from 'node:http';

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
