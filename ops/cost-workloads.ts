// ops: the workloads `npm run cost` (ops/cost.ts) meters — what a business asks of the API for each invoice, in
// two shapes: each invoice on its own (a new customer, a draft, its issue, a download, its payment), and a monthly
// billing run (drafts for customers the business already has, issued by bulk requests of up to 100).

/** One API request of the workload (counted and retried on 429 by the caller); answers ≥ 400 throw. */
export type Call = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<Response>;

export interface WorkloadRun {
  readonly invoiceCount: number;
  /** PDF downloads per invoice: GET …/pdf and the link it redirects to. */
  readonly downloads: number;
  /** Issued with "send": true (the email run). */
  readonly send: boolean;
}

export interface Workload {
  readonly name: 'per-invoice' | 'billing-run';
  /** What `npm run cost -- --help` says it does (lines of at most 100 characters, joined by \n). */
  readonly description: string;
  /** Unmetered: the customers that exist before the month the run prices (their ids; none for per-invoice). */
  prepare(call: Call, run: WorkloadRun): Promise<readonly string[]>;
  /** Metered: the invoices themselves, for those customers. Returns how many PDF links were followed. */
  invoices(call: Call, run: WorkloadRun, customerIds: readonly string[]): Promise<number>;
}

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers, read by field name in a workload script
type Json = any;
const json = async (response: Promise<Response>): Promise<Json> => (await response).json();

const customerBody = (index: number) => ({
  name: `Cost Customer ${index}`,
  email: `cost.customer.${index}.${Date.now().toString(36)}@example.com`,
  taxId: 'DE123456789',
  address: { line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'DE' },
});
const draftBody = (customerId: string) => ({
  customerId,
  currency: 'EUR',
  lines: [
    { description: 'Consulting', quantity: 2, unitAmount: 12000, taxRateBps: 1900 },
    { description: 'Travel', quantity: 1, unitAmount: 4999, taxRateBps: 700 },
  ],
  dueDate: '2099-12-31',
  memo: 'Thank you for your business',
});

/** The customer's downloads of one issued invoice's PDF; returns the links followed. */
async function download(call: Call, invoiceId: string, downloads: number): Promise<number> {
  for (let index = 0; index < downloads; index += 1) {
    const pdf = await call('GET', `/v1/invoices/${invoiceId}/pdf`);
    const location = pdf.headers.get('location');
    if (pdf.status !== 303 || location === null) throw new Error(`GET …/pdf answered ${pdf.status}, not 303`);
    const document = await fetch(location);
    if (document.status !== 200) throw new Error(`the PDF link answered ${document.status}`);
    await document.arrayBuffer();
  }
  return downloads;
}

const perInvoice: Workload = {
  name: 'per-invoice',
  description:
    'each invoice on its own: a new customer and a draft for it, its issue ("send": true in the email\nrun, which waits for the email), its PDF downloaded (GET …/pdf and the link it redirects to), its full\npayment recorded',
  prepare: async () => [],
  async invoices(call, run) {
    let links = 0;
    for (let index = 0; index < run.invoiceCount; index += 1) {
      const customer = await json(call('POST', '/v1/customers', customerBody(index)));
      const draft = await json(call('POST', '/v1/invoices', draftBody(customer.id)));
      const issued = await json(call('POST', `/v1/invoices/${draft.id}/issue`, { send: run.send }));
      links += await download(call, draft.id, run.downloads);
      await call('POST', `/v1/invoices/${draft.id}/payments`, { amount: issued.total });
    }
    return links;
  },
};

const bulkSize = 100;

const billingRun: Workload = {
  name: 'billing-run',
  description:
    'a month-end billing run: customers the business already has (one per invoice, created before the\nrun is metered), a draft for each, issued by bulk requests of up to 100 (POST /v1/invoices/issue,\n"send": true in the email run), each PDF downloaded and each full payment recorded',
  async prepare(call, run) {
    const customers: string[] = [];
    for (let index = 0; index < run.invoiceCount; index += 1) {
      customers.push((await json(call('POST', '/v1/customers', customerBody(index)))).id);
    }
    return customers;
  },
  async invoices(call, run, customerIds) {
    const drafts: { id: string; total: number }[] = [];
    for (const customerId of customerIds) {
      drafts.push(await json(call('POST', '/v1/invoices', draftBody(customerId))));
    }
    for (let start = 0; start < drafts.length; start += bulkSize) {
      const invoiceIds = drafts.slice(start, start + bulkSize).map((draft) => draft.id);
      await call('POST', '/v1/invoices/issue', { invoiceIds, send: run.send });
    }
    let links = 0;
    for (const draft of drafts) {
      links += await download(call, draft.id, run.downloads);
      await call('POST', `/v1/invoices/${draft.id}/payments`, { amount: draft.total });
    }
    return links;
  },
};

export const workloads: Readonly<Record<Workload['name'], Workload>> = {
  'per-invoice': perInvoice,
  'billing-run': billingRun,
};
