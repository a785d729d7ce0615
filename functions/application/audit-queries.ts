// application: the audit trail for admins — the events, and a verification of the hash chain that raises a
// security signal when it finds the chain altered.
import { verifyChain } from '../domain/audit-chain';
import type { AuditTrail } from '../ports/audit-trail';
import type { SecuritySignals } from '../ports/security-signals';
import { defaultPageSize } from './invoice-queries';
import type { Query } from './request';
import { toAuditEventView } from './views';

export function makeAuditQueries(dependencies: {
  readonly auditTrail: AuditTrail;
  readonly signals: SecuritySignals;
}) {
  const listAuditEvents: Query<'listAuditEvents'> = async ({ caller, query }) => {
    const page = await dependencies.auditTrail.list(
      caller.tenantId,
      query.limit ?? defaultPageSize,
      query.cursor,
    );
    return { body: { ...page, items: page.items.map(toAuditEventView) } };
  };

  const verifyAuditTrail: Query<'verifyAuditTrail'> = async ({ caller }) => {
    const { events, head } = await dependencies.auditTrail.readAll(caller.tenantId);
    const result = verifyChain(caller.tenantId, events, head);
    if (!result.valid) {
      dependencies.signals.record({
        kind: 'audit-chain-broken',
        tenantId: caller.tenantId,
        clientId: caller.clientId,
        requestId: caller.requestId,
        reason: result.reason,
        details: { firstBrokenSequence: result.firstBrokenSequence },
      });
      return {
        body: {
          valid: false,
          checked: result.checked,
          firstBrokenSequence: result.firstBrokenSequence,
          reason: result.reason,
        },
      };
    }
    return { body: { valid: true, checked: result.checked } };
  };

  return { listAuditEvents, verifyAuditTrail };
}
