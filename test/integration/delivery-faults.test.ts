// test: delivery against the real emulators under deterministic SES faults (the fault proxy's "the next N
// SendEmail calls…"): refused sends are retried until one email goes out, an answer lost after SES accepted the
// message is shown as an unknown outcome and never resent, a void stops an email waiting for its retry, a real
// 30 s outage is ridden out, overlapping outage hooks and an unwritable log leave the stack serving, and the send
// caps answer 429.
import { readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { listSentEmails, type SentEmail } from '../../local/emulators/ses';
import { as, call, clientsByRole, endpoints, sampleInvoice } from './support';

const { tenantA } = clientsByRole();
const sendEmailRoute = { method: 'POST', path: '/v2/email/outbound-emails' };

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

async function emailsTo(address: string): Promise<SentEmail[]> {
  return (await listSentEmails(endpoints().ses)).filter((email) => email.destination.to.includes(address));
}

function uniqueAddress(label: string): string {
  return `${label}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;
}

async function issueAndSend(email: string) {
  const api = await as(tenantA);
  const draft = await api.post(
    '/v1/invoices',
    sampleInvoice({ customer: { ...sampleInvoice().customer, email } }),
  );
  const issued = await api.post(`/v1/invoices/${draft.body.id}/issue`, { send: true });
  expect(issued.status).toBe(200);
  return issued.body as { id: string; number: string };
}

async function settled(invoiceId: string) {
  const api = await as(tenantA);
  return waitFor(`delivery of ${invoiceId} settled`, async () => {
    const invoice = (await api.get(`/v1/invoices/${invoiceId}`)).body;
    return ['sent', 'failed'].includes(invoice.delivery.status) ? invoice : undefined;
  });
}

async function sesFaults(command: Record<string, unknown>) {
  const answer = await call('POST', '/_local/faults/ses', { body: command });
  expect(answer.body).toMatchObject({ ok: true });
  return answer.body;
}

afterEach(async () => {
  await sesFaults({ action: 'clear' });
});

describe('delivery under SES faults', () => {
  it('retries while the next four SendEmail calls are refused before sending, then sends exactly once', async () => {
    await sesFaults({ action: 'inject', kind: 'refuse', count: 4, status: 503, match: sendEmailRoute });
    const address = uniqueAddress('refused');
    const invoice = await issueAndSend(address);
    const delivered = await settled(invoice.id);
    expect(delivered.delivery).toMatchObject({ status: 'sent', attempts: 5 });
    expect(await emailsTo(address)).toHaveLength(1);
  });

  it('shows an answer lost after SES accepted the message as an unknown outcome, and never sends it again', async () => {
    // The proxy forwards the next SendEmail to SES, which stores it, then drops the connection unanswered.
    await sesFaults({ action: 'inject', kind: 'drop-after', count: 1, match: sendEmailRoute });
    const address = uniqueAddress('ambiguous');
    const invoice = await issueAndSend(address);
    const failed = await settled(invoice.id);
    expect(failed.delivery).toMatchObject({
      status: 'failed',
      outcome: 'unknown',
      reason: expect.stringMatching(/may have been delivered/),
    });
    // SES did take it: one email. Several sweeps later, still one.
    expect(await emailsTo(address)).toHaveLength(1);
    await pause(3_000);
    expect(await emailsTo(address)).toHaveLength(1);
    expect((await (await as(tenantA)).get(`/v1/invoices/${invoice.id}`)).body.delivery.status).toBe('failed');
    // A person who checked can send it again, deliberately.
    const resend = await (await as(tenantA)).post(`/v1/invoices/${invoice.id}/send`, { resend: true });
    expect(resend.status).toBe(202);
    await waitFor('second email', async () => ((await emailsTo(address)).length === 2 ? true : undefined));
  });

  it('never emails an invoice voided while its email waits for a retry (issue 10 item 2)', async () => {
    // SES refuses the first sends, so the email waits for its next attempt when the void commits.
    await sesFaults({ action: 'inject', kind: 'refuse', count: 5, status: 503, match: sendEmailRoute });
    const address = uniqueAddress('voided');
    const invoice = await issueAndSend(address);
    const api = await as(tenantA);
    await waitFor('a refused attempt', async () => {
      const { delivery } = (await api.get(`/v1/invoices/${invoice.id}`)).body;
      return delivery.attempts >= 1 && delivery.status !== 'sent' ? true : undefined;
    });
    expect((await api.post(`/v1/invoices/${invoice.id}/void`, { reason: 'Issued by mistake' })).status).toBe(
      200,
    );
    // From here SES would take the email: only the void can keep it from going out.
    await sesFaults({ action: 'clear' });
    const cancelled = await settled(invoice.id);
    expect(cancelled).toMatchObject({
      status: 'void',
      delivery: { status: 'failed', reason: expect.stringMatching(/voided before its email went out/) },
    });
    // Past every retry the refused attempts had scheduled (1–2 s apart here): still no email.
    await pause(5_000);
    expect(await emailsTo(address)).toEqual([]);
  }, 60_000);

  it('rides out a real 30 s SES outage without a manual resend; a second outage call extends it, the stack stays up', async () => {
    const first = await call('POST', '/_local/ses/outage', { body: { milliseconds: 15_000 } });
    expect(first.body).toMatchObject({ outage: 'started' });
    // While SES is down, a second call extends the outage instead of taking the stack down.
    const second = await call('POST', '/_local/ses/outage', { body: { milliseconds: 30_000 } });
    expect(second.body).toMatchObject({ outage: 'extended' });
    expect((await call('GET', '/health')).status).toBe(200);
    const startedAt = Date.now();
    const address = uniqueAddress('outage30');
    const invoice = await issueAndSend(address);
    const delivered = await settled(invoice.id);
    expect(delivered.delivery.status).toBe('sent');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(29_000);
    expect(delivered.delivery.attempts).toBeGreaterThan(1);
    expect(await emailsTo(address)).toHaveLength(1);
  }, 90_000);
});

describe('the local stack keeps serving', () => {
  it('answers requests while its access log cannot be written (a full disk)', async () => {
    const logFile = join(process.env.LEDGERLOCK_TEST_STATE_DIR ?? '', 'logs', 'api-access.log');
    const kept = `${logFile}.kept`;
    renameSync(logFile, kept);
    // /dev/full fails every write with ENOSPC, as a full disk does.
    symlinkSync('/dev/full', logFile);
    try {
      for (let request = 0; request < 5; request += 1)
        expect((await call('GET', '/health')).status).toBe(200);
      const api = await as(tenantA);
      expect((await api.post('/v1/invoices', sampleInvoice())).status).toBe(201);
      const stackOutput = readFileSync(
        join(process.env.LEDGERLOCK_TEST_STATE_DIR ?? '', 'logs', 'stack-output.log'),
        'utf8',
      );
      expect(stackOutput).toMatch(/cannot write .*api-access\.log \(ENOSPC\); lines are dropped/);
    } finally {
      rmSync(logFile, { force: true });
      renameSync(kept, logFile);
    }
    expect((await call('GET', '/health')).status).toBe(200);
  });
});

describe('send caps', () => {
  it('answers a fourth email of one invoice in 24 h with 429 problem+json and Retry-After, and tells detect', async () => {
    const api = await as(tenantA);
    const address = uniqueAddress('capped');
    const invoice = await issueAndSend(address);
    await settled(invoice.id);
    for (let resend = 0; resend < 2; resend += 1) {
      expect((await api.post(`/v1/invoices/${invoice.id}/send`, { resend: true })).status).toBe(202);
      await waitFor('resent', async () =>
        (await emailsTo(address)).length === resend + 2 ? true : undefined,
      );
      await settled(invoice.id);
    }
    const refused = await api.post(`/v1/invoices/${invoice.id}/send`, { resend: true });
    expect(refused.status).toBe(429);
    expect(refused.contentType).toBe('application/problem+json');
    expect(refused.body).toMatchObject({
      type: 'https://docs.ledgerlock.dev/problems/send-limit-exceeded',
      status: 429,
      detail: expect.stringMatching(/already sent 3 times/),
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(23 * 3600);
    expect(retryAfter).toBeLessThanOrEqual(24 * 3600 + 1);
    expect(await emailsTo(address)).toHaveLength(3);
    // The refusal is a security-signal line in api-write's log, which the logs subscription hands to detect.
    const writeLog = join(process.env.LEDGERLOCK_TEST_STATE_DIR ?? '', 'logs', 'ledgerlock-api-write.log');
    await waitFor('send-limited signal', async () =>
      readFileSync(writeLog, 'utf8')
        .split('\n')
        .some((line) => line.includes('"securitySignal":"send-limited"') && line.includes(tenantA.tenantId))
        ? true
        : undefined,
    );
  });
});
