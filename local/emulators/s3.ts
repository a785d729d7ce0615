// local: S3 emulator — s3rver in this process, objects kept as files under a directory
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import S3rverAccount from 's3rver/lib/models/account.js';
import {
  closeHttpServer,
  emulatorClientConfig,
  listenOnLoopback,
  type RunningEmulator,
  waitUntilAnswering,
} from './emulator';

export interface S3Options {
  /** 0 picks a free port. */
  port: number;
  /** Buckets and objects live here and survive restarts; use a temp dir in tests. */
  directory: string;
  /** Log every request to the console. @default false */
  logRequests?: boolean;
  /** @default 10000 */
  readyTimeoutMs?: number;
}

/*
 * What s3rver 3.7.1 does with what the app sends (checked by test/integration/emulators.test.ts):
 * - Clients need `forcePathStyle: true` (bucket in the path; there is no DNS for bucket.127.0.0.1).
 * - PutObject with ObjectLockMode / ObjectLockRetainUntilDate / ObjectLockLegalHoldStatus and with
 *   ServerSideEncryption 'aws:kms' + SSEKMSKeyId is ACCEPTED (200) and the headers are silently DROPPED:
 *   s3rver keeps only content-* / cache-control / expires / storage-class / x-amz-meta-* headers, so
 *   HeadObject/GetObject answer neither the lock nor the encryption settings, and a "locked" object can be
 *   deleted or overwritten. CreateBucket with ObjectLockEnabledForBucket is accepted and ignored too.
 *   Object Lock and SSE-KMS are therefore asserted on the CDK template and on the request parameters
 *   the writer sends, never on what s3rver stores.
 * - SigV4 signatures are not verified, but s3rver rejects unknown access key ids; see below.
 * - SDK v3 sends streamed bodies with `Content-Encoding: aws-chunked` (its default flexible checksums put a
 *   CRC32 in a trailer). s3rver would store the chunk framing as the object's bytes, so we decode it first.
 */

/** Decodes an aws-chunked body: `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` … `0\r\n<trailers>\r\n\r\n`. */
export function decodeAwsChunkedBody(encoded: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = encoded.indexOf('\r\n', offset);
    if (lineEnd === -1) {
      throw new Error('aws-chunked body ends before its final zero-length chunk');
    }
    const sizeText = encoded.subarray(offset, lineEnd).toString('latin1').split(';')[0] ?? '';
    const chunkSize = Number.parseInt(sizeText, 16);
    if (!/^[0-9a-fA-F]+$/.test(sizeText) || !Number.isSafeInteger(chunkSize)) {
      throw new Error(`aws-chunked body has a bad chunk size line at byte ${offset}`);
    }
    if (chunkSize === 0) {
      // What follows are trailers (e.g. x-amz-checksum-crc32), which s3rver has no use for.
      return Buffer.concat(chunks);
    }
    const dataStart = lineEnd + 2;
    chunks.push(encoded.subarray(dataStart, dataStart + chunkSize));
    offset = dataStart + chunkSize + 2;
  }
}

function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const contentEncodings = (headers['content-encoding'] ?? '').split(',').map((encoding) => encoding.trim());
  return (
    contentEncodings.includes('aws-chunked') || /^STREAMING-/.test(String(headers['x-amz-content-sha256']))
  );
}

async function readWholeBody(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of body) {
    parts.push(Buffer.isBuffer(part) ? part : Buffer.from(part));
  }
  return Buffer.concat(parts);
}

let acceptsAnyAccessKey = false;
/**
 * s3rver knows one access key ('S3RVER') and answers InvalidAccessKeyId to every other one, while the
 * other emulators accept any credentials. It never checks SigV4 signatures anyway, so mapping unknown keys
 * to its dummy account loses nothing and lets every local process use one set of fake credentials.
 * The registry is global to the s3rver module, so this is done once per process.
 */
function acceptAnyAccessKey(): void {
  if (acceptsAnyAccessKey) {
    return;
  }
  acceptsAnyAccessKey = true;
  const registry = S3rverAccount.registry;
  const lookUpKnownKey = registry.get.bind(registry);
  registry.get = (accessKeyId: string) => lookUpKnownKey(accessKeyId) ?? S3rverAccount.DUMMY_ACCOUNT;
}

export async function startS3(options: S3Options): Promise<RunningEmulator> {
  acceptAnyAccessKey();
  mkdirSync(options.directory, { recursive: true });
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.directory,
    silent: options.logRequests !== true,
    vhostBuckets: false,
    resetOnClose: false,
  });
  // First in Koa's chain, so every route (PutObject, UploadPart) sees the decoded bytes and true length.
  s3rver.middleware.unshift(async (context, next) => {
    const headers = context.req.headers;
    if (isAwsChunked(headers)) {
      const decoded = decodeAwsChunkedBody(await readWholeBody(context.req));
      const otherEncodings = (headers['content-encoding'] ?? '')
        .split(',')
        .map((encoding) => encoding.trim())
        .filter((encoding) => encoding !== '' && encoding !== 'aws-chunked');
      if (otherEncodings.length > 0) {
        headers['content-encoding'] = otherEncodings.join(', ');
      } else {
        delete headers['content-encoding'];
      }
      headers['content-length'] = String(decoded.length);
      delete headers['x-amz-decoded-content-length'];
      delete headers['x-amz-trailer'];
      context.req = Object.assign(Readable.from([decoded]), { headers });
    }
    await next();
  });
  // Our own server rather than s3rver.run(): run() leaves a listen error (port taken) unhandled, which
  // crashes the whole process instead of rejecting.
  const server = createServer(s3rver.callback());
  const port = await listenOnLoopback(server, options.port, 's3rver (S3)');
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = (): Promise<void> => closeHttpServer(server);

  const client = new S3Client({ ...emulatorClientConfig(endpoint), forcePathStyle: true });
  try {
    await waitUntilAnswering({
      emulatorName: 's3rver (S3)',
      endpoint,
      timeoutMs: options.readyTimeoutMs ?? 10_000,
      probe: () => client.send(new ListBucketsCommand({})),
      describeLog: () => 'in this process (pass logRequests: true to print its requests)',
    });
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, stop };
}
