// test: the fault proxy between the real SES v2 client and aws-ses-v2-local injects each fault exactly as often as
// asked, and what the SDK then throws says whether the service accepted the email (checked in the mail store)
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ListEmailTemplatesCommand,
  SESv2Client,
  SendEmailCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import {
  clearSentEmails,
  emulatorClientConfig,
  freePort,
  listSentEmails,
  type RunningSes,
  startSes,
} from '../../local/emulators';
import { startMotoS3 } from '../../local/emulators/moto-s3';
import { type FaultProxy, startFaultProxy } from '../../local/fault-proxy';

const sendEmailRoute = { method: 'POST', path: '/v2/email/outbound-emails' } as const;

/** What a caller can tell from a failed send: the error's name, its HTTP status and fault (if the service answered). */
interface Failure {
  name: string;
  message: string;
  status: number | undefined;
  fault: string | undefined;
}

/**
 * Inside jest, Node's own errors come from another realm, so the SDK's `instanceof Error` fails and it wraps a
 * dropped connection as `Error: AWS SDK error wrapper for TimeoutError: socket hang up`. Outside jest (Lambda,
 * `npm start`) the same failure arrives as a TimeoutError with code ECONNRESET. Read the name from either form.
 */
function sdkErrorName(error: { name: string; message: string }): string {
  const wrapped = /^AWS SDK error wrapper for (\w+):/.exec(error.message);
  return error.name === 'Error' && wrapped?.[1] !== undefined ? wrapped[1] : error.name;
}

async function failureOf(sending: Promise<unknown>): Promise<Failure> {
  try {
    await sending;
  } catch (error) {
    const details = error as {
      name: string;
      message: string;
      $fault?: string;
      $metadata?: { httpStatusCode?: number };
    };
    return {
      name: sdkErrorName(details),
      message: details.message,
      status: details.$metadata?.httpStatusCode,
      fault: details.$fault,
    };
  }
  throw new Error('the send succeeded, but a failure was expected');
}

/** A closed connection: no HTTP answer, so no status and no fault, whatever the service did. */
const connectionClosed = {
  name: 'TimeoutError',
  message: expect.stringContaining('socket hang up'),
  status: undefined,
  fault: undefined,
};

describe('fault proxy in front of aws-ses-v2-local', () => {
  let ses: RunningSes;
  let proxy: FaultProxy;
  let client: SESv2Client;
  const logLines: string[] = [];

  beforeAll(async () => {
    ses = await startSes({ port: 0 });
    proxy = await startFaultProxy({ target: ses.endpoint, name: 'ses', log: (line) => logLines.push(line) });
    // One attempt, so every injected fault is seen once by the caller rather than hidden by SDK retries.
    client = new SESv2Client({ ...emulatorClientConfig(proxy.endpoint), maxAttempts: 1 });
  });

  beforeEach(async () => {
    proxy.clear();
    proxy.resetStats();
    await clearSentEmails(ses.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await proxy?.stop();
    await ses?.stop();
  });

  /** Sends one email with a unique subject, so the store can be asked for exactly this one. */
  function send(subject: string, through: SESv2Client = client): Promise<unknown> {
    return through.send(
      new SendEmailCommand({
        FromEmailAddress: 'invoices@ledgerlock.local',
        Destination: { ToAddresses: ['customer@example.com'] },
        Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: 'Your invoice.' } } } },
      }),
    );
  }

  async function storedSubjects(): Promise<string[]> {
    return (await listSentEmails(ses.endpoint)).map((email) => email.subject);
  }

  describe('without faults', () => {
    it('forwards requests and relays the answers', async () => {
      const subject = `plain-${randomUUID()}`;

      await send(subject);

      expect(await storedSubjects()).toEqual([subject]);
      expect(proxy.stats().total).toMatchObject({ forwarded: 1, refused: 0 });
      expect(Object.keys(proxy.stats().byRequest)).toEqual(['POST /v2/email/outbound-emails']);
    });
  });

  describe('refuse', () => {
    it('answers 503 ServiceUnavailable without forwarding: the SDK throws a server fault and nothing is stored', async () => {
      proxy.inject({ kind: 'refuse', count: 1, status: 503, errorCode: 'ServiceUnavailable' });

      const failure = await failureOf(send('refused'));

      expect(failure).toMatchObject({ name: 'ServiceUnavailable', status: 503, fault: 'server' });
      expect(await storedSubjects()).toEqual([]);
      expect(proxy.stats().total).toMatchObject({ refused: 1, forwarded: 0 });
    });

    it('answers 429 TooManyRequestsException as the modelled SES v2 exception class', async () => {
      proxy.inject({ kind: 'refuse', count: 1, status: 429 });

      const sending = send('throttled');

      await expect(sending).rejects.toBeInstanceOf(TooManyRequestsException);
      await expect(sending).rejects.toMatchObject({ name: 'TooManyRequestsException', $fault: 'client' });
      expect(await storedSubjects()).toEqual([]);
    });

    it('uses any error code it is given, e.g. Throttling', async () => {
      proxy.inject({
        kind: 'refuse',
        count: 1,
        status: 400,
        errorCode: 'Throttling',
        message: 'Rate exceeded',
      });

      const sending = send('throttled');

      await expect(sending).rejects.toMatchObject({ name: 'Throttling', message: 'Rate exceeded' });
    });

    it('applies to exactly the next N requests, then forwards again', async () => {
      proxy.inject({ kind: 'refuse', count: 2, status: 503 });

      const first = await failureOf(send('first'));
      const second = await failureOf(send('second'));
      await send('third');

      expect([first.name, second.name]).toEqual(['ServiceUnavailable', 'ServiceUnavailable']);
      expect(await storedSubjects()).toEqual(['third']);
      expect(proxy.stats().total).toMatchObject({ refused: 2, forwarded: 1 });
      expect(proxy.faults().queued).toEqual([]);
    });
  });

  describe('drops', () => {
    it('drop-before: the SDK throws a network error and the email is NOT stored', async () => {
      proxy.inject({ kind: 'drop-before', count: 1 });

      const failure = await failureOf(send('dropped-before'));

      // @smithy/node-http-handler renames ECONNRESET ('socket hang up') to TimeoutError.
      expect(failure).toEqual(connectionClosed);
      expect(await storedSubjects()).toEqual([]);
      expect(proxy.stats().total).toMatchObject({ droppedBefore: 1, forwarded: 0 });
    });

    it('drop-after: the SDK throws the same network error, yet the email IS stored (the ambiguous case)', async () => {
      proxy.inject({ kind: 'drop-after', count: 1 });

      const failure = await failureOf(send('dropped-after'));

      expect(failure).toEqual(connectionClosed);
      // aws-ses-v2-local stores the email before it answers, and the proxy drops only once it has the answer.
      expect(await storedSubjects()).toEqual(['dropped-after']);
      expect(proxy.stats().total).toMatchObject({ droppedAfter: 1, forwarded: 0 });
    });
  });

  describe('stall', () => {
    it('holds the request unanswered until the SDK times out; the service never sees it; clear() ends it', async () => {
      const impatient = new SESv2Client({
        ...emulatorClientConfig(proxy.endpoint),
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 300, throwOnRequestTimeout: true },
      });
      proxy.inject({ kind: 'stall', count: 1 });
      try {
        const failure = await failureOf(send('stalled', impatient));
        proxy.clear();
        await send('after-clear', impatient);

        expect(failure).toMatchObject({ name: 'TimeoutError', status: undefined });
        expect(await storedSubjects()).toEqual(['after-clear']);
        expect(proxy.stats().total).toMatchObject({ stalled: 1, forwarded: 1 });
      } finally {
        impatient.destroy();
      }
    });
  });

  describe('matching and order', () => {
    it('applies a fault only to the requests its match selects', async () => {
      proxy.inject({ kind: 'refuse', count: 1, status: 503, match: sendEmailRoute });

      await client.send(new ListEmailTemplatesCommand({}));
      const failure = await failureOf(send('matched'));

      expect(failure.name).toBe('ServiceUnavailable');
      expect(proxy.stats().byRequest).toEqual({
        'GET /v2/email/templates': expect.objectContaining({ forwarded: 1, refused: 0 }),
        'POST /v2/email/outbound-emails': expect.objectContaining({ forwarded: 0, refused: 1 }),
      });
      expect(proxy.stats(sendEmailRoute).total).toMatchObject({ refused: 1, forwarded: 0 });
    });

    it('selects by a regular expression on the path', async () => {
      proxy.inject({ kind: 'refuse', count: 1, status: 503, match: { path: /^\/v2\/email\/templates$/ } });

      await send('not-selected');
      await expect(client.send(new ListEmailTemplatesCommand({}))).rejects.toMatchObject({
        name: 'ServiceUnavailable',
      });
    });

    it('queues a fault injected while another is active, and applies them in order', async () => {
      proxy.inject({ kind: 'refuse', count: 1, status: 503 });
      proxy.inject({ kind: 'drop-before', count: 1 });
      proxy.inject({ kind: 'refuse', count: 1, status: 429 });

      const outcomes = [
        (await failureOf(send('one'))).name,
        (await failureOf(send('two'))).name,
        (await failureOf(send('three'))).name,
      ];
      await send('four');

      expect(outcomes).toEqual(['ServiceUnavailable', 'TimeoutError', 'TooManyRequestsException']);
      expect(await storedSubjects()).toEqual(['four']);
    });
  });

  describe('outage', () => {
    it('refuses everything it selects until clear(), and a second outage extends the first instead of failing', async () => {
      expect(proxy.outage({ match: sendEmailRoute })).toBe('started');
      const during = [await failureOf(send('during-1')), await failureOf(send('during-2'))];
      expect(proxy.outage({ match: sendEmailRoute, status: 503 })).toBe('extended');
      const afterSecond = await failureOf(send('during-3'));

      proxy.clear();
      await send('after');

      expect([...during, afterSecond].map((failure) => failure.name)).toEqual([
        'ServiceUnavailable',
        'ServiceUnavailable',
        'ServiceUnavailable',
      ]);
      expect(await storedSubjects()).toEqual(['after']);
      expect(proxy.faults().outages).toEqual([]);
    });

    it('lets a counted fault take the next request during an outage, then the outage resumes', async () => {
      proxy.outage({});
      proxy.inject({ kind: 'drop-after', count: 1 });

      const first = await failureOf(send('counted'));
      const second = await failureOf(send('outage'));

      expect([first.name, second.name]).toEqual(['TimeoutError', 'ServiceUnavailable']);
      expect(await storedSubjects()).toEqual(['counted']);
    });

    it('ends a timed outage by itself, for callers that cannot call clear()', async () => {
      proxy.outage({ durationMs: 0 });
      const deadline = Date.now() + 5_000;
      while (proxy.faults().outages.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setImmediate(resolve));
      }

      await send('after-timed-outage');

      expect(proxy.faults().outages).toEqual([]);
      expect(await storedSubjects()).toEqual(['after-timed-outage']);
    });

    it('keeps the later end when a timed outage is extended, and no end when either has none', () => {
      proxy.outage({ durationMs: 60_000 });
      const firstEnd = proxy.faults().outages[0]?.endsAt;
      proxy.outage({ durationMs: 120_000 });
      const extendedEnd = proxy.faults().outages[0]?.endsAt;
      proxy.outage({});

      expect(Date.parse(extendedEnd ?? '')).toBeGreaterThan(Date.parse(firstEnd ?? ''));
      expect(proxy.faults().outages).toEqual([expect.objectContaining({ endsAt: null })]);
    });
  });

  describe('control over HTTP (JSON commands)', () => {
    it('injects, reports and clears as the function calls do', async () => {
      const injected = await proxy.handleControl(
        JSON.stringify({ action: 'inject', kind: 'refuse', count: 1, status: 503, match: sendEmailRoute }),
      );
      const failure = await failureOf(send('controlled'));
      const stats = await proxy.handleControl(JSON.stringify({ action: 'stats', match: sendEmailRoute }));
      const outage = await proxy.handleControl(
        JSON.stringify({ action: 'outage', match: { pathPattern: '^/v2/' } }),
      );
      const cleared = await proxy.handleControl(JSON.stringify({ action: 'clear' }));

      expect(injected).toMatchObject({
        ok: true,
        result: 'queued',
        faults: { queued: [{ kind: 'refuse', remaining: 1 }] },
      });
      expect(failure.name).toBe('ServiceUnavailable');
      expect(stats).toMatchObject({ ok: true, stats: { total: { refused: 1 } } });
      expect(outage).toMatchObject({ ok: true, result: 'started', faults: { outages: [{ status: 503 }] } });
      expect(cleared).toMatchObject({ ok: true, result: 'cleared', faults: { queued: [], outages: [] } });
    });

    it.each([
      ['not JSON', '{nope'],
      ['an unknown action', JSON.stringify({ action: 'explode' })],
      ['a count of zero', JSON.stringify({ action: 'inject', kind: 'drop-before', count: 0 })],
      ['a refusal without a status', JSON.stringify({ action: 'inject', kind: 'refuse', count: 1 })],
      ['an invalid pattern', JSON.stringify({ action: 'outage', match: { pathPattern: '([' } })],
      ['an error code with a line break', JSON.stringify({ action: 'outage', errorCode: 'A\r\nB' })],
    ])('answers ok: false, and changes nothing, for %s', async (_description, body) => {
      const answer = await proxy.handleControl(body);

      expect(answer).toMatchObject({ ok: false, error: expect.any(String) });
      expect(proxy.faults()).toEqual({ queued: [], outages: [] });
    });
  });
});

describe('fault proxy on its own', () => {
  it('closes the connection, as an absent service would, when the target does not answer', async () => {
    const proxy = await startFaultProxy({ target: `http://127.0.0.1:${await freePort()}` });
    const client = new SESv2Client({ ...emulatorClientConfig(proxy.endpoint), maxAttempts: 1 });
    try {
      const failure = await failureOf(client.send(new ListEmailTemplatesCommand({})));

      expect(failure).toEqual(connectionClosed);
      expect(proxy.stats().total).toMatchObject({ unreachable: 1 });
    } finally {
      client.destroy();
      await proxy.stop();
    }
  });

  it('relays a HEAD answer with the length the service named (S3 HeadObject through the proxy)', async () => {
    const s3 = await startMotoS3();
    const proxy = await startFaultProxy({ target: s3.endpoint });
    const client = new S3Client({ ...emulatorClientConfig(proxy.endpoint), forcePathStyle: true });
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'documents' }));
      await client.send(new PutObjectCommand({ Bucket: 'documents', Key: 'a.txt', Body: 'twelve bytes' }));

      const head = await client.send(new HeadObjectCommand({ Bucket: 'documents', Key: 'a.txt' }));

      expect(head.ContentLength).toBe(12);
      expect(proxy.stats().total.forwarded).toBe(3);
    } finally {
      client.destroy();
      await proxy.stop();
      await s3.stop();
    }
  });

  it('keeps proxying when its log cannot be written, and says so once on stderr', async () => {
    const ses = await startSes({ port: 0 });
    const proxy = await startFaultProxy({
      target: ses.endpoint,
      name: 'ses',
      log: () => {
        throw new Error('EACCES: permission denied');
      },
    });
    const client = new SESv2Client({ ...emulatorClientConfig(proxy.endpoint), maxAttempts: 1 });
    const stderrLines: string[] = [];
    const writeToStderr = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderrLines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      proxy.inject({ kind: 'refuse', count: 2, status: 503 });
      const failures = [
        await failureOf(client.send(new ListEmailTemplatesCommand({}))),
        await failureOf(client.send(new ListEmailTemplatesCommand({}))),
      ];
      await client.send(new ListEmailTemplatesCommand({}));

      expect(failures.map((failure) => failure.name)).toEqual(['ServiceUnavailable', 'ServiceUnavailable']);
      expect(stderrLines).toEqual([
        expect.stringContaining('[fault-proxy ses]: cannot write its log (Error: EACCES'),
      ]);
    } finally {
      process.stderr.write = writeToStderr;
      client.destroy();
      await proxy.stop();
      await ses.stop();
    }
  });

  it('closes stalled requests and every connection on stop()', async () => {
    const ses = await startSes({ port: 0 });
    const proxy = await startFaultProxy({ target: ses.endpoint });
    const client = new SESv2Client({ ...emulatorClientConfig(proxy.endpoint), maxAttempts: 1 });
    try {
      proxy.inject({ kind: 'stall', count: 1 });
      const sending = failureOf(client.send(new ListEmailTemplatesCommand({})));
      // The stall is in place once the proxy has counted the request.
      const deadline = Date.now() + 5_000;
      while (proxy.stats().total.stalled === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setImmediate(resolve));
      }

      await proxy.stop();

      expect((await sending).name).toBe('TimeoutError');
    } finally {
      client.destroy();
      await ses.stop();
    }
  });
});
