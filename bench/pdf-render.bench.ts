// bench: invoice PDF rendering (PdfKitInvoiceRenderer, 5 and 50 lines) against a one-line pdfkit document.
//
// The baseline is measured in the same run and interleaved with the invoices (one of each per round),
// so machine speed, JIT state and GC pressure affect every case alike and the ratios compare across hosts.
import { parseArgs } from 'node:util';
import PDFDocument from 'pdfkit';
import { PdfKitInvoiceRenderer } from '../functions/adapters/pdfkit-invoice-renderer';
import type { InvoiceDocument } from '../functions/domain/invoice-document';
import { computeTotals } from '../functions/domain/money';

const usage = `Usage: npx tsx bench/pdf-render.bench.ts [--iterations N] [--warmup N]

Renders N invoices of 5 lines and N of 50 lines with PdfKitInvoiceRenderer, and N one-line pdfkit
documents as the baseline, one of each per round. Prints the median and p95 milliseconds per document
and each case's ratio to the baseline.

  --iterations N   measured rounds (default 300)
  --warmup N       unmeasured rounds first, for the JIT and pdfkit's font caches (default 30)
  --help           print this text`;

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    console.error(`--${name} must be a positive integer, got ${JSON.stringify(value)}\n\n${usage}`);
    process.exit(2);
  }
  return parsed;
}

function invoiceWith(lineCount: number): InvoiceDocument {
  const inputs = Array.from({ length: lineCount }, (_, index) => ({
    description:
      index % 5 === 0
        ? `Implementation work, sprint ${index + 1}: API design, review and deployment to the staging environment`
        : `Support hours, week ${index + 1}`,
    quantity: (index % 4) + 1,
    unitAmount: 9_500 + index * 125,
    taxRateBps: [1900, 700, 0][index % 3] ?? 0,
  }));
  const totals = computeTotals(inputs);
  return {
    status: 'issued',
    seller: {
      name: 'Acme Widgets GmbH',
      address: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
      taxId: 'DE123456789',
      email: 'billing@acme.example',
      paymentInstructions: 'IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX, reference INV-2026-000123',
    },
    buyer: {
      name: 'Jane Q. Buyer',
      email: 'jane.buyer@example.com',
      address: { line1: '10 Downing Street', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' },
    },
    number: 'INV-2026-000123',
    issueDate: '2026-09-03',
    dueDate: '2026-10-03',
    currency: 'EUR',
    language: 'de-DE',
    lines: inputs.map((input, index) => ({ ...input, amount: 0, tax: 0, ...totals.lines[index] })),
    subtotal: totals.subtotal,
    tax: totals.tax,
    total: totals.total,
    amountPaid: 0,
    amountCredited: 0,
    amountDue: totals.total,
    memo: 'Thank you for your business.',
  };
}

function renderTrivialDocument(): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({ size: 'A4' });
    const chunks: Uint8Array[] = [];
    pdf.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    pdf.on('error', reject);
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.text('Hello, Ledgerlock.');
    pdf.end();
  });
}

interface Case {
  readonly name: string;
  readonly run: () => Promise<Uint8Array>;
  readonly samples: number[];
  bytes: number;
}

function percentile(sortedSamples: readonly number[], fraction: number): number {
  const index = Math.min(
    sortedSamples.length - 1,
    Math.max(0, Math.ceil(fraction * sortedSamples.length) - 1),
  );
  return sortedSamples[index] ?? Number.NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      iterations: { type: 'string' },
      warmup: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const iterations = positiveInteger('iterations', values.iterations, 300);
  const warmup = positiveInteger('warmup', values.warmup, 30);

  const renderer = new PdfKitInvoiceRenderer({ now: () => new Date('2026-09-03T10:00:00Z') });
  const small = invoiceWith(5);
  const large = invoiceWith(50);
  const cases: Case[] = [
    { name: 'baseline: 1-line pdfkit document', run: renderTrivialDocument, samples: [], bytes: 0 },
    { name: 'invoice, 5 lines', run: () => renderer.render(small), samples: [], bytes: 0 },
    { name: 'invoice, 50 lines', run: () => renderer.render(large), samples: [], bytes: 0 },
  ];

  for (let round = 0; round < warmup + iterations; round++) {
    for (const benchCase of cases) {
      const started = performance.now();
      const bytes = await benchCase.run();
      const elapsed = performance.now() - started;
      if (round >= warmup) benchCase.samples.push(elapsed);
      benchCase.bytes = bytes.length;
    }
  }

  const rows = cases.map((benchCase) => {
    const sorted = [...benchCase.samples].sort((left, right) => left - right);
    return {
      name: benchCase.name,
      median: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      bytes: benchCase.bytes,
    };
  });
  const baseline = rows[0];
  if (baseline === undefined) return;

  console.log(`pdf-render: ${iterations} rounds after ${warmup} warm-up, Node ${process.version}`);
  console.log(
    `${'case'.padEnd(34)}${'median ms'.padStart(11)}${'p95 ms'.padStart(10)}${'× base median'.padStart(15)}${'× base p95'.padStart(12)}${'bytes'.padStart(9)}`,
  );
  for (const row of rows) {
    console.log(
      row.name.padEnd(34) +
        row.median.toFixed(3).padStart(11) +
        row.p95.toFixed(3).padStart(10) +
        (row.median / baseline.median).toFixed(2).padStart(15) +
        (row.p95 / baseline.p95).toFixed(2).padStart(12) +
        String(row.bytes).padStart(9),
    );
  }
}

await main();
