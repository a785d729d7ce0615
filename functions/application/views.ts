// application: how entities appear in replies — never a tenant id, a version or a sealed blob.
import type { AuditEvent } from '../domain/audit-chain';
import type { CreditNote } from '../domain/credit-note';
import type { Payment } from '../domain/invoice';

export function toPaymentView(payment: Payment) {
  return { ...payment };
}

export function toCreditNoteView(note: CreditNote) {
  const { tenantId: _tenantId, ...view } = note;
  return view;
}

export function toAuditEventView(event: AuditEvent) {
  const { tenantId: _tenantId, ...view } = event;
  return view;
}
