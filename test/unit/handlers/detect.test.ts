// test (fast): detect through makeHandler with an in-memory detector store and alert sink, on a clock the test
// moves — each rule fires for its subject, normal traffic does not, a long attack is one alert with follow-ups.
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { DynamoDBRecord } from 'aws-lambda';
import { MemoryAlertSink, MemoryDetectorStore } from '../../../functions/adapters/memory/memory-detector';
import { makeHandler } from '../../../functions/detect/handler';
import { acceptPeak } from '../../../functions/domain/detection/baseline';
import { localLambdaContext } from '../../../local/lambda-context';
import { silentObservability, tenantA, tenantB } from '../support/memory-world';

const clientA = 'cli_memoryClientA';

function setup(options: { hourlyCap?: number } = {}) {
  let nowMs = Date.parse('2026-12-01T10:00:00Z');
  const store = new MemoryDetectorStore();
  const alerts = new MemoryAlertSink();
  let ids = 0;
  const handler = makeHandler({
    store,
    alerts,
    now: () => new Date(nowMs),
    newAlertId: () => `alert-${++ids}`,
    ...(options.hourlyCap === undefined ? {} : { hourlyCap: options.hourlyCap }),
    observability: silentObservability('detect'),
  });
  const context = () =>
    localLambdaContext({
      functionName: 'detect',
      requestId: randomUUID(),
      region: 'eu-central-1',
      timeoutMs: 30_000,
    });
  let sequence = 0;
  return {
    store,
    alerts,
    now: () => nowMs,
    advance: (milliseconds: number) => {
      nowMs += milliseconds;
    },
    /** What a CloudWatch Logs subscription delivers: base64 of gzipped JSON. */
    logs: (logGroup: string, lines: readonly Record<string, unknown>[]) =>
      handler(
        {
          awslogs: {
            data: gzipSync(
              JSON.stringify({
                messageType: 'DATA_MESSAGE',
                owner: '000000000000',
                logGroup,
                logStream: 'stream',
                subscriptionFilters: ['detect'],
                logEvents: lines.map((line) => ({
                  id: randomUUID(),
                  timestamp: nowMs,
                  message: JSON.stringify(line),
                })),
              }),
            ).toString('base64'),
          },
        },
        context(),
      ),
    /** Audit events as the table stream carries them. */
    audit: (
      events: readonly {
        tenantId: string;
        action: string;
        details?: Record<string, string | number | boolean>;
      }[],
    ) => handler({ Records: events.map((event) => auditRecord(event, ++sequence, nowMs)) }, context()),
    tick: () => handler({ tick: true }, context()),
  };
}

function auditRecord(
  event: { tenantId: string; action: string; details?: Record<string, string | number | boolean> },
  sequence: number,
  at: number,
): DynamoDBRecord {
  const details = Object.fromEntries(
    Object.entries(event.details ?? {}).map(([name, value]) => [
      name,
      typeof value === 'number'
        ? { N: String(value) }
        : typeof value === 'boolean'
          ? { BOOL: value }
          : { S: value },
    ]),
  );
  return {
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: String(sequence),
      NewImage: {
        entity: { S: 'audit-event' },
        tenantId: { S: event.tenantId },
        sequence: { N: String(sequence) },
        action: { S: event.action },
        at: { S: new Date(at).toISOString() },
        actor: {
          M: { clientId: { S: clientA }, sourceIp: { S: '203.0.113.7' }, requestId: { S: randomUUID() } },
        },
        details: { M: details },
      },
    },
  } as DynamoDBRecord;
}

const accessLine = (status: number, overrides: Record<string, string> = {}) => ({
  requestId: randomUUID(),
  requestTime: String(Date.parse('2026-12-01T10:00:00Z')),
  sourceIp: '198.51.100.9',
  httpMethod: 'GET',
  resourcePath: '/v1/invoices/{invoiceId}',
  status: String(status),
  tenantId: tenantA,
  principalId: clientA,
  ...overrides,
});

describe('detect', () => {
  describe('rules that fire on security signals', () => {
    it('raises one critical alert for a record that failed its integrity check, naming tenant and evidence', async () => {
      const world = setup();
      await world.logs('/aws/lambda/api-read', [
        {
          level: 'WARN',
          securitySignal: 'integrity-failure',
          tenantId: tenantA,
          requestId: 'req-1',
          route: 'GET /v1/invoices/{invoiceId}',
        },
      ]);
      expect(world.alerts.published).toEqual([
        expect.objectContaining({
          rule: 'integrity-failure',
          severity: 'critical',
          status: 'open',
          subject: `tenant:${tenantA}`,
          tenantId: tenantA,
          evidence: ['req-1'],
          runbook: 'docs/runbooks/integrity-failure.md',
        }),
      ]);
    });

    it('raises audit-chain-broken at once', async () => {
      const world = setup();
      await world.logs('/aws/lambda/api-read', [
        { securitySignal: 'audit-chain-broken', tenantId: tenantB, reason: 'altered' },
      ]);
      expect(world.alerts.published.map((alert) => [alert.rule, alert.subject])).toEqual([
        ['audit-chain-broken', `tenant:${tenantB}`],
      ]);
    });

    it('raises card-number-attempt on the third refused card number of a tenant within ten minutes', async () => {
      const world = setup();
      const signal = { securitySignal: 'card-number-rejected', tenantId: tenantA, clientId: clientA };
      await world.logs('/aws/lambda/api-write', [signal, signal]);
      expect(world.alerts.published).toEqual([]);
      await world.logs('/aws/lambda/api-write', [signal]);
      expect(world.alerts.published.map((alert) => alert.rule)).toEqual(['card-number-attempt']);
    });

    it('raises token-forgery for tokens with bad signatures, not for expired ones', async () => {
      const world = setup();
      await world.logs(
        '/aws/lambda/authorizer',
        Array(5).fill({ securitySignal: 'token-rejected', reason: 'expired' }),
      );
      expect(world.alerts.published).toEqual([]);
      await world.logs(
        '/aws/lambda/authorizer',
        Array(3).fill({ securitySignal: 'token-rejected', reason: 'bad-signature' }),
      );
      expect(world.alerts.published).toEqual([
        expect.objectContaining({ rule: 'token-forgery', subject: 'platform' }),
      ]);
    });
  });

  describe('rules that fire on request outcomes', () => {
    it('raises token-brute-force for ten refused tokens from one address', async () => {
      const world = setup();
      await world.logs(
        'api-access',
        Array.from({ length: 9 }, () => accessLine(401, { tenantId: '', principalId: '' })),
      );
      expect(world.alerts.published).toEqual([]);
      await world.logs('api-access', [accessLine(401, { tenantId: '', principalId: '' })]);
      expect(world.alerts.published).toEqual([
        expect.objectContaining({
          rule: 'token-brute-force',
          subject: 'ip:198.51.100.9',
          observed: 10,
          baseline: 10,
        }),
      ]);
      expect(world.alerts.published[0]?.evidence).toHaveLength(10);
    });

    it('raises scope-probing for repeated 403s of one client, and id-enumeration for a flood of 404s', async () => {
      const world = setup();
      await world.logs(
        'api-access',
        Array.from({ length: 5 }, () => accessLine(403, { resourcePath: '/v1/audit-events' })),
      );
      await world.logs(
        'api-access',
        Array.from({ length: 31 }, () => accessLine(404)),
      );
      expect(world.alerts.published.map((alert) => [alert.rule, alert.subject])).toEqual([
        ['scope-probing', `client:${clientA}`],
        ['id-enumeration', `client:${clientA}`],
      ]);
    });

    it('raises data-export-spike for a client reading far more lists and PDFs than the cold limit', async () => {
      const world = setup();
      await world.logs(
        'api-access',
        Array.from({ length: 601 }, () => accessLine(200, { resourcePath: '/v1/invoices/{invoiceId}/pdf' })),
      );
      expect(world.alerts.published.map((alert) => alert.rule)).toEqual(['data-export-spike']);
    });

    it('ignores lines that are neither access logs nor signals, and control messages', async () => {
      const world = setup();
      await world.logs('/aws/lambda/api-read', [{ level: 'INFO', message: 'invoice sent' }]);
      expect(world.alerts.published).toEqual([]);
    });
  });

  describe('business rules against the tenant’s baseline', () => {
    /** Thirty minutes of a tenant's usual traffic: a couple of invoices a minute, one billing run of 150. */
    async function history(world: ReturnType<typeof setup>, tenantId: string, runSize = 0) {
      for (let minute = 0; minute < 40; minute += 1) {
        const count = minute === 20 ? runSize : 2;
        await world.audit(Array.from({ length: count }, () => ({ tenantId, action: 'invoice.created' })));
        world.advance(60_000);
      }
    }

    it('raises create-spike when a tenant creates far more than it ever did (a stolen key used to spam)', async () => {
      const world = setup();
      await history(world, tenantA);
      await world.audit(Array.from({ length: 90 }, () => ({ tenantId: tenantA, action: 'invoice.created' })));
      expect(world.alerts.published).toEqual([
        expect.objectContaining({ rule: 'create-spike', subject: `tenant:${tenantA}`, observed: 90 }),
      ]);
      expect(world.alerts.published[0]?.summary).toMatch(
        /^90 invoices created for tenant:\S+ \(usually 1.95 a minute\)$/,
      );
    });

    it('raises nothing for a billing run like the ones the tenant already has in its history', async () => {
      const world = setup();
      await history(world, tenantA, 150);
      await world.audit(
        Array.from({ length: 200 }, () => ({ tenantId: tenantA, action: 'invoice.created' })),
      );
      expect(world.alerts.published).toEqual([]);
    });

    it('keeps a sustained attack open for its whole length: breaching minutes are never learned', async () => {
      const world = setup();
      await history(world, tenantA);
      // An hour of 90 a minute against a usual 2: the limit must not creep up to the attack.
      for (let minute = 0; minute < 60; minute += 1) {
        await world.audit(
          Array.from({ length: 90 }, () => ({ tenantId: tenantA, action: 'invoice.created' })),
        );
        world.advance(60_000);
        await world.tick();
      }
      const statuses = world.alerts.published.map((alert) => alert.status);
      expect(statuses[0]).toBe('open');
      expect(statuses).not.toContain('resolved');
      expect(statuses.filter((status) => status === 'ongoing').length).toBeGreaterThanOrEqual(3);
    });

    it('stays quiet at a level a person accepted as usual, and alerts above its factor of it', async () => {
      const world = setup();
      await history(world, tenantA);
      const stored = await world.store.load('create-spike', `tenant:${tenantA}`);
      if (stored === undefined) throw new Error('no baseline learned');
      await world.store.save(
        'create-spike',
        `tenant:${tenantA}`,
        { ...stored.state, counter: acceptPeak(stored.state.counter, 90, 30) },
        stored.version,
      );
      await world.audit(Array.from({ length: 90 }, () => ({ tenantId: tenantA, action: 'invoice.created' })));
      world.advance(60_000);
      expect(world.alerts.published).toEqual([]);
      await world.audit(
        Array.from({ length: 200 }, () => ({ tenantId: tenantA, action: 'invoice.created' })),
      );
      expect(world.alerts.published).toEqual([
        expect.objectContaining({ rule: 'create-spike', observed: 200 }),
      ]);
    });

    it('raises nothing for a new tenant’s first billing run below the conservative cold limit', async () => {
      const world = setup();
      await world.audit(
        Array.from({ length: 300 }, () => ({ tenantId: tenantB, action: 'invoice.created' })),
      );
      expect(world.alerts.published).toEqual([]);
    });

    it('raises send-spike and void-credit-spike for their own events', async () => {
      const world = setup();
      await world.audit(
        Array.from({ length: 601 }, () => ({ tenantId: tenantA, action: 'invoice.send-requested' })),
      );
      await world.audit(
        Array.from({ length: 101 }, (_, index) => ({
          tenantId: tenantA,
          action: index % 2 ? 'invoice.voided' : 'invoice.credited',
        })),
      );
      expect(world.alerts.published.map((alert) => alert.rule)).toEqual(['send-spike', 'void-credit-spike']);
    });

    it('raises payout-details-changed when invoices go out within a day of a payout change', async () => {
      const world = setup();
      await world.audit([
        {
          tenantId: tenantA,
          action: 'seller-profile.updated',
          details: { payoutChanged: true, fields: 'payout' },
        },
      ]);
      expect(world.alerts.published).toEqual([]);
      world.advance(2 * 3600_000);
      await world.audit([
        { tenantId: tenantA, action: 'invoice.issued', details: { send: true, total: 1000 } },
      ]);
      const [alert] = world.alerts.published;
      expect(alert).toMatchObject({
        rule: 'payout-details-changed',
        severity: 'high',
        subject: `tenant:${tenantA}`,
        observed: 1,
      });
      expect(alert?.evidence[0]).toMatch(/^audit:/);
    });

    it('stays quiet about invoices sent more than a day after a payout change, and about other profile edits', async () => {
      const world = setup();
      await world.audit([
        {
          tenantId: tenantA,
          action: 'seller-profile.updated',
          details: { payoutChanged: false, fields: 'name' },
        },
      ]);
      await world.audit([{ tenantId: tenantA, action: 'invoice.issued', details: { total: 100 } }]);
      await world.audit([
        { tenantId: tenantB, action: 'seller-profile.updated', details: { payoutChanged: true } },
      ]);
      world.advance(25 * 3600_000);
      await world.audit([{ tenantId: tenantB, action: 'invoice.send-requested' }]);
      expect(world.alerts.published).toEqual([]);
    });

    it('raises invoice-total-outlier for a total far outside the tenant’s usual range', async () => {
      const world = setup();
      const totals = Array.from({ length: 30 }, (_, index) => 10_000 + index * 100);
      await world.audit(
        totals.map((total) => ({ tenantId: tenantA, action: 'invoice.issued', details: { total } })),
      );
      expect(world.alerts.published).toEqual([]);
      await world.audit([{ tenantId: tenantA, action: 'invoice.issued', details: { total: 50_000_000 } }]);
      expect(world.alerts.published).toEqual([
        expect.objectContaining({ rule: 'invoice-total-outlier', observed: 50_000_000 }),
      ]);
    });
  });

  describe('alert lifecycle', () => {
    it('turns a long attack into one alert, a follow-up every fifteen minutes, and one resolution', async () => {
      const world = setup();
      for (let minute = 0; minute < 40; minute += 1) {
        await world.logs(
          'api-access',
          Array.from({ length: 12 }, () => accessLine(401)),
        );
        world.advance(60_000);
        await world.tick();
      }
      world.advance(6 * 60_000);
      await world.tick();
      expect(world.alerts.published.map((alert) => alert.status)).toEqual([
        'open',
        'ongoing',
        'ongoing',
        'resolved',
      ]);
      expect(new Set(world.alerts.published.map((alert) => alert.alertId)).size).toBe(1);
    });

    it('counts a retried batch once', async () => {
      const world = setup();
      const lines = Array.from({ length: 5 }, () => accessLine(401));
      await world.logs('api-access', lines);
      await world.logs('api-access', lines);
      expect(world.alerts.published).toEqual([]);
    });

    it('publishes an alert whose first publication failed when the batch is retried (at least once)', async () => {
      const world = setup();
      world.alerts.faults.failNext('publish', 1, () => new Error('SNS unavailable'));
      const signal = [{ securitySignal: 'integrity-failure', tenantId: tenantA, requestId: 'req-9' }];
      await expect(world.logs('/aws/lambda/api-read', signal)).rejects.toThrow('SNS unavailable');
      await world.logs('/aws/lambda/api-read', signal);
      expect(world.alerts.published.map((alert) => alert.rule)).toEqual(['integrity-failure']);
    });

    it('holds back non-critical alerts past the hourly cap and says so once', async () => {
      const world = setup({ hourlyCap: 2 });
      for (const address of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']) {
        await world.logs(
          'api-access',
          Array.from({ length: 10 }, () => accessLine(401, { sourceIp: address })),
        );
      }
      await world.logs('/aws/lambda/api-read', [{ securitySignal: 'integrity-failure', tenantId: tenantA }]);
      expect(world.alerts.published.map((alert) => alert.rule)).toEqual([
        'token-brute-force',
        'token-brute-force',
        'alert-cap-reached',
        'integrity-failure',
      ]);
    });

    it('never puts personal data in an alert: ids, counts and rule names only', async () => {
      const world = setup();
      await world.audit(
        Array.from({ length: 3 }, () => ({
          tenantId: tenantA,
          action: 'seller-profile.updated',
          details: { payoutChanged: true },
        })),
      );
      await world.audit([{ tenantId: tenantA, action: 'invoice.issued', details: { total: 1 } }]);
      await world.logs(
        'api-access',
        Array.from({ length: 10 }, () => accessLine(401)),
      );
      const text = JSON.stringify(world.alerts.published);
      for (const field of ['"email"', '"name"', '"iban"', 'Bearer']) expect(text).not.toContain(field);
      for (const alert of world.alerts.published) {
        expect(Object.keys(alert).sort()).toEqual(
          [
            'alertId',
            'baseline',
            'detectedAt',
            'evidence',
            'observed',
            'rule',
            'runbook',
            'severity',
            'status',
            'subject',
            'summary',
            'window',
            'tenantId',
          ]
            .filter((key) => key !== 'tenantId' || 'tenantId' in alert)
            .sort(),
        );
      }
    });
  });
});
