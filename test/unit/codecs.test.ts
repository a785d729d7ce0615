// test (fast): the sealed-item codecs and the sealed page cursors over an in-memory sealer — every entity round
// trips, and any edit, move or swap of a stored item fails closed.

import {
  creditNoteCodec,
  customerCodec,
  invoiceCodec,
  paymentCodec,
  sellerProfileCodec,
} from '../../functions/adapters/dynamodb-codecs';
import { PageCursors } from '../../functions/adapters/dynamodb-cursor';
import { MemorySealer } from '../../functions/adapters/memory/memory-services';
import { creditInvoice } from '../../functions/domain/credit-note';
import { createCustomer } from '../../functions/domain/customer';
import { createDraftInvoice, issueInvoice } from '../../functions/domain/invoice';
import { paymentKey } from '../../functions/platform/key-layout';
import { InvalidCursorError } from '../../functions/ports/page';
import { IntegrityError } from '../../functions/ports/sealer';
import { sampleInvoice, seller } from './support/memory-world';

const tenantId = 'ten_codecTenant01';
const otherTenant = 'ten_codecTenant02';
const now = new Date('2026-12-01T10:00:00Z');
const details = sampleInvoice().customer;

function invoice(id = `inv_${'a'.repeat(32)}`) {
  const draft = createDraftInvoice(
    { ...sampleInvoice(), customer: details, customerId: null, memo: 'Thanks' },
    { id, tenantId, now },
  );
  return issueInvoice(draft, { number: 'INV-2026-000001', customer: details, now });
}

const payment = {
  id: `pay_${'b'.repeat(32)}`,
  invoiceId: `inv_${'a'.repeat(32)}`,
  amount: 100,
  paidOn: '2026-12-01',
  method: 'bank_transfer',
  reference: 'Erika’s transfer',
  createdAt: now.toISOString(),
} as const;

describe('sealed-item codecs', () => {
  const sealer = new MemorySealer();

  it('round-trips every entity through its item', async () => {
    const issued = invoice();
    expect(
      await invoiceCodec.fromItem(sealer, tenantId, await invoiceCodec.toItem(sealer, issued, undefined)),
    ).toEqual(issued);
    const customer = createCustomer(
      { details, paymentReference: 'MANDATE-1' },
      { id: `cus_${'c'.repeat(32)}`, tenantId, now },
    );
    expect(
      await customerCodec.fromItem(sealer, tenantId, await customerCodec.toItem(sealer, customer, 'digest')),
    ).toEqual(customer);
    expect(
      await paymentCodec.fromItem(sealer, tenantId, await paymentCodec.toItem(sealer, payment, tenantId)),
    ).toEqual(payment);
    const { creditNote } = creditInvoice(
      issued,
      {
        id: `cn_${'d'.repeat(32)}`,
        number: 'CN-2026-000001',
        reason: 'r',
        lines: [{ invoiceLine: 0, quantity: 1 }],
      },
      now,
    );
    expect(
      await creditNoteCodec.fromItem(
        sealer,
        tenantId,
        await creditNoteCodec.toItem(sealer, creditNote, undefined),
      ),
    ).toEqual(creditNote);
    const record = { profile: seller(), version: 3, updatedAt: now.toISOString() };
    expect(
      await sellerProfileCodec.fromItem(
        sealer,
        tenantId,
        await sellerProfileCodec.toItem(sealer, record, tenantId),
      ),
    ).toEqual(record);
  });

  it('keeps personal data out of the plaintext attributes', async () => {
    const item = await invoiceCodec.toItem(sealer, invoice(), undefined);
    const { sealed: _sealed, ...plaintext } = item;
    expect(JSON.stringify(plaintext)).not.toMatch(/Erika|Heidestraße|erika@example.com|Consulting|Thanks/);
  });

  it('fails closed when a plaintext attribute was edited in the table', async () => {
    const item = await invoiceCodec.toItem(sealer, invoice(), undefined);
    await expect(invoiceCodec.fromItem(sealer, tenantId, { ...item, amountDue: 1 })).rejects.toThrow(
      IntegrityError,
    );
    await expect(invoiceCodec.fromItem(sealer, tenantId, { ...item, status: 'paid' })).rejects.toThrow(
      IntegrityError,
    );
  });

  it('fails closed when a sealed part is moved to another item', async () => {
    const first = await invoiceCodec.toItem(sealer, invoice(`inv_${'1'.repeat(32)}`), undefined);
    const second = await invoiceCodec.toItem(sealer, invoice(`inv_${'2'.repeat(32)}`), undefined);
    await expect(
      invoiceCodec.fromItem(sealer, tenantId, { ...second, sealed: first.sealed }),
    ).rejects.toThrow(IntegrityError);
  });

  it('fails closed when an item is read as another tenant’s', async () => {
    const item = await invoiceCodec.toItem(sealer, invoice(), undefined);
    await expect(invoiceCodec.fromItem(sealer, otherTenant, item)).rejects.toThrow(/not where it belongs/);
  });

  it('fails closed on a payment copied into another invoice’s partition (it used to be listed there)', async () => {
    const item = await paymentCodec.toItem(sealer, payment, tenantId);
    const moved = {
      ...item,
      ...paymentKey(tenantId, `inv_${'e'.repeat(32)}`, payment.createdAt, payment.id),
    };
    await expect(paymentCodec.fromItem(sealer, tenantId, moved)).rejects.toThrow(/not where it belongs/);
  });

  it('fails closed on an item of an unexpected shape', async () => {
    await expect(invoiceCodec.fromItem(sealer, tenantId, { pk: 'x', sk: 'INVOICE' })).rejects.toThrow(
      IntegrityError,
    );
  });
});

describe('page cursors', () => {
  const sealer = new MemorySealer();
  const cursors = new PageCursors(sealer);
  const rules = { pk: { prefix: `${tenantId}#INVOICE#` }, sk: { equals: 'INVOICE' } } as const;
  const position = { pk: `${tenantId}#INVOICE#inv_1`, sk: 'INVOICE' };

  it('round-trips a position without showing the key layout', async () => {
    const cursor = (await cursors.encode(tenantId, 'invoices', position)) ?? '';
    expect(cursor).not.toContain('INVOICE');
    expect(await cursors.decode(tenantId, 'invoices', cursor, rules)).toEqual(position);
  });

  it.each([
    ['another tenant', otherTenant, 'invoices'],
    ['another list', tenantId, 'customers'],
  ])('refuses a cursor used by %s', async (_who, tenant, list) => {
    const cursor = (await cursors.encode(tenantId, 'invoices', position)) ?? '';
    await expect(cursors.decode(tenant, list, cursor, rules)).rejects.toThrow(InvalidCursorError);
  });

  it('refuses an edited cursor, junk, and a readable cursor of the old format', async () => {
    const cursor = (await cursors.encode(tenantId, 'invoices', position)) ?? '';
    const bytes = Buffer.from(cursor, 'base64url');
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 1;
    const oldFormat = Buffer.from(JSON.stringify({ v: 1, k: { ...position, sk: '' } })).toString('base64url');
    for (const forged of [bytes.toString('base64url'), 'junk', oldFormat]) {
      await expect(cursors.decode(tenantId, 'invoices', forged, rules)).rejects.toThrow(InvalidCursorError);
    }
  });

  it('refuses a genuine cursor whose position lies outside the list’s partitions', async () => {
    const cursor =
      (await cursors.encode(tenantId, 'invoices', { pk: `${tenantId}#CUSTOMER#x`, sk: 'INVOICE' })) ?? '';
    await expect(cursors.decode(tenantId, 'invoices', cursor, rules)).rejects.toThrow(/does not belong/);
  });
});
