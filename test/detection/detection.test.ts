// test: anomaly detection through a local stack of its own — normal traffic raises no alert; each required attack
// raises its rule for the right subject, in seconds, once per condition, with no personal data in the alert.
import { randomBytes, randomUUID } from 'node:crypto';
import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { generateKeyPair, SignJWT } from 'jose';
import type { AlertMessage } from '../../functions/domain/detection/evaluate';
import {
  call,
  clientsByRole,
  type DemoClient,
  endpoints,
  sampleInvoice,
  tableClient,
  tokenFor,
} from '../integration/support';

const { tenantA, tenantB, readOnly, admin } = clientsByRole();
const canary = `canary${randomBytes(5).toString('hex')}`;

/** The ops inbox: every alert the queue subscribed to the topic receives, with when it arrived. */
class Inbox {
  readonly alerts: (AlertMessage & { readonly arrivedAt: number })[] = [];
  private running = true;
  private readonly loop: Promise<void>;
  private readonly sqs = new SQSClient({
    endpoint: endpoints().sqs,
    region: endpoints().region,
    credentials: endpoints().credentials,
  });

  constructor() {
    this.loop = (async () => {
      while (this.running) {
        const { Messages: messages = [] } = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: endpoints().queues.alerts,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        const arrivedAt = Date.now();
        for (const message of messages)
          this.alerts.push({ ...(JSON.parse(message.Body ?? '{}') as AlertMessage), arrivedAt });
        if (messages.length > 0) {
          await this.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: endpoints().queues.alerts,
              Entries: messages.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle ?? '',
              })),
            }),
          );
        }
      }
    })();
  }

  async stop() {
    this.running = false;
    await this.loop;
    this.sqs.destroy();
  }

  /**
   * The first alert of `rule` for `subject` after `since`; waits for it at most `withinMs` (and 5 s of slack) from
   * now, when the traffic that should raise it has been sent: on a busy machine sending it can take longer than the
   * alert then takes to arrive, and a deadline counted from `since` would measure the sender.
   */
  async waitFor(rule: string, subject: string, since: number, withinMs = 10_000) {
    const deadline = Date.now() + withinMs + 5_000;
    for (;;) {
      const found = this.alerts.find(
        (alert) => alert.rule === rule && alert.subject === subject && alert.arrivedAt >= since,
      );
      if (found !== undefined) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no ${rule} alert for ${subject}; got ${JSON.stringify(this.alerts.map((a) => [a.rule, a.subject]))}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const latencies = new Map<string, number[]>();
function note(rule: string, milliseconds: number) {
  latencies.set(rule, [...(latencies.get(rule) ?? []), milliseconds]);
}

async function api(
  client: DemoClient,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return call(method, path, {
    token: await tokenFor(client),
    ...(body === undefined ? {} : { body }),
    headers,
  });
}

const seed = (rule: string, subject: string, history: { mean: number; deviation: number; peak: number }) =>
  call('POST', '/_local/detect/seed', { body: { rule, subject, ...history } });

async function issued(client: DemoClient, options: Record<string, unknown> = {}) {
  const draft = await api(client, 'POST', '/v1/invoices', sampleInvoice({ memo: `Memo ${canary}` }));
  const answer = await api(client, 'POST', `/v1/invoices/${draft.body.id}/issue`, options);
  expect(answer.status).toBe(200);
  return answer.body as { id: string };
}

/** Runs `count` requests, `inFlight` at a time, at most `perSecond` a second (a steady client, under the stage limit). */
/**
 * Baseline rules count per clock minute: a burst that straddles two minutes may breach in neither. Starts the
 * burst (waiting for the next minute if needed) with at least `seconds` left in the current minute.
 */
async function freshMinute(seconds = 20): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 60_000 - seconds * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 250));
  }
}

async function paced<T>(
  count: number,
  perSecond: number,
  inFlight: number,
  run: (index: number) => Promise<T>,
) {
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        const due = started + (index * 1000) / perSecond;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        await run(index);
      }
    }),
  );
}

describe('detection', () => {
  const inbox = new Inbox();
  afterAll(async () => {
    await inbox.stop();
    const lines = [...latencies].map(([rule, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `${rule} p50 ${sorted[Math.floor(sorted.length / 2)]} ms p95 ${sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]} ms (n=${values.length})`;
    });
    process.stdout.write(
      `[detection] latency from the request that crossed the threshold to the alert in the inbox:\n  ${lines.join('\n  ')}\n`,
    );
  });

  describe('normal traffic', () => {
    it('raises no alert for a few thousand mixed requests and a month-end billing run the tenant usually has', async () => {
      // Tenant B's history has month-end runs of about 300 invoices in a minute (learning is tested in the fast tier).
      for (const rule of ['create-spike', 'send-spike']) {
        await seed(rule, `tenant:${tenantB.tenantId}`, { mean: 2, deviation: 2, peak: 320 });
      }
      // Both clients are integrations that sync all day: about 300 list and PDF reads a minute is their usual.
      for (const client of [tenantA, tenantB]) {
        await seed('data-export-spike', `client:${client.clientId}`, { mean: 300, deviation: 40, peak: 380 });
      }
      const ids = { A: [] as string[], B: [] as string[] };
      for (const [key, client] of [
        ['A', tenantA],
        ['B', tenantB],
      ] as const) {
        for (let index = 0; index < 10; index += 1) ids[key].push((await issued(client)).id);
      }
      let sent = 0;
      await paced(2600, 40, 4, async (index) => {
        const [key, client] = index % 2 === 0 ? (['A', tenantA] as const) : (['B', tenantB] as const);
        const some = ids[key][index % ids[key].length] ?? '';
        // A mix of what an integration does all day, including its usual client errors: a stale link (404),
        // an overpayment refused (422), a retried create replayed from its idempotency key.
        const kind = Math.floor(index / 2) % 100;
        sent += 1;
        if (kind < 40) await api(client, 'GET', `/v1/invoices/${some}`);
        else if (kind < 55) await api(client, 'GET', '/v1/invoices?limit=10');
        else if (kind < 65) {
          const key2 = `replay-${index}`;
          const body = sampleInvoice({ memo: `Memo ${canary}` });
          await api(client, 'POST', '/v1/invoices', body, { 'idempotency-key': key2 });
          await api(client, 'POST', '/v1/invoices', body, { 'idempotency-key': key2 });
          sent += 1;
        } else if (kind === 65)
          await api(client, 'GET', `/v1/invoices/inv_${randomBytes(16).toString('hex')}`);
        else if (kind < 71) await api(client, 'POST', `/v1/invoices/${some}/payments`, { amount: 10 ** 12 });
        else if (kind < 78) await api(client, 'GET', `/v1/invoices/${some}/pdf`);
        else if (kind < 85) await api(client, 'GET', '/v1/customers?limit=5');
        else await api(client, 'GET', `/v1/invoices/${some}/payments`);
      });
      // Month end: tenant B creates and issues 300 invoices with send, as it does every month.
      await paced(300, 40, 4, async () => {
        const draft = await api(tenantB, 'POST', '/v1/invoices', sampleInvoice({ memo: `Run ${canary}` }));
        await api(tenantB, 'POST', `/v1/invoices/${draft.body.id}/issue`, { send: true });
      });
      sent += 600;
      await call('POST', '/_local/detect/flush');
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      process.stdout.write(
        `[detection] normal traffic: ${sent} requests, ${inbox.alerts.length} alerts (${((inbox.alerts.length / sent) * 10_000).toFixed(1)} per 10,000)\n`,
      );
      expect(inbox.alerts.map((alert) => `${alert.rule} ${alert.subject}`)).toEqual([]);
    }, 300_000);
  });

  describe('attacks', () => {
    it('raises token-brute-force for refused tokens from one address, once for a long attack', async () => {
      const address = '198.51.100.10';
      const started = Date.now();
      let crossed = 0;
      for (let index = 0; index < 120; index += 1) {
        const answer = await call('GET', '/v1/invoices', {
          headers: { authorization: `Bearer a.b.${index}`, 'x-forwarded-for': address },
        });
        expect(answer.status).toBe(401);
        if (index === 9) crossed = Date.now();
      }
      const alert = await inbox.waitFor('token-brute-force', `ip:${address}`, started);
      note('token-brute-force', alert.arrivedAt - crossed);
      await call('POST', '/_local/detect/flush');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(
        inbox.alerts.filter((a) => a.rule === 'token-brute-force' && a.subject === `ip:${address}`),
      ).toHaveLength(1);
    }, 60_000);

    it('raises token-forgery for tokens signed by a key that is not the issuer’s', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const { keys } = (await (await fetch(`${endpoints().apiBaseUrl}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      const started = Date.now();
      for (let index = 0; index < 3; index += 1) {
        const now = Math.floor(Date.now() / 1000);
        const forged = await new SignJWT({
          token_use: 'access',
          client_id: tenantA.clientId,
          scope: 'ledgerlock/invoices:read',
          jti: randomUUID(),
        })
          .setProtectedHeader({ alg: 'RS256', kid: keys[0]?.kid ?? 'x' })
          .setIssuer(endpoints().apiBaseUrl)
          .setIssuedAt(now)
          .setExpirationTime(now + 600)
          .sign(privateKey);
        expect((await call('GET', '/v1/invoices', { token: forged })).status).toBe(401);
      }
      const alert = await inbox.waitFor('token-forgery', 'platform', started);
      note('token-forgery', alert.arrivedAt - started);
    });

    it('raises id-enumeration for a client probing invoice ids that are not its own', async () => {
      const started = Date.now();
      for (let index = 0; index < 31; index += 1) {
        expect(
          (await api(tenantB, 'GET', `/v1/invoices/inv_${randomBytes(16).toString('hex')}`)).status,
        ).toBe(404);
      }
      const crossed = Date.now();
      const alert = await inbox.waitFor('id-enumeration', `client:${tenantB.clientId}`, started);
      note('id-enumeration', alert.arrivedAt - crossed);
      expect(alert.tenantId).toBe(tenantB.tenantId);
    });

    it('raises scope-probing for a read-only client trying to write', async () => {
      const started = Date.now();
      for (let index = 0; index < 5; index += 1) {
        expect((await api(readOnly, 'POST', '/v1/invoices', sampleInvoice())).status).toBe(403);
      }
      const crossed = Date.now();
      note(
        'scope-probing',
        (await inbox.waitFor('scope-probing', `client:${readOnly.clientId}`, started)).arrivedAt - crossed,
      );
    });

    it('raises card-number-attempt for card numbers sent again and again', async () => {
      const started = Date.now();
      for (let index = 0; index < 3; index += 1) {
        expect(
          (await api(tenantB, 'POST', '/v1/invoices', sampleInvoice({ memo: 'card 4111 1111 1111 1111' })))
            .status,
        ).toBe(422);
      }
      const crossed = Date.now();
      note(
        'card-number-attempt',
        (await inbox.waitFor('card-number-attempt', `tenant:${tenantB.tenantId}`, started)).arrivedAt -
          crossed,
      );
    });

    it('raises integrity-failure at once when a tampered record is read', async () => {
      const invoice = await issued(tenantA);
      const key = { pk: { S: `${tenantA.tenantId}#INVOICE#${invoice.id}` }, sk: { S: 'INVOICE' } };
      const { Item: item } = await tableClient().send(
        new GetItemCommand({ TableName: endpoints().tables.main, Key: key }),
      );
      if (item === undefined) throw new Error('invoice not stored');
      await tableClient().send(
        new PutItemCommand({ TableName: endpoints().tables.main, Item: { ...item, amountDue: { N: '1' } } }),
      );
      const started = Date.now();
      expect((await api(tenantA, 'GET', `/v1/invoices/${invoice.id}`)).status).toBe(500);
      const alert = await inbox.waitFor('integrity-failure', `tenant:${tenantA.tenantId}`, started);
      note('integrity-failure', alert.arrivedAt - started);
      expect(alert.severity).toBe('critical');
      await tableClient().send(new PutItemCommand({ TableName: endpoints().tables.main, Item: item }));
    });

    it('raises audit-chain-broken when the verification finds an altered event', async () => {
      const { Items: [event] = [] } = await tableClient().send(
        new QueryCommand({
          TableName: endpoints().tables.main,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
          ExpressionAttributeValues: {
            ':pk': { S: `${tenantA.tenantId}#AUDIT` },
            ':events': { S: 'EVENT#' },
          },
          Limit: 1,
        }),
      );
      if (event === undefined) throw new Error('no audit event');
      await tableClient().send(
        new PutItemCommand({
          TableName: endpoints().tables.main,
          Item: { ...event, action: { S: 'invoice.deleted' } },
        }),
      );
      const started = Date.now();
      expect((await api(admin, 'GET', '/v1/audit-events/verification')).body.valid).toBe(false);
      note(
        'audit-chain-broken',
        (await inbox.waitFor('audit-chain-broken', `tenant:${tenantA.tenantId}`, started)).arrivedAt -
          started,
      );
      await tableClient().send(new PutItemCommand({ TableName: endpoints().tables.main, Item: event }));
    });

    it('raises audit-chain-broken from the chain writer when the chain’s head was moved in the table', async () => {
      const writerOfB = tenantB;
      await api(writerOfB, 'POST', '/v1/invoices', sampleInvoice({ memo: `Chain ${canary}` }));
      const key = { pk: { S: `${tenantB.tenantId}#AUDIT` }, sk: { S: 'HEAD' } };
      let head: Record<string, any> | undefined;
      for (let attempt = 0; attempt < 100 && head === undefined; attempt += 1) {
        head = (
          await tableClient().send(
            new GetItemCommand({ TableName: endpoints().tables.main, Key: key, ConsistentRead: true }),
          )
        ).Item;
        if (head === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      if (head === undefined) throw new Error('the chain writer wrote no head');
      await tableClient().send(
        new PutItemCommand({
          TableName: endpoints().tables.main,
          Item: { ...head, hash: { S: 'f'.repeat(64) } },
        }),
      );
      const started = Date.now();
      // The next write's entry reaches the chain writer, which finds the head it left changed.
      await api(writerOfB, 'POST', '/v1/invoices', sampleInvoice({ memo: `Chain ${canary}` }));
      const alert = await inbox.waitFor('audit-chain-broken', `tenant:${tenantB.tenantId}`, started);
      note('audit-chain-broken (chain writer)', alert.arrivedAt - started);
      expect(alert.severity).toBe('critical');
      expect(JSON.stringify(alert)).not.toContain(canary);
    });

    it('raises create-spike when a tenant creates far more than its history (a stolen key spamming)', async () => {
      await seed('create-spike', `tenant:${tenantA.tenantId}`, { mean: 1, deviation: 1, peak: 5 });
      await freshMinute();
      const started = Date.now();
      await paced(90, 45, 6, async () => {
        await api(tenantA, 'POST', '/v1/invoices', sampleInvoice({ memo: `Spam ${canary}` }));
      });
      const alert = await inbox.waitFor('create-spike', `tenant:${tenantA.tenantId}`, started);
      note('create-spike', alert.arrivedAt - started);
      expect(alert.baseline).toBe(1);
    }, 60_000);

    it('raises send-spike and void-credit-spike for bursts of sends and voids', async () => {
      await seed('send-spike', `tenant:${tenantA.tenantId}`, { mean: 1, deviation: 1, peak: 5 });
      await seed('void-credit-spike', `tenant:${tenantA.tenantId}`, { mean: 0.1, deviation: 0.3, peak: 2 });
      await freshMinute();
      const started = Date.now();
      const invoices: string[] = [];
      await paced(65, 40, 4, async () => {
        invoices.push((await issued(tenantA, { send: true })).id);
      });
      await paced(22, 40, 4, async (index) => {
        await api(tenantA, 'POST', `/v1/invoices/${invoices[index]}/void`, { reason: `Void ${canary}` });
      });
      note(
        'send-spike',
        (await inbox.waitFor('send-spike', `tenant:${tenantA.tenantId}`, started)).arrivedAt - started,
      );
      note(
        'void-credit-spike',
        (await inbox.waitFor('void-credit-spike', `tenant:${tenantA.tenantId}`, started)).arrivedAt - started,
      );
    }, 90_000);

    it('raises data-export-spike for a client reading everything, page after page', async () => {
      await seed('data-export-spike', `client:${admin.clientId}`, { mean: 1, deviation: 1, peak: 10 });
      await freshMinute();
      const started = Date.now();
      // 250 reads in under 6 s: at least 125 in one minute, over the floor of 100 a minute whatever the clock.
      await paced(250, 45, 6, async () => {
        await api(admin, 'GET', '/v1/invoices?limit=100');
      });
      note(
        'data-export-spike',
        (await inbox.waitFor('data-export-spike', `client:${admin.clientId}`, started)).arrivedAt - started,
      );
    }, 60_000);

    it('raises payout-details-changed when invoices go out right after the bank details changed', async () => {
      const profile = await api(admin, 'GET', '/v1/seller-profile');
      const started = Date.now();
      const changed = await api(admin, 'PUT', '/v1/seller-profile', {
        ...profile.body,
        updatedAt: undefined,
        payout: { iban: 'GB82WEST12345698765432', bic: 'WESTGB2L', accountHolder: 'Acme Payments' },
      });
      expect(changed.status).toBe(200);
      await issued(tenantA, { send: true });
      const alert = await inbox.waitFor('payout-details-changed', `tenant:${tenantA.tenantId}`, started);
      note('payout-details-changed', alert.arrivedAt - started);
      expect(alert.evidence[0]).toMatch(/^audit:/);
    });

    it('puts no personal data in any alert: no canary, no name, address or account', async () => {
      expect(inbox.alerts.length).toBeGreaterThan(5);
      const text = JSON.stringify(inbox.alerts);
      // The card number as it was sent and without its spaces: a bare '4111' also turns up by chance
      // inside ids and epoch milliseconds, which once made this check fail in CI.
      const secrets = [
        canary,
        'Erika',
        'Mustermann',
        'Heidestraße',
        'erika@example.com',
        'GB82WEST',
        '4111 1111 1111 1111',
        '4111111111111111',
      ];
      expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
      for (const alert of inbox.alerts) {
        expect(alert.runbook).toBe(`docs/runbooks/${alert.rule}.md`);
        expect(alert.status).toBe('open');
      }
    });
  });
});
