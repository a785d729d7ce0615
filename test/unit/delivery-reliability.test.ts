// test (fast): delivery under failure, through makeHandler with in-memory adapters and "the next N calls" faults on a
// simulated clock — at most one email per send request whether the mail service refuses or loses its answer, an
// ambiguous outcome shown as such, a killed deliverer's request settled by the sweeper and sendable again, outages
// ridden out by retries with backoff, and the send caps.
import { defaultRetryPolicy, retryDelaySeconds, sweepDecision } from '../../functions/domain/delivery';
import type { Delivery } from '../../functions/domain/invoice';
import {
  MailOutcomeUnknownError,
  MailRejectedError,
  MailServiceUnavailableError,
} from '../../functions/ports/mailer';
import { memoryWorld, sampleInvoice, streamRecordOf, tenantA } from './support/memory-world';

type World = ReturnType<typeof memoryWorld>;

async function issued(world: World, send = true) {
  const api = world.as(world.client(tenantA));
  const draft = await api.post('/v1/invoices', sampleInvoice());
  const answer = await api.post(`/v1/invoices/${draft.body.id}/issue`, { send });
  expect(answer.status).toBe(200);
  return { api, id: answer.body.id as string };
}

/** The metrics deliver adds from now on, by name (what its alarms read), as [name, unit, value]. */
function metricsAdded(world: World, name: string): unknown[][] {
  const added: unknown[][] = [];
  const metrics = world.deliverMetrics;
  const addMetric = metrics.addMetric.bind(metrics);
  metrics.addMetric = (...metric: Parameters<typeof addMetric>) => {
    if (metric[0] === name) added.push(metric);
    return addMetric(...metric);
  };
  return added;
}

const deliveryOf = (world: World, id: string) => world.table.getInvoice(tenantA, id)?.delivery as Delivery;

/** What the schedule and the stream do together for `seconds` of simulated time, one second at a time. */
async function runFor(world: World, seconds: number, until?: () => boolean): Promise<number> {
  for (let second = 1; second <= seconds; second += 1) {
    world.clock.advance(1_000);
    await world.sweep();
    await world.deliver();
    if (until?.()) return second;
  }
  return seconds;
}

/** Lets the in-memory deliverer run until `condition` holds (it only awaits resolved promises). */
async function settle(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 100 && !condition(); turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(condition()).toBe(true);
}

/** Gates still shut and deliverers still stuck behind them: each test's are let go after it. */
const shutGates: Array<() => void> = [];
const stuckDeliverers: Promise<unknown>[] = [];

/** A promise the test resolves when it likes: a deliverer "killed" mid-step never gets past it. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  shutGates.push(open);
  return { opened, open };
}

/** Starts a deliverer the test kills (or stalls) mid-step; it is not awaited, but never left running. */
function startDeliverer(world: World): void {
  stuckDeliverers.push(world.deliver());
}

// A deliverer left behind its gate would keep its invocation's timer running and abort after the test run.
afterEach(async () => {
  for (const open of shutGates.splice(0)) open();
  await Promise.allSettled(stuckDeliverers.splice(0));
});

describe('delivery reliability', () => {
  describe('at most one email per send request', () => {
    it('sends once after the mail service refused the next three sends (nothing accepted)', async () => {
      const world = memoryWorld();
      const { id } = await issued(world);
      world.mailer.faults.failNext('send', 3, () => new MailServiceUnavailableError('ServiceUnavailable'));
      await world.deliver();
      await runFor(world, 120, () => deliveryOf(world, id).status === 'sent');
      expect(world.mailer.sent).toHaveLength(1);
      expect(deliveryOf(world, id)).toMatchObject({ status: 'sent', attempts: 4 });
      expect(world.mailer.faults.count('send')).toBe(4);
    });

    it('never sends again when the mail service accepted the message but its answer was lost', async () => {
      const world = memoryWorld();
      const { api, id } = await issued(world);
      // The message is recorded as sent, then the connection drops: the answer never comes back.
      world.mailer.faults.failNext(
        'send-accepted',
        1,
        () => new MailOutcomeUnknownError('SES connection lost after the request was written'),
      );
      const records = world.queuedRecords();
      await world.deliver(records);
      // Stream redeliveries and an hour of sweeps change nothing.
      await world.deliver(records);
      await runFor(world, 3600);
      expect(world.mailer.sent).toHaveLength(1);
      const view = (await api.get(`/v1/invoices/${id}`)).body;
      expect(view.delivery).toMatchObject({
        status: 'failed',
        outcome: 'unknown',
        reason: expect.stringMatching(/may have been delivered/),
      });
      expect(world.table.reminders.size).toBe(0);
      // Like a sent email, one that may have been delivered goes again only when asked for explicitly.
      const plain = await api.post(`/v1/invoices/${id}/send`, {});
      expect(plain.status).toBe(409);
      expect(plain.body.detail).toMatch(/resend/);
      expect((await api.post(`/v1/invoices/${id}/send`, { resend: true })).status).toBe(202);
    });

    it('treats an error it cannot classify during the send as an unknown outcome, not a retry', async () => {
      const world = memoryWorld();
      const { id } = await issued(world);
      world.mailer.faults.failNext('send', 1, () => new TypeError('socket went away'));
      const unknowns = metricsAdded(world, 'DeliveryOutcomeUnknown');
      await world.deliver();
      await runFor(world, 600);
      expect(world.mailer.faults.count('send')).toBe(1);
      expect(deliveryOf(world, id)).toMatchObject({ status: 'failed', outcome: 'unknown' });
      // …and counted for the deliver-outcome-unknown alarm, once.
      expect(unknowns).toEqual([['DeliveryOutcomeUnknown', 'Count', 1]]);
    });

    it('fails a refused message for good, with nothing resent', async () => {
      const world = memoryWorld();
      const { id } = await issued(world);
      world.mailer.faults.failNext('send', 1, () => new MailRejectedError('MessageRejected'));
      await world.deliver();
      await runFor(world, 600);
      expect(world.mailer.faults.count('send')).toBe(1);
      expect(deliveryOf(world, id)).toMatchObject({ status: 'failed' });
      expect(deliveryOf(world, id).outcome).toBeUndefined();
    });
  });

  describe('a void', () => {
    it('cancels an email waiting for its retry after refusals: settled as not sent, never mailed', async () => {
      const world = memoryWorld();
      const { api, id } = await issued(world);
      // Refused once: any later attempt would go out.
      world.mailer.faults.failNext('send', 1, () => new MailServiceUnavailableError('ServiceUnavailable'));
      await world.deliver();
      expect(deliveryOf(world, id)).toMatchObject({ status: 'sending', retryable: true, attempts: 1 });
      expect((await api.post(`/v1/invoices/${id}/void`, { reason: 'Issued by mistake' })).status).toBe(200);
      expect((await api.get(`/v1/invoices/${id}`)).body.delivery).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/voided before its email went out/),
      });
      await runFor(world, 120);
      expect(world.mailer.sent).toHaveLength(0);
      expect(deliveryOf(world, id).status).toBe('failed');
    });
    it('settles an email whose attempt was refused after the invoice was voided during it', async () => {
      const world = memoryWorld();
      const { api, id } = await issued(world);
      // The void commits while the email is with the mail service (past the deliverer's last check), which then
      // refuses it: nothing went out, and no retry may follow.
      world.mailer.faults.beforeNext('send', 1, async () => {
        expect((await api.post(`/v1/invoices/${id}/void`, { reason: 'Issued by mistake' })).status).toBe(200);
        throw new MailServiceUnavailableError('ServiceUnavailable');
      });
      await world.deliver();
      expect((await api.get(`/v1/invoices/${id}`)).body.delivery).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/voided before its email went out/),
      });
      await runFor(world, 120);
      expect(world.mailer.sent).toHaveLength(0);
    });
  });

  describe('a deliverer killed after its claim', () => {
    it('is re-queued by the sweeper when it died before handing the email over, and sent once', async () => {
      const world = memoryWorld();
      const { id } = await issued(world);
      const killed = gate();
      // The first deliverer claims, then stops for good while rendering (a killed process writes nothing more).
      world.renderer.faults.beforeNext('render', 1, () => killed.opened);
      startDeliverer(world);
      await Promise.resolve();
      expect(deliveryOf(world, id)).toMatchObject({ status: 'sending', phase: 'preparing' });
      const settledAfter = await runFor(world, 300, () => deliveryOf(world, id).status === 'sent');
      expect(world.mailer.sent).toHaveLength(1);
      // The lease (30 s) plus one sweep: well inside the bound.
      expect(settledAfter).toBeLessThanOrEqual(35);
      // The dead deliverer waking up finds its claim taken over: the fence stops a second email.
      killed.open();
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(world.mailer.sent).toHaveLength(1);
    });

    it('is settled as failed with an unknown outcome when it died while handing the email over', async () => {
      const world = memoryWorld();
      const { api, id } = await issued(world);
      const killed = gate();
      world.mailer.faults.beforeNext('send', 1, () => killed.opened);
      startDeliverer(world);
      await settle(() => deliveryOf(world, id).phase === 'mailing');
      const unknowns = metricsAdded(world, 'DeliveryOutcomeUnknown');
      const settledAfter = await runFor(world, 300, () => deliveryOf(world, id).status === 'failed');
      expect(settledAfter).toBeLessThanOrEqual(35);
      // The sweeper settled it: counted for the deliver-outcome-unknown alarm as the deliverer would have.
      expect(unknowns).toEqual([['DeliveryOutcomeUnknown', 'Count', 1]]);
      expect((await api.get(`/v1/invoices/${id}`)).body.delivery).toMatchObject({
        status: 'failed',
        outcome: 'unknown',
        reason: expect.stringMatching(/may have been delivered/),
      });
      // …and a person can send it again deliberately.
      const resend = await api.post(`/v1/invoices/${id}/send`, { resend: true });
      expect(resend.status).toBe(202);
      await world.deliver();
      expect(deliveryOf(world, id).status).toBe('sent');
    });

    it('takes a new POST /send once the claim has expired, instead of answering 202 and changing nothing', async () => {
      const world = memoryWorld();
      const { api, id } = await issued(world);
      const killed = gate();
      world.renderer.faults.beforeNext('render', 1, () => killed.opened);
      startDeliverer(world);
      await Promise.resolve();
      const firstToken = deliveryOf(world, id).requestToken;
      // While the claim is live, a send is the same request…
      expect((await api.post(`/v1/invoices/${id}/send`, {})).status).toBe(202);
      expect(deliveryOf(world, id).requestToken).toBe(firstToken);
      world.clock.advance(31_000);
      // …once it has expired, a new one.
      expect((await api.post(`/v1/invoices/${id}/send`, {})).status).toBe(202);
      expect(deliveryOf(world, id)).toMatchObject({ status: 'queued' });
      expect(deliveryOf(world, id).requestToken).not.toBe(firstToken);
      await world.deliver();
      killed.open();
      await new Promise((resolve) => setImmediate(resolve));
      expect(world.mailer.sent).toHaveLength(1);
      expect(deliveryOf(world, id).status).toBe('sent');
    });

    it('refuses a plain POST /send when the expired claim may have mailed already, and takes a resend', async () => {
      const world = memoryWorld();
      const { api, id } = await issued(world);
      const stalled = gate();
      world.mailer.faults.beforeNext('send', 1, () => stalled.opened);
      startDeliverer(world);
      await settle(() => deliveryOf(world, id).phase === 'mailing');
      world.clock.advance(31_000);
      const plain = await api.post(`/v1/invoices/${id}/send`, {});
      expect(plain.status).toBe(409);
      expect(plain.body.detail).toMatch(/may have been delivered/);
      expect((await api.post(`/v1/invoices/${id}/send`, { resend: true })).status).toBe(202);
    });
  });

  describe('outages', () => {
    it('rides out a 30-second outage with the default retries, with no resend', async () => {
      const world = memoryWorld();
      const { id } = await issued(world);
      const outageEnds = world.clock.now().getTime() + 30_000;
      // Every send is refused until the simulated clock passes the end of the outage.
      world.mailer.faults.beforeNext('send', 1_000, () => {
        if (world.clock.now().getTime() < outageEnds)
          throw new MailServiceUnavailableError('ServiceUnavailable');
      });
      await world.deliver();
      const sentAfter = await runFor(world, 600, () => deliveryOf(world, id).status === 'sent');
      expect(deliveryOf(world, id).status).toBe('sent');
      expect(sentAfter).toBeGreaterThanOrEqual(30);
      expect(world.mailer.sent).toHaveLength(1);
    });

    it('keeps retrying for as long as the window allows: the default window rides out ≥ 30 s', () => {
      let waited = 0;
      let attempt = 1;
      while (waited + retryDelaySeconds(defaultRetryPolicy, attempt) <= defaultRetryPolicy.windowSeconds) {
        waited += retryDelaySeconds(defaultRetryPolicy, attempt);
        attempt += 1;
      }
      expect(waited).toBeGreaterThanOrEqual(30 * 60 - defaultRetryPolicy.maxDelaySeconds);
      expect([1, 2, 3, 4].map((n) => retryDelaySeconds(defaultRetryPolicy, n))).toEqual([5, 10, 20, 40]);
    });

    it('gives up after a configurable window, saying nothing was sent', async () => {
      const world = memoryWorld({ retry: { firstDelaySeconds: 1, maxDelaySeconds: 2, windowSeconds: 60 } });
      const { id } = await issued(world);
      world.mailer.faults.failNext(
        'send',
        1_000,
        () => new MailServiceUnavailableError('ServiceUnavailable'),
      );
      await world.deliver();
      await runFor(world, 400, () => deliveryOf(world, id).status === 'failed');
      expect(deliveryOf(world, id)).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/nothing was sent/),
      });
      expect(world.mailer.sent).toHaveLength(0);
    });
  });

  describe('the sweeper', () => {
    it('takes a queued request no deliverer took (a lost stream record) to the stream again', async () => {
      const world = memoryWorld();
      const { id } = await issued(world);
      // No deliver call: the stream record never arrived. Sweeps leave it alone for the grace period…
      for (let second = 0; second < 119; second += 1) {
        world.clock.advance(1_000);
        await world.sweep();
      }
      expect(deliveryOf(world, id).wakeups).toBeUndefined();
      // …then take it to the stream again.
      world.clock.advance(2_000);
      await world.sweep();
      expect(deliveryOf(world, id)).toMatchObject({ status: 'queued', wakeups: 1 });
      await world.deliver();
      expect(world.mailer.sent).toHaveLength(1);
    });

    it('handles every other due reminder when one cannot be handled, and fails the run so it alarms', async () => {
      const world = memoryWorld();
      const first = await issued(world);
      const second = await issued(world);
      world.clock.advance(121_000);
      world.table.faults.failNext(
        'tracker.read',
        1,
        () => new Error('ProvisionedThroughputExceededException'),
      );
      await expect(world.sweep()).rejects.toThrow(/1 of 2 due reminders/);
      const woken = [first.id, second.id].filter((id) => deliveryOf(world, id).wakeups === 1);
      expect(woken).toHaveLength(1);
      world.clock.advance(1_000);
      await world.sweep();
      expect([first.id, second.id].every((id) => deliveryOf(world, id).wakeups !== undefined)).toBe(true);
    });

    it('forgets reminders of requests already settled or replaced', () => {
      const settled: Delivery = { status: 'sent', requestToken: 'dlv_a' };
      expect(sweepDecision(settled, 'dlv_a', 100, defaultRetryPolicy, 120)).toEqual({ kind: 'forget' });
      const replaced: Delivery = { status: 'queued', requestToken: 'dlv_b' };
      expect(sweepDecision(replaced, 'dlv_a', 100, defaultRetryPolicy, 120)).toEqual({ kind: 'forget' });
      expect(sweepDecision(undefined, 'dlv_a', 100, defaultRetryPolicy, 120)).toEqual({ kind: 'forget' });
    });

    it('looks again when a claim is still live or a retry not yet due', () => {
      const live: Delivery = {
        status: 'sending',
        requestToken: 'dlv_a',
        attempts: 1,
        leaseUntil: 150,
        retryable: false,
        phase: 'mailing',
      };
      expect(sweepDecision(live, 'dlv_a', 100, defaultRetryPolicy, 120)).toEqual({
        kind: 'remind',
        atSeconds: 151,
      });
      const waiting: Delivery = { status: 'sending', requestToken: 'dlv_a', retryable: true, retryAt: 130 };
      expect(sweepDecision(waiting, 'dlv_a', 100, defaultRetryPolicy, 120)).toEqual({
        kind: 'remind',
        atSeconds: 130,
      });
    });

    it('answers the stream with no failure for a record it leaves to the sweeper', async () => {
      const world = memoryWorld();
      const { id } = await issued(world);
      world.mailer.faults.failNext('send', 1, () => new MailServiceUnavailableError('ServiceUnavailable'));
      const token = deliveryOf(world, id).requestToken ?? '';
      expect(await world.deliver([streamRecordOf(tenantA, id, token)])).toEqual({ batchItemFailures: [] });
      // A duplicate of the record while the retry waits is no second attempt.
      expect(await world.deliver([streamRecordOf(tenantA, id, token)])).toEqual({ batchItemFailures: [] });
      expect(world.mailer.faults.count('send')).toBe(1);
    });
  });
});

describe('send caps', () => {
  it('refuses a fourth email of one invoice within 24 hours with 429, Retry-After and a problem type', async () => {
    const world = memoryWorld();
    const { api, id } = await issued(world);
    await world.deliver();
    for (let resend = 0; resend < 2; resend += 1) {
      world.clock.advance(60_000);
      expect((await api.post(`/v1/invoices/${id}/send`, { resend: true })).status).toBe(202);
      await world.deliver();
    }
    world.clock.advance(60_000);
    const refused = await api.post(`/v1/invoices/${id}/send`, { resend: true });
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.body).toMatchObject({
      type: 'https://docs.ledgerlock.dev/problems/send-limit-exceeded',
      title: 'Send limit reached',
      status: 429,
      detail: expect.stringMatching(/already sent 3 times in the last 24 hours/),
    });
    // The first send was 3 minutes ago: it leaves the window in 24 h less 3 min.
    expect(Number(refused.headers['retry-after'])).toBe(24 * 3600 - 180 + 1);
    expect(world.mailer.sent).toHaveLength(3);
    expect(world.signals.recorded).toContainEqual(
      expect.objectContaining({ kind: 'send-limited', reason: 'invoice', tenantId: tenantA }),
    );
    world.clock.advance((24 * 3600 - 180 + 1) * 1000);
    expect((await api.post(`/v1/invoices/${id}/send`, { resend: true })).status).toBe(202);
  });

  it('counts issue-with-send, send and resend against the tenant’s hourly cap, atomically under concurrency', async () => {
    const world = memoryWorld({
      sendLimits: { perInvoice: 3, perInvoiceWindowSeconds: 86_400, perTenantPerHour: 5 },
    });
    const api = world.as(world.client(tenantA));
    const drafts = [];
    for (let index = 0; index < 8; index += 1)
      drafts.push((await api.post('/v1/invoices', sampleInvoice())).body.id);
    // All at once: the plans interleave, the commits race for the counter.
    const answers = await Promise.all(
      drafts.map((id: string) => api.post(`/v1/invoices/${id}/issue`, { send: true })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const refused = answers.find((answer) => answer.status === 429);
    expect(refused?.body.detail).toMatch(/already requested 5 emails this hour/);
    // 10:00 + a bit: the hour ends at 11:00.
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused?.headers['retry-after'])).toBeLessThanOrEqual(3600);
    // Refused issues changed nothing: those invoices are still drafts, with no number taken.
    const drafted = drafts.filter((id: string) => world.table.getInvoice(tenantA, id)?.status === 'draft');
    expect(drafted).toHaveLength(3);
    expect(world.signals.kinds().filter((kind) => kind === 'send-limited')).toHaveLength(3);
    // A new hour, a new count.
    world.clock.advance(3600_000);
    expect((await api.post(`/v1/invoices/${drafted[0]}/issue`, { send: true })).status).toBe(200);
  });

  it('does not count a send that joins the request already on its way', async () => {
    const world = memoryWorld({
      sendLimits: { perInvoice: 1, perInvoiceWindowSeconds: 86_400, perTenantPerHour: 1 },
    });
    const { api, id } = await issued(world);
    expect((await api.post(`/v1/invoices/${id}/send`, {})).status).toBe(202);
    expect((await api.post(`/v1/invoices/${id}/send`, {})).status).toBe(202);
  });
});
