// bench: delivery under injected SES faults on a real local stack — a burst of issue-with-send requests while the
// fault proxy refuses some sends and drops the answers of others after SES took them; then a stack killed while a
// deliverer holds its claim. Reports emails per invoice (from aws-ses-v2-local's store), requests left unsettled,
// and how long the killed delivery took to settle, with the burst's time as a ratio to one clean issue→email.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSentEmails } from '../local/emulators/ses';
import { fetchAccessToken } from '../local/oauth-client';
import {
  killStackProcess,
  type StackProcess,
  startStackProcess,
  stopStackProcess,
} from '../local/stack-process';
import { benchOptions, progress } from './bench-cli';

const usage = `Usage: npm run bench:delivery -- [--count N] [--concurrency N] [--refused N] [--ambiguous N]

Starts an in-memory local stack with test-paced delivery retries (1 s, 2 s, …; sweep every 0.5 s), then:
  baseline   one issue with send:true until its email is in the SES emulator, no faults
  burst      --count invoices issued with send:true, --concurrency in flight, while the fault proxy refuses
             --refused SendEmail calls (503, nothing accepted) and drops the answer of --ambiguous others after
             SES accepted them, interleaved
  kill       a persistent stack of its own, SIGKILLed while SES holds a send unanswered, started again

  --count N        invoices in the burst (default 300)
  --concurrency N  requests in flight (default 10)
  --refused N      refused sends (default 60)
  --ambiguous N    answers dropped after SES accepted (default 15)
  -h, --help       print this text`;

const { count, concurrency, refused, ambiguous } = benchOptions(usage, {
  count: { default: 300, min: 0 },
  concurrency: { default: 10, min: 0 },
  refused: { default: 60, min: 0 },
  ambiguous: { default: 15, min: 0 },
});

const tuning = {
  DELIVERY_RETRY_FIRST_DELAY_SECONDS: '1',
  DELIVERY_RETRY_MAX_DELAY_SECONDS: '2',
  DELIVERY_LEASE_SECONDS: '15',
  LEDGERLOCK_SWEEP_INTERVAL_MS: '500',
};
const sendEmail = { method: 'POST', path: '/v2/email/outbound-emails' };
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

interface Client {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
}

function connect(stack: StackProcess) {
  const clients = JSON.parse(readFileSync(join(stack.stateDir, 'clients.json'), 'utf8')) as Client[];
  const endpoints = JSON.parse(readFileSync(join(stack.stateDir, 'endpoints.json'), 'utf8'));
  const writer = clients.find((client) => client.scopes.includes('ledgerlock/invoices:write')) as Client;
  let token = '';
  const call = async (method: string, path: string, body?: unknown) => {
    token ||= await fetchAccessToken(stack.apiBaseUrl, writer);
    for (let attempt = 0; ; attempt += 1) {
      const response = await fetch(`${stack.apiBaseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      // biome-ignore lint/suspicious/noExplicitAny: a bench reads a few known fields of the API's JSON answers
      const json = (await response.json()) as any;
      // The local stage throttles like API Gateway: a well-behaved client waits and retries.
      if (response.status === 429 && String(json?.type).endsWith('/too-many-requests') && attempt < 50) {
        await sleep(50 * (attempt + 1));
        continue;
      }
      return { status: response.status, json };
    }
  };
  const faults = (command: unknown) => call('POST', '/_local/faults/ses', command);
  const draft = (email: string) => ({
    customer: {
      name: 'Bench Customer',
      email,
      address: { line1: 'Street 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    },
    currency: 'EUR',
    lines: [{ description: 'Service', quantity: 1, unitAmount: 10000, taxRateBps: 1900 }],
    dueDate: '2099-12-31',
  });
  const issueWithSend = async (email: string) => {
    const created = await call('POST', '/v1/invoices', draft(email));
    const issued = await call('POST', `/v1/invoices/${created.json.id}/issue`, { send: true });
    if (issued.status !== 200) throw new Error(`issue answered ${issued.status}`);
    return created.json.id as string;
  };
  const delivery = async (id: string) => (await call('GET', `/v1/invoices/${id}`)).json.delivery;
  return { call, faults, issueWithSend, delivery, sesEndpoint: endpoints.ses as string };
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await work(item);
      }
    }),
  );
}

progress('starting an in-memory local stack…');
const stack = await startStackProcess({ testHooks: true, env: tuning });
const results: Record<string, unknown> = {};
try {
  const api = connect(stack);
  const run = Date.now().toString(36);

  // Baseline: one clean issue → email.
  const baselineStarted = performance.now();
  const baselineAddress = `baseline.${run}@example.com`;
  await api.issueWithSend(baselineAddress);
  for (;;) {
    const emails = await listSentEmails(api.sesEndpoint);
    if (emails.some((email) => email.destination.to.includes(baselineAddress))) break;
    await sleep(50);
  }
  const baselineMs = performance.now() - baselineStarted;

  // The faults, interleaved: a few refused, then one accepted-but-unanswered, and so on.
  let refusedLeft = refused;
  let ambiguousLeft = ambiguous;
  while (refusedLeft > 0 || ambiguousLeft > 0) {
    const refuseNow = Math.min(refusedLeft, Math.max(1, Math.ceil(refused / Math.max(1, ambiguous))));
    if (refuseNow > 0) {
      await api.faults({ action: 'inject', kind: 'refuse', count: refuseNow, status: 503, match: sendEmail });
      refusedLeft -= refuseNow;
    }
    if (ambiguousLeft > 0) {
      await api.faults({ action: 'inject', kind: 'drop-after', count: 1, match: sendEmail });
      ambiguousLeft -= 1;
    }
  }

  progress(`burst: ${count} issue-with-send, ${refused} refused and ${ambiguous} ambiguous sends injected…`);
  const addresses = Array.from({ length: count }, (_, index) => `burst${index}.${run}@example.com`);
  const ids = new Map<string, string>();
  const burstStarted = performance.now();
  await inParallel(addresses, concurrency, async (address) => {
    ids.set(address, await api.issueWithSend(address));
  });
  const deadline = Date.now() + 10 * 60_000;
  const states = new Map<string, { status: string; outcome?: string }>();
  for (;;) {
    await inParallel([...ids.entries()], concurrency, async ([address, id]) => {
      if (['sent', 'failed'].includes(states.get(address)?.status ?? '')) return;
      states.set(address, await api.delivery(id));
    });
    const pending = [...states.values()].filter((state) => !['sent', 'failed'].includes(state.status));
    if (pending.length === 0 || Date.now() > deadline) break;
    await sleep(500);
  }
  const burstMs = performance.now() - burstStarted;
  const stats = (await api.faults({ action: 'stats', match: sendEmail })).json.stats.total;
  const emails = await listSentEmails(api.sesEndpoint);
  const perInvoice = addresses.map(
    (address) => emails.filter((email) => email.destination.to.includes(address)).length,
  );
  const all = [...states.values()];
  results.burst = {
    invoices: count,
    injected: { refused, ambiguous },
    proxy: stats,
    sent: all.filter((state) => state.status === 'sent').length,
    failedUnknownOutcome: all.filter((state) => state.status === 'failed' && state.outcome === 'unknown')
      .length,
    failedOther: all.filter((state) => state.status === 'failed' && state.outcome !== 'unknown').length,
    unsettled: all.filter((state) => !['sent', 'failed'].includes(state.status)).length,
    emailsPerInvoiceMax: Math.max(...perInvoice),
    invoicesWithTwoOrMoreEmails: perInvoice.filter((emailCount) => emailCount > 1).length,
    invoicesWithNoEmail: perInvoice.filter((emailCount) => emailCount === 0).length,
    seconds: Number((burstMs / 1000).toFixed(1)),
    baselineIssueToEmailMs: Math.round(baselineMs),
    ratioToBaseline: Number((burstMs / baselineMs).toFixed(1)),
  };
} finally {
  await stopStackProcess(stack);
}

// A stack of its own, persistent, killed while SES holds a send unanswered.
progress('kill: a persistent stack, SIGKILLed while a deliverer holds its claim…');
const stateDir = mkdtempSync(join(tmpdir(), 'ledgerlock-bench-kill-'));
let killed = await startStackProcess({ stateDir, testHooks: true, env: tuning });
try {
  let api = connect(killed);
  await api.faults({ action: 'inject', kind: 'stall', count: 1, match: sendEmail });
  const id = await api.issueWithSend(`killed.${Date.now().toString(36)}@example.com`);
  for (;;) {
    const stats = (await api.faults({ action: 'stats', match: sendEmail })).json.stats.total;
    if (stats.stalled === 1) break;
    await sleep(100);
  }
  const killedAt = performance.now();
  await killStackProcess(killed);
  killed = await startStackProcess({ stateDir, testHooks: true, env: tuning });
  const healthyAt = performance.now();
  api = connect(killed);
  let settled: { status: string; outcome?: string };
  for (;;) {
    settled = await api.delivery(id);
    if (['sent', 'failed'].includes(settled.status)) break;
    await sleep(200);
  }
  const settledAt = performance.now();
  results.kill = {
    settledAs: `${settled.status}${settled.outcome === undefined ? '' : ` (${settled.outcome})`}`,
    secondsFromKill: Number(((settledAt - killedAt) / 1000).toFixed(1)),
    secondsFromRestart: Number(((settledAt - healthyAt) / 1000).toFixed(1)),
    restartSeconds: Number(((healthyAt - killedAt) / 1000).toFixed(1)),
    leaseSeconds: Number(tuning.DELIVERY_LEASE_SECONDS),
  };
} finally {
  await stopStackProcess({ child: killed.child, stateDir });
}

console.log(JSON.stringify(results, null, 2));
