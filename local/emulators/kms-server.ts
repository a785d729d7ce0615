// local: KMS emulator's HTTP side — the JSON 1.1 protocol (X-Amz-Target, error bodies), body limits, /_stats
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { localAwsIdentity } from './emulator';
import { KmsError, type KmsErrorName, KmsKeyStore } from './kms-keystore';
import { KmsOperations } from './kms-operations';
import { isOperationName } from './kms-requests';

/*
 * - SigV4 is not verified; an Authorization header must merely be present, as every SDK request has one.
 * - Test hooks outside the KMS protocol: GET /_stats and POST /_stats/reset.
 */

const maximumRequestBytes = 1024 * 1024;
const targetPrefix = 'TrentService.';

class RequestTooLargeError extends Error {
  override readonly name = 'RequestTooLargeError';
}

async function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  let totalBytes = 0;
  for await (const part of request) {
    const bytes = Buffer.isBuffer(part) ? part : Buffer.from(part);
    totalBytes += bytes.length;
    if (totalBytes > maximumRequestBytes) {
      throw new RequestTooLargeError(`request body exceeds ${maximumRequestBytes} bytes`);
    }
    parts.push(bytes);
  }
  return Buffer.concat(parts);
}

function sendJson(
  response: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  response.writeHead(statusCode, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(payload);
}

function sendKmsError(
  response: ServerResponse,
  statusCode: number,
  errorName: KmsErrorName,
  message: string,
): void {
  // The SDK reads the error name from __type (or the x-amzn-errortype header) and the text from message.
  sendJson(response, statusCode, { __type: errorName, message }, { 'x-amzn-errortype': errorName });
}

/** Builds the emulator's request listener; exported for embedding it in another server. */
export function createKmsRequestListener(options: { dataDir?: string; region?: string }): {
  listener: (request: IncomingMessage, response: ServerResponse) => void;
  stats: Map<string, number>;
} {
  const operations = new KmsOperations(
    new KmsKeyStore({ dataDir: options.dataDir }),
    options.region ?? localAwsIdentity.region,
  );
  const stats = new Map<string, number>();

  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://kms.local').pathname;
    if (path === '/_stats' && request.method === 'GET') {
      sendJson(response, 200, Object.fromEntries(stats));
      return;
    }
    if (path === '/_stats/reset' && request.method === 'POST') {
      stats.clear();
      sendJson(response, 200, {});
      return;
    }
    if (path !== '/' || request.method !== 'POST') {
      sendKmsError(response, 404, 'UnknownOperationException', `No route for ${request.method} ${path}`);
      return;
    }

    const body = await readRequestBody(request);
    const target = request.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : '';
    if (!isOperationName(operation)) {
      sendKmsError(
        response,
        400,
        'UnknownOperationException',
        `Operation '${String(target)}' is not supported here.`,
      );
      return;
    }
    stats.set(operation, (stats.get(operation) ?? 0) + 1);
    if (request.headers.authorization === undefined) {
      sendKmsError(response, 400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      return;
    }
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      sendKmsError(response, 400, 'SerializationException', 'The request body is not valid JSON.');
      return;
    }
    sendJson(response, 200, operations.handle(operation, input));
  };

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    serve(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
      } else if (error instanceof KmsError) {
        sendKmsError(response, 400, error.errorName, error.message);
      } else if (error instanceof RequestTooLargeError) {
        sendKmsError(response, 413, 'ValidationException', error.message);
      } else {
        // Shown in full: this is a local development tool, and the cause is what its user needs.
        sendKmsError(response, 500, 'KMSInternalException', `KMS emulator failure: ${String(error)}`);
      }
    });
  };
  return { listener, stats };
}
