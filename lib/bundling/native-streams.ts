// bundling substitute: readable-stream, replaced in Lambda bundles (lib/bundling/options.ts) by Node's own streams.
// readable-stream is a userland copy of Node's stream module (v3: Node 10's) for code that must behave alike on
// every Node and in browsers; the Encryption SDK, and duplexify under it, build the transform pipeline that seals
// and opens every message from it. On Lambda's Node 24 the same classes are built in, already loaded by the AWS SDK,
// so the bundle need not carry and evaluate a second copy. test/infra/sealed-bundles.test.ts seals and opens across
// this and the node_modules build, and checks that altered and truncated messages still fail.
import stream from 'node:stream';

export const { Duplex, PassThrough, Readable, Stream, Transform, Writable, finished } = stream;

/**
 * readable-stream's pipeline takes its callback as optional (the SDK's encrypt stream passes none: it listens for
 * errors on the streams themselves); Node's requires one. The same no-op it stands for, made explicit.
 */
export function pipeline(...streams: unknown[]): unknown {
  const last = streams.at(-1);
  const callback = typeof last === 'function' ? [] : [() => {}];
  return (stream.pipeline as (...parts: unknown[]) => unknown)(...streams, ...callback);
}

// Named, not spread: spreading node:stream would read its lazy getters (stream/promises and the like) at load.
export default { Duplex, PassThrough, Readable, Stream, Transform, Writable, finished, pipeline };
