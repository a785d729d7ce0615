import fc from 'fast-check';
import { type CreditLineInput, creditInvoice } from '../../functions/domain/credit-note';
import { BusinessRuleError, InvalidStateError } from '../../functions/domain/errors';
import {
  createDraftInvoice,
  type Invoice,
  issueInvoice,
  recordPayment,
  requestDelivery,
  updateDraft,
  voidedBeforeSendingReason,
  voidInvoice,
} from '../../functions/domain/invoice';

const now = new Date('2026-11-21T12:00:00Z');
const customer = {
  name: 'Erika Mustermann',
  email: 'erika@example.com',
  address: { line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'DE' },
};

const lineArbitrary = fc.record({
  description: fc.constant('Item'),
  quantity: fc.integer({ min: 1, max: 50 }),
  unitAmount: fc.integer({ min: 1, max: 1_000_000 }),
  taxRateBps: fc.constantFrom(0, 500, 700, 1900, 2000, 2150),
});

function issued(lines: { description: string; quantity: number; unitAmount: number; taxRateBps: number }[]) {
  const draft = createDraftInvoice(
    { customer, customerId: null, currency: 'EUR', lines, dueDate: '2026-12-31' },
    { id: 'inv_1', tenantId: 'ten_abcdefgh', now },
  );
  return issueInvoice(draft, { number: 'INV-2026-000001', customer, now });
}

function consistent(invoice: Invoice): void {
  expect(invoice.total).toBe(invoice.subtotal + invoice.tax);
  expect(invoice.amountDue).toBe(invoice.total - invoice.amountPaid - invoice.amountCredited);
  for (const amount of [invoice.amountDue, invoice.amountPaid, invoice.amountCredited]) {
    expect(amount).toBeGreaterThanOrEqual(0);
  }
  expect(invoice.status === 'paid').toBe(invoice.amountDue === 0);
}

describe('invoice lifecycle', () => {
  describe('credit notes and payments', () => {
    it('keeps amounts consistent and never negative, whatever credits and payments are attempted', () => {
      fc.assert(
        fc.property(
          fc.array(lineArbitrary, { minLength: 1, maxLength: 6 }),
          fc.array(
            fc.oneof(
              fc.record({
                kind: fc.constant('pay' as const),
                share: fc.double({ min: 0, max: 1.2, noNaN: true }),
              }),
              fc.record({
                kind: fc.constant('credit-line' as const),
                line: fc.nat(7),
                quantity: fc.integer({ min: 1, max: 60 }),
              }),
              fc.record({
                kind: fc.constant('credit-amount' as const),
                amount: fc.integer({ min: 1, max: 2_000_000 }),
                taxRateBps: fc.constantFrom(0, 1900),
              }),
            ),
            { maxLength: 12 },
          ),
          (lines, actions) => {
            let invoice = issued(lines);
            consistent(invoice);
            for (const [index, action] of actions.entries()) {
              try {
                if (action.kind === 'pay') {
                  const amount = Math.max(1, Math.floor(invoice.amountDue * action.share));
                  invoice = recordPayment(
                    invoice,
                    {
                      id: `pay_${index}`,
                      invoiceId: invoice.id,
                      amount,
                      paidOn: '2026-11-21',
                      method: 'other',
                      createdAt: now.toISOString(),
                    },
                    now,
                  );
                } else {
                  const credit: CreditLineInput =
                    action.kind === 'credit-line'
                      ? { invoiceLine: action.line, quantity: action.quantity }
                      : { description: 'Goodwill', amount: action.amount, taxRateBps: action.taxRateBps };
                  invoice = creditInvoice(
                    invoice,
                    { id: `cn_${index}`, number: `CN-2026-${index}`, reason: 'r', lines: [credit] },
                    now,
                  ).invoice;
                }
              } catch (error) {
                // Refusals are fine (overpayment, over-crediting, settled invoice); anything else is a bug.
                expect(error instanceof BusinessRuleError || error instanceof InvalidStateError).toBe(true);
              }
              consistent(invoice);
              for (const line of invoice.lines)
                expect(line.creditedQuantity).toBeLessThanOrEqual(line.quantity);
            }
          },
        ),
      );
    });

    it('credits a line in any number of pieces to exactly its amount and tax', () => {
      fc.assert(
        fc.property(
          lineArbitrary,
          fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 10 }),
          (line, pieces) => {
            let invoice = issued([line]);
            let amount = 0;
            let tax = 0;
            let remaining = line.quantity;
            for (const [index, piece] of pieces.entries()) {
              const quantity = Math.min(piece, remaining);
              if (quantity === 0) break;
              const result = creditInvoice(
                invoice,
                {
                  id: `cn_${index}`,
                  number: `CN-${index}`,
                  reason: 'r',
                  lines: [{ invoiceLine: 0, quantity }],
                },
                now,
              );
              invoice = result.invoice;
              amount += result.creditNote.subtotal;
              tax += result.creditNote.tax;
              remaining -= quantity;
            }
            if (remaining > 0) {
              const result = creditInvoice(
                invoice,
                {
                  id: 'cn_rest',
                  number: 'CN-rest',
                  reason: 'r',
                  lines: [{ invoiceLine: 0, quantity: remaining }],
                },
                now,
              );
              invoice = result.invoice;
              amount += result.creditNote.subtotal;
              tax += result.creditNote.tax;
            }
            expect(amount).toBe(invoice.lines[0]?.amount);
            expect(tax).toBe(invoice.lines[0]?.tax);
            expect(invoice).toMatchObject({ amountDue: 0, status: 'paid', amountCredited: invoice.total });
          },
        ),
      );
    });
  });

  describe('state rules', () => {
    it('refuses to change, re-issue or pay anything that is not in the right state', () => {
      const invoice = issued([{ description: 'x', quantity: 1, unitAmount: 100, taxRateBps: 0 }]);
      expect(() => updateDraft(invoice, { memo: 'changed' }, now)).toThrow(InvalidStateError);
      expect(() => issueInvoice(invoice, { number: 'INV-2', customer, now })).toThrow(InvalidStateError);
      const voided = voidInvoice(invoice, 'wrong customer', now);
      expect(voided.status).toBe('void');
      expect(voided.number).toBe(invoice.number);
      expect(() =>
        recordPayment(
          voided,
          { id: 'p', invoiceId: 'inv_1', amount: 1, paidOn: '2026-11-21', method: 'cash', createdAt: '' },
          now,
        ),
      ).toThrow(InvalidStateError);
    });
  });

  describe('void', () => {
    const invoice = issued([{ description: 'x', quantity: 2, unitAmount: 500, taxRateBps: 1900 }]);

    it('leaves nothing due on a void invoice, while its total stays as issued', () => {
      const voided = voidInvoice(invoice, 'wrong customer', now);
      expect(voided).toMatchObject({ status: 'void', amountDue: 0, total: invoice.total, amountPaid: 0 });
    });

    it('cancels an email that is still queued, keeping its request token so no deliverer sends it', () => {
      const queued = requestDelivery(invoice, { token: 'dlv_1', now, resend: false }).invoice;
      const voided = voidInvoice(queued, 'wrong customer', now);
      expect(voided.delivery).toEqual({
        recentSends: [now.toISOString()],
        status: 'failed',
        requestToken: 'dlv_1',
        requestedAt: now.toISOString(),
        attempts: 0,
        reason: voidedBeforeSendingReason,
      });
    });

    it('leaves an email that is already being sent as it is: it cannot be called back', () => {
      const sending: Invoice = {
        ...invoice,
        delivery: { status: 'sending', requestToken: 'dlv_2', attempts: 1 },
      };
      expect(voidInvoice(sending, 'wrong customer', now).delivery).toEqual(sending.delivery);
    });
  });
});
