// local: a Lambda emulator for synchronous Invoke (REST: POST /2015-03-31/functions/{name}/invocations) that runs
// the real handlers in this process, as api-read invokes render on AWS. Errors answer as Lambda does: 200 with
// X-Amz-Function-Error and { errorType, errorMessage }.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { localLambdaContext } from '../lambda-context';
import type { RunningEmulator } from './emulator';

/*
 * - Only RequestResponse invocations of unqualified names; no versions, aliases, async or streaming invokes.
 * - SigV4 is not verified, as with the other emulators.
 */

export type InvokableHandler = (event: unknown, context: Context) => unknown;

export interface LocalLambda extends RunningEmulator {
  /** Makes `functionName` invokable; a name registered again replaces its handler. */
  register(functionName: string, handler: InvokableHandler): void;
}

const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const maximumPayloadBytes = 6 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const part of request) {
    const bytes = Buffer.isBuffer(part) ? part : Buffer.from(part);
    total += bytes.length;
    if (total > maximumPayloadBytes) return undefined;
    parts.push(bytes);
  }
  return Buffer.concat(parts);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body ?? null);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(payload);
}

function serviceError(response: ServerResponse, status: number, type: string, message: string) {
  send(response, status, { Type: 'User', message }, { 'x-amzn-errortype': type });
}

export async function startLambda(options: {
  readonly port?: number;
  readonly region: string;
}): Promise<LocalLambda> {
  const handlers = new Map<string, InvokableHandler>();
  const server = createServer((request, response) => {
    void (async () => {
      const match = invokePath.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
      if (request.method !== 'POST' || match === null) {
        serviceError(response, 404, 'UnknownOperationException', 'only synchronous Invoke is emulated');
        return;
      }
      const functionName = decodeURIComponent(match[1] ?? '');
      const handler = handlers.get(functionName);
      if (handler === undefined) {
        serviceError(response, 404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
        return;
      }
      const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
      if (invocationType !== 'RequestResponse') {
        serviceError(response, 400, 'InvalidParameterValueException', 'only RequestResponse is emulated');
        return;
      }
      const body = await readBody(request);
      if (body === undefined) {
        serviceError(response, 413, 'RequestTooLargeException', 'payload exceeds 6 MB');
        return;
      }
      let event: unknown;
      try {
        event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        serviceError(response, 400, 'InvalidRequestContentException', 'payload is not JSON');
        return;
      }
      const context = localLambdaContext({
        functionName,
        requestId: randomUUID(),
        region: options.region,
        timeoutMs: 30_000,
      });
      try {
        send(response, 200, await handler(event, context), { 'x-amz-executed-version': '$LATEST' });
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        send(
          response,
          200,
          { errorType: failure.name, errorMessage: failure.message },
          { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
        );
      }
    })().catch(() => {
      if (!response.headersSent) serviceError(response, 500, 'ServiceException', 'emulator failure');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    register: (functionName, handler) => {
      handlers.set(functionName, handler);
    },
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
