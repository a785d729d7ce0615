// local: SES v2 emulator — aws-ses-v2-local in this process, with a web view and a JSON store of sent mail
import type { Server } from 'node:http';
import { ListEmailTemplatesCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import * as sesLocal from 'aws-ses-v2-local';
import { z } from 'zod';
import {
  closeHttpServer,
  EmulatorStartError,
  emulatorClientConfig,
  type RunningEmulator,
  waitUntilAnswering,
} from './emulator';

export interface SesOptions {
  /** 0 picks a free port. */
  port: number;
  /** @default 10000 */
  readyTimeoutMs?: number;
}

export interface RunningSes extends RunningEmulator {
  /** Browser page listing the mail sent so far (the emulator's own inbox viewer). */
  readonly mailViewUrl: string;
}

/*
 * Quirks of aws-ses-v2-local 2.10.2:
 * - Sent mail is kept in memory in a store that is global to the module: two emulators started in one
 *   process (or one module registry, as in a jest test file) share it, and a restart empties it.
 * - `GET /store` answers `{ templates, emails }`; `?since=<epoch seconds>` filters emails by `at`.
 *   `POST /clear-store` empties it. Neither needs an Authorization header; the SES API routes do.
 * - For Content.Raw the MIME message is parsed with mailparser: attachment `content` is base64 and
 *   `filename`/`contentType`/`size` come from the MIME part. For Content.Simple, `body.text`/`body.html`
 *   are stored as sent. Recipients of raw mail are stored as the header text ("Name <a@b>").
 */

type ServerFactory = (config?: { host?: string; port?: number }) => Promise<Server>;

/**
 * aws-ses-v2-local is CommonJS with `exports.default`. Node's ESM loader and jest's both hand us
 * `module.exports` as the default export, while TypeScript's interop says it is the function itself,
 * so accept either shape.
 */
function serverFactory(): ServerFactory {
  const imported: unknown = sesLocal.default;
  if (typeof imported === 'function') {
    return imported as ServerFactory;
  }
  const nested: unknown = (imported as { default?: unknown } | undefined)?.default;
  if (typeof nested === 'function') {
    return nested as ServerFactory;
  }
  throw new Error('aws-ses-v2-local exports no server function; has its package layout changed?');
}

export async function startSes(options: SesOptions): Promise<RunningSes> {
  const server = await serverFactory()({ host: '127.0.0.1', port: options.port });
  // Express 5 hands a listen error to the callback, which this package treats as success.
  const address = server.address();
  if (!server.listening || address === null || typeof address === 'string') {
    throw new EmulatorStartError(`aws-ses-v2-local (SES) could not listen on 127.0.0.1:${options.port}`);
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const stop = (): Promise<void> => closeHttpServer(server);

  const client = new SESv2Client(emulatorClientConfig(endpoint));
  try {
    await waitUntilAnswering({
      emulatorName: 'aws-ses-v2-local (SES)',
      endpoint,
      timeoutMs: options.readyTimeoutMs ?? 10_000,
      probe: () => client.send(new ListEmailTemplatesCommand({})),
      describeLog: () => 'in this process (it logs nothing)',
    });
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, mailViewUrl: `${endpoint}/`, stop };
}

const sentEmailSchema = z.object({
  messageId: z.string(),
  from: z.string(),
  replyTo: z.array(z.string()),
  destination: z.object({ to: z.array(z.string()), cc: z.array(z.string()), bcc: z.array(z.string()) }),
  subject: z.string(),
  body: z.object({ html: z.string().optional(), text: z.string().optional() }),
  attachments: z.array(
    z.looseObject({
      /** Base64 of the attachment bytes. */
      content: z.string(),
      contentType: z.string(),
      filename: z.string().optional(),
      size: z.number(),
    }),
  ),
  headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  /** Epoch seconds when the emulator accepted the mail. */
  at: z.number(),
});
export type SentEmail = z.infer<typeof sentEmailSchema>;

const storeSchema = z.object({ emails: z.array(sentEmailSchema) });

/** Mail the emulator at `endpoint` has accepted, oldest first; `sinceEpochSeconds` keeps only later ones. */
export async function listSentEmails(
  endpoint: string,
  options: { sinceEpochSeconds?: number } = {},
): Promise<SentEmail[]> {
  const url = new URL('/store', endpoint);
  if (options.sinceEpochSeconds !== undefined) {
    url.searchParams.set('since', String(Math.floor(options.sinceEpochSeconds)));
  }
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`SES emulator store ${url} answered HTTP ${response.status}`);
  }
  return storeSchema.parse(await response.json()).emails;
}

/** Empties the emulator's mail store (and its templates). */
export async function clearSentEmails(endpoint: string): Promise<void> {
  const response = await fetch(new URL('/clear-store', endpoint), { method: 'POST' });
  if (!response.ok) {
    throw new Error(`SES emulator at ${endpoint} could not clear its store: HTTP ${response.status}`);
  }
}
