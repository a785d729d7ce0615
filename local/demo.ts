// local: `npm run demo` — against a running `npm start`: a customer, an invoice, issued and sent, and where
// to look at the email. Uses only the public HTTP API, exactly as a client would.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchAccessToken } from './oauth-client';

const usage = `Usage: npm run demo -- [options]

Against a running local stack (npm start): creates a customer and a draft invoice with the first demo
client, issues it with send: true, waits until the email is out, and prints where to see it.

Options:
  --state-dir <dir>   where npm start wrote clients.json and endpoints.json (default: .local)
  -h, --help          show this help
`;

const { values } = parseArgs({
  options: { 'state-dir': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
});
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);
const stateDir = resolve(values['state-dir'] ?? '.local');
let endpoints: { apiBaseUrl: string; mailViewUrl: string };
let clients: { tenantId: string; clientId: string; clientSecret: string; scopes: string[] }[];
try {
  endpoints = JSON.parse(readFileSync(resolve(stateDir, 'endpoints.json'), 'utf8'));
  clients = JSON.parse(readFileSync(resolve(stateDir, 'clients.json'), 'utf8'));
} catch {
  process.stderr.write(`[demo] no running stack found in ${stateDir}: start it first with \`npm start\`\n`);
  process.exit(1);
}
const client = clients.find((candidate) => candidate.scopes.includes('ledgerlock/invoices:write'));
if (client === undefined) throw new Error('clients.json has no client with invoices:write');
const base = endpoints.apiBaseUrl;

/** The fields of API responses this demo reads. */
interface ApiBody {
  readonly id: string;
  readonly total: number;
  readonly currency: string;
  readonly number: string;
  readonly delivery: { readonly status: string; readonly reason?: string; readonly messageId?: string };
  readonly detail?: string;
}

async function api(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined
        ? {}
        : { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as ApiBody;
  if (!response.ok)
    throw new Error(`${method} ${path} → ${response.status}: ${json.detail ?? JSON.stringify(json)}`);
  return json;
}

try {
  await fetch(`${base}/health`);
} catch {
  process.stderr.write(`[demo] ${base} does not answer: start the stack first with \`npm start\`\n`);
  process.exit(1);
}
const token = await fetchAccessToken(base, client);
say(`token for client ${client.clientId} (tenant ${client.tenantId})`);

const customer = await api(
  'POST',
  '/v1/customers',
  {
    name: 'Erika Mustermann',
    email: 'erika.mustermann@example.com',
    language: 'de',
    address: { line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'DE' },
  },
  token,
);
say(`customer ${customer.id} created`);
const invoice = await api(
  'POST',
  '/v1/invoices',
  {
    customerId: customer.id,
    currency: 'EUR',
    lines: [
      { description: 'Beratung, November', quantity: 12, unitAmount: 9500, taxRateBps: 1900 },
      { description: 'Fachbuch', quantity: 1, unitAmount: 3990, taxRateBps: 700 },
    ],
    memo: 'Vielen Dank für Ihren Auftrag.',
  },
  token,
);
say(`draft ${invoice.id}: total ${invoice.total} minor units ${invoice.currency}`);
const started = Date.now();
const issued = await api('POST', `/v1/invoices/${invoice.id}/issue`, { send: true }, token);
say(`issued as ${issued.number}, delivery ${issued.delivery.status}…`);

let delivery = issued.delivery;
for (let waited = 0; delivery.status === 'queued' && waited < 60_000; waited += 250) {
  await new Promise((done) => setTimeout(done, 250));
  delivery = (await api('GET', `/v1/invoices/${invoice.id}`, undefined, token)).delivery;
}
if (delivery.status !== 'sent') {
  say(`delivery ${delivery.status}${delivery.reason ? `: ${delivery.reason}` : ''}`);
  process.exit(1);
}
say(`sent in ${Date.now() - started} ms (message ${delivery.messageId})`);
say(`see the email and its PDF: ${endpoints.mailViewUrl}`);
say(
  `or download the PDF: curl -H "authorization: Bearer <token>" ${base}/v1/invoices/${invoice.id}/pdf -o invoice.pdf`,
);
