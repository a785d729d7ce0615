// test: every process dies while a deliverer holds its claim — a persistent stack of its own is SIGKILLed (stack,
// tsx, Java, Python) while SES holds the send unanswered, then started again on the same data: the request settles
// to sent or failed within the bound, with at most one email, and can be sent again.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSentEmails } from '../../local/emulators/ses';
import { fetchAccessToken } from '../../local/oauth-client';
import {
  killStackProcess,
  type StackProcess,
  startStackProcess,
  stopStackProcess,
} from '../../local/stack-process';
import { testDeliveryTuning } from './global-setup';
import { sampleInvoice } from './support';

interface Client {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function json(stack: StackProcess, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${stack.apiBaseUrl}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function readJson(file: string) {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(file, 'utf8'));
}

describe('a delivery whose processes all died', () => {
  let stack: StackProcess | undefined;
  const stateDir = mkdtempSync(join(tmpdir(), 'ledgerlock-kill-'));

  afterAll(async () => {
    if (stack !== undefined) await stopStackProcess(stack);
  });

  it('settles within the bound after a restart, sends at most once, and can be sent again', async () => {
    const options = { stateDir, testHooks: true, env: testDeliveryTuning };
    stack = await startStackProcess(options);
    const clients = (await readJson(join(stateDir, 'clients.json'))) as Client[];
    const writer = clients.find((client) => client.scopes.includes('ledgerlock/invoices:write')) as Client;
    let token = await fetchAccessToken(stack.apiBaseUrl, writer);
    // SES holds the next send unanswered: the deliverer has claimed, handed the email over, and waits.
    const stall = await json(stack, 'POST', '/_local/faults/ses', undefined, {
      action: 'inject',
      kind: 'stall',
      count: 1,
      match: { method: 'POST', path: '/v2/email/outbound-emails' },
    });
    expect(stall.body).toMatchObject({ ok: true });
    const address = `killed.${Date.now().toString(36)}@example.com`;
    const draft = await json(
      stack,
      'POST',
      '/v1/invoices',
      token,
      sampleInvoice({ customer: { ...sampleInvoice().customer, email: address } }),
    );
    const issued = await json(stack, 'POST', `/v1/invoices/${draft.body.id}/issue`, token, { send: true });
    expect(issued.status).toBe(200);
    const running = stack;
    await waitFor('the send to stall at SES', async () => {
      const stats = await json(running, 'POST', '/_local/faults/ses', undefined, { action: 'stats' });
      return stats.body.stats.total.stalled === 1 ? true : undefined;
    });

    // Every process dies at once, as with a power cut or kill -9: nothing gets to record anything.
    await killStackProcess(stack);
    stack = await startStackProcess(options);
    const restartedAt = Date.now();
    token = await fetchAccessToken(stack.apiBaseUrl, writer);
    const restarted = stack;
    const settled = await waitFor('the delivery to settle', async () => {
      const invoice = (await json(restarted, 'GET', `/v1/invoices/${draft.body.id}`, token)).body;
      return ['sent', 'failed'].includes(invoice.delivery.status) ? invoice : undefined;
    });
    const settleSeconds = (Date.now() - restartedAt) / 1000;
    process.stdout.write(
      `[delivery-kill] settled as ${settled.delivery.status}${settled.delivery.outcome === undefined ? '' : ` (${settled.delivery.outcome})`} ${settleSeconds.toFixed(1)} s after the restart\n`,
    );
    // The lease (15 s here) plus a sweep, counted from the restart: well inside the bound.
    expect(settleSeconds).toBeLessThan(60);
    if (settled.delivery.status === 'failed') {
      // The stalled send never reached SES, but the deliverer could not know: it says so instead of guessing.
      expect(settled.delivery).toMatchObject({
        outcome: 'unknown',
        reason: expect.stringMatching(/may have been delivered/),
      });
    }
    const before = (await listSentEmails((await readJson(join(stateDir, 'endpoints.json'))).ses)).filter(
      (email) => email.destination.to.includes(address),
    );
    expect(before.length).toBeLessThanOrEqual(1);

    const again = await json(stack, 'POST', `/v1/invoices/${draft.body.id}/send`, token, { resend: true });
    expect(again.status).toBe(202);
    const sent = await waitFor('the resend', async () => {
      const invoice = (await json(restarted, 'GET', `/v1/invoices/${draft.body.id}`, token)).body;
      return invoice.delivery.status === 'sent' ? invoice : undefined;
    });
    expect(sent.delivery.messageId).toEqual(expect.any(String));
    const after = (await listSentEmails((await readJson(join(stateDir, 'endpoints.json'))).ses)).filter(
      (email) => email.destination.to.includes(address),
    );
    expect(after).toHaveLength(before.length + 1);
  }, 240_000);
});
