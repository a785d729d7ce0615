// bench: the API on a real local stack — create, read, issue and issue→email latency, KMS calls per
// operation, and what concurrency costs — each as a ratio to a baseline measured in the same run.
//
// The baseline is an authenticated GET of an unknown invoice: gateway, cached authorizer, handler and one
// DynamoDB read. Every other figure is "how many baseline requests is this worth", which stays comparable
// on a shared, noisy machine where absolute milliseconds do not.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchAccessToken } from '../local/oauth-client';
import { startStackProcess, stopStackProcess } from '../local/stack-process';
import { benchOptions, median, progress } from './bench-cli';

const usage = `Usage: npm run bench:api -- [--count N] [--concurrency N]

Starts an in-memory local stack (as the tests do), then measures with the first demo client:
  baseline     GET /v1/invoices/<unknown id> (auth, handler, one DynamoDB read) → 404
  create       POST /v1/invoices (seal under KMS, transaction with audit event)
  read         GET /v1/invoices/{id} (decrypt, verify context)
  issue        POST /v1/invoices/{id}/issue (number + transaction), sequential
  issue ∥      the same with --concurrency requests in flight on one series (contention)
  to email     issue with send:true until the email is in the SES emulator
and the KMS calls the emulator served per create and per read.

  --count N        requests per measured case (default 100)
  --concurrency N  in-flight issues for the contention case (default 20)
  -h, --help       print this text`;

const { count, concurrency } = benchOptions(usage, {
  count: { default: 100, min: 5 },
  concurrency: { default: 20, min: 2 },
});

progress('starting an in-memory local stack…');
const stack = await startStackProcess({ testHooks: true });
progress(`healthy after ${stack.healthyAfterMs} ms`);
try {
  const clients = JSON.parse(readFileSync(join(stack.stateDir, 'clients.json'), 'utf8'));
  const endpoints = JSON.parse(readFileSync(join(stack.stateDir, 'endpoints.json'), 'utf8'));
  const client = clients[0];
  const token = await fetchAccessToken(stack.apiBaseUrl, client);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const request = async (method: string, path: string, body?: unknown) => {
    const started = performance.now();
    const response = await fetch(`${stack.apiBaseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // Only `id` (of created invoices) and the KMS statistics are read from the bodies.
    const json = (await response.json()) as { id: string } & Record<string, unknown>;
    return { status: response.status, json, ms: performance.now() - started };
  };
  const kmsStats = async () =>
    (await request('GET', '/_local/kms/stats')).json as unknown as Record<string, number>;
  const kmsCalls = (stats: Record<string, number>) =>
    Object.values(stats).reduce((sum, value) => sum + value, 0);
  const draft = (index: number) => ({
    customer: {
      name: `Bench Customer ${index}`,
      email: `bench${index}@example.com`,
      address: { line1: 'Street 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    },
    currency: 'EUR',
    lines: [{ description: `Item ${index}`, quantity: 2, unitAmount: 1250, taxRateBps: 1900 }],
  });

  // Warm-up: JIT, authorizer cache, data-key caches.
  for (let index = 0; index < 10; index += 1) await request('POST', '/v1/invoices', draft(index));

  const baseline: number[] = [];
  const creates: number[] = [];
  const reads: number[] = [];
  const ids: string[] = [];
  await request('POST', '/_local/kms/stats/reset');
  for (let index = 0; index < count; index += 1) {
    baseline.push((await request('GET', `/v1/invoices/inv_${'0'.repeat(32)}`)).ms);
    const created = await request('POST', '/v1/invoices', draft(index));
    if (created.status !== 201) throw new Error(`create failed: ${created.status}`);
    creates.push(created.ms);
    ids.push(created.json.id);
  }
  const kmsAfterCreates = kmsCalls(await kmsStats());
  await request('POST', '/_local/kms/stats/reset');
  for (const id of ids) reads.push((await request('GET', `/v1/invoices/${id}`)).ms);
  const readStats = await kmsStats();
  progress(`${count} creates and ${count} reads done`);

  const issues: number[] = [];
  for (const id of ids.slice(0, Math.min(count, 50))) {
    const issued = await request('POST', `/v1/invoices/${id}/issue`, { series: 'SEQ' });
    if (issued.status !== 200) throw new Error(`issue failed: ${issued.status}`);
    issues.push(issued.ms);
  }
  const parallelIds = ids.slice(50, 50 + concurrency);
  const parallelStarted = performance.now();
  const parallel = await Promise.all(
    parallelIds.map((id) => request('POST', `/v1/invoices/${id}/issue`, { series: 'PAR' })),
  );
  const parallelWallMs = performance.now() - parallelStarted;
  if (parallel.some((response) => response.status !== 200)) throw new Error('a concurrent issue failed');
  progress('issues done');

  const toEmail: number[] = [];
  for (let index = 0; index < Math.min(count, 20); index += 1) {
    const address = `latency${index}.${Date.now()}@example.com`;
    const created = await request('POST', '/v1/invoices', {
      ...draft(index),
      customer: { ...draft(index).customer, email: address },
    });
    const started = performance.now();
    await request('POST', `/v1/invoices/${created.json.id}/issue`, { send: true });
    for (;;) {
      const store = (await (await fetch(`${endpoints.ses}/store`)).json()) as {
        emails: { destination: { to: string[] } }[];
      };
      if (store.emails.some((email) => email.destination.to.includes(address))) break;
      if (performance.now() - started > 60_000) throw new Error('no email within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    toEmail.push(performance.now() - started);
  }
  progress('issue → email done');

  const base = median(baseline);
  const rows: [string, number][] = [
    ['baseline: GET unknown invoice (404)', base],
    ['create draft (POST /v1/invoices)', median(creates)],
    ['read invoice (GET /v1/invoices/{id})', median(reads)],
    ['issue, one at a time', median(issues)],
    [`issue, ${concurrency} in flight (wall time / request)`, parallelWallMs / concurrency],
    ['issue with send → email in SES emulator', median(toEmail)],
  ];
  console.log(`\nLedgerlock API benchmark (${count} per case; medians; ratio = multiple of the baseline)\n`);
  console.log(`${'case'.padEnd(52)}${'ms'.padStart(9)}${'ratio'.padStart(9)}`);
  for (const [name, ms] of rows) {
    console.log(`${name.padEnd(52)}${ms.toFixed(1).padStart(9)}${(ms / base).toFixed(2).padStart(9)}`);
  }
  console.log(
    `\nKMS calls served: ${kmsAfterCreates} for ${count} creates, ${kmsCalls(readStats)} for ${count} reads`,
  );
  console.log(`(reads by operation: ${JSON.stringify(readStats)})`);
  console.log(`stack healthy after ${stack.healthyAfterMs} ms`);
} finally {
  await stopStackProcess(stack);
}
