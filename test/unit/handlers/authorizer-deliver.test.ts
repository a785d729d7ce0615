// test (fast): the authorizer and deliver through makeHandler with in-memory adapters — tokens become tenants
// and policies; queued invoices become one email each, whatever the mail service and the stream do.
import { MailRejectedError, MailServiceUnavailableError } from '../../../functions/ports/mailer';
import { memoryWorld, sampleInvoice, streamRecordOf, tenantA } from '../support/memory-world';

describe('authorizer', () => {
  const methodArn = 'arn:aws:execute-api:eu-central-1:000000000000:memory/v1/POST/v1/invoices';

  it('turns a valid token into the client’s tenant, its scopes, and a policy for every route they allow', async () => {
    const world = memoryWorld();
    const client = world.client(tenantA);
    world.tokens.accept('good', {
      clientId: client.clientId,
      scopes: ['ledgerlock/invoices:read', 'ledgerlock/invoices:write'],
    });
    const answer = await world.authorize('good', methodArn);
    expect(answer.principalId).toBe(client.clientId);
    expect(answer.context).toEqual({
      tenantId: tenantA,
      clientId: client.clientId,
      scopes: 'invoices:read invoices:write',
    });
    const resources = answer.policyDocument.Statement.flatMap((statement) =>
      'Resource' in statement ? [statement.Resource].flat() : [],
    );
    expect(resources).toContain('arn:aws:execute-api:eu-central-1:000000000000:memory/v1/POST/v1/invoices');
    expect(resources).toContain('arn:aws:execute-api:eu-central-1:000000000000:memory/v1/GET/v1/invoices/*');
    expect(resources.some((resource) => String(resource).endsWith('/v1/audit-events'))).toBe(false);
  });

  it('ignores scopes of other resource servers', async () => {
    const world = memoryWorld();
    const client = world.client(tenantA);
    world.tokens.accept('foreign', {
      clientId: client.clientId,
      scopes: ['other/admin', 'ledgerlock/invoices:read'],
    });
    expect((await world.authorize('foreign')).context?.scopes).toBe('invoices:read');
  });

  it.each([
    ['expired', 'expired'],
    ['forged', 'bad-signature'],
    ['id-token', 'not-an-access-token'],
  ] as const)(
    'refuses a token that is %s with Unauthorized and a signal naming why',
    async (token, reason) => {
      const world = memoryWorld();
      world.tokens.reject(token, reason);
      await expect(world.authorize(token)).rejects.toThrow(/^Unauthorized$/);
      expect(world.signals.recorded).toEqual([{ kind: 'token-rejected', reason }]);
    },
  );

  it('refuses a missing or malformed bearer token', async () => {
    const world = memoryWorld();
    await expect(world.authorize('has spaces in it')).rejects.toThrow(/^Unauthorized$/);
  });

  it('refuses a token of an unknown or disabled client', async () => {
    const world = memoryWorld();
    const client = world.client(tenantA);
    world.table.putClient({ clientId: client.clientId, tenantId: tenantA, status: 'disabled' });
    world.tokens.accept('disabled', { clientId: client.clientId, scopes: ['ledgerlock/invoices:read'] });
    world.tokens.accept('unknown', { clientId: 'cli_nobody', scopes: ['ledgerlock/invoices:read'] });
    await expect(world.authorize('disabled')).rejects.toThrow(/^Unauthorized$/);
    await expect(world.authorize('unknown')).rejects.toThrow(/^Unauthorized$/);
    expect(world.signals.recorded).toEqual([
      { kind: 'client-rejected', clientId: client.clientId, reason: 'disabled', tenantId: tenantA },
      { kind: 'client-rejected', clientId: 'cli_nobody', reason: 'unknown' },
    ]);
  });

  it('fails as a failure, not a 401, when the issuer’s keys cannot be fetched', async () => {
    const world = memoryWorld();
    world.tokens.faults.failNext('verify', 1, () => new Error('JWKS endpoint unreachable'));
    await expect(world.authorize('anything')).rejects.toThrow('JWKS endpoint unreachable');
    expect(world.signals.recorded).toEqual([]);
  });

  it('denies everything to a token with no scope of ours', async () => {
    const world = memoryWorld();
    const client = world.client(tenantA);
    world.tokens.accept('none', { clientId: client.clientId, scopes: [] });
    const answer = await world.authorize('none', methodArn);
    expect(answer.policyDocument.Statement).toEqual([
      { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: methodArn },
    ]);
  });
});

describe('deliver', () => {
  async function queued(world = memoryWorld()) {
    const api = world.as(world.client(tenantA));
    const draft = await api.post('/v1/invoices', sampleInvoice());
    const issued = await api.post(`/v1/invoices/${draft.body.id}/issue`, { send: true });
    return { world, api, invoice: issued.body as { id: string; number: string } };
  }

  it('renders, stores and emails a queued invoice once, and records it as sent', async () => {
    const { world, invoice } = await queued();
    expect(await world.deliver()).toEqual({ batchItemFailures: [] });
    expect(world.mailer.sent).toHaveLength(1);
    expect(world.mailer.sent[0]).toMatchObject({
      to: 'erika@example.com',
      from: 'invoices@ledgerlock.test',
      subject: expect.stringContaining(invoice.number),
      attachments: [
        expect.objectContaining({ filename: `${invoice.number}.pdf`, contentType: 'application/pdf' }),
      ],
    });
    expect([...world.documents.objects.keys()]).toEqual([
      expect.stringMatching(new RegExp(`^${tenantA}/invoices/${invoice.id}/dlv_[0-9a-f]{32}\\.pdf$`)),
    ]);
    expect(world.table.getInvoice(tenantA, invoice.id)?.delivery).toMatchObject({
      status: 'sent',
      messageId: 'memory-1',
    });
  });

  it('sends one email when the same record arrives twice', async () => {
    const { world } = await queued();
    const records = world.queuedRecords();
    await world.deliver(records);
    await world.deliver(records);
    expect(world.mailer.sent).toHaveLength(1);
  });

  it('defers while the mail service refuses, without a stream retry, and the sweeper retries it until sent', async () => {
    const { world, invoice } = await queued();
    world.mailer.faults.failNext('send', 2, () => new MailServiceUnavailableError('throttled'));
    expect(await world.deliver()).toEqual({ batchItemFailures: [] });
    const view = (await world.as(world.client(tenantA)).get(`/v1/invoices/${invoice.id}`)).body;
    expect(view.delivery).toMatchObject({ status: 'queued', nextAttemptAt: expect.any(String) });
    for (let round = 0; round < 2; round += 1) {
      world.clock.advance(60_000);
      await world.sweep();
      expect(await world.deliver()).toEqual({ batchItemFailures: [] });
    }
    expect(world.mailer.sent).toHaveLength(1);
    expect(world.table.getInvoice(tenantA, invoice.id)?.delivery).toMatchObject({
      status: 'sent',
      attempts: 3,
    });
    expect(world.table.reminders.size).toBe(0);
  });

  it('gives up once the retry window has passed, saying nothing was sent', async () => {
    const { world, invoice } = await queued();
    world.mailer.faults.failNext('send', 1000, () => new MailServiceUnavailableError('down'));
    await world.deliver();
    for (let round = 0; round < 40; round += 1) {
      world.clock.advance(120_000);
      await world.sweep();
      await world.deliver();
    }
    expect(world.table.getInvoice(tenantA, invoice.id)?.delivery).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(
        /could not take the message in \d+ attempt\(s\) over 30 minutes; nothing was sent/,
      ),
    });
    expect(world.mailer.sent).toHaveLength(0);
  });

  it('marks a refused message failed with a reason a person can act on', async () => {
    const { world, invoice } = await queued();
    world.mailer.faults.failNext('send', 1, () => new MailRejectedError('MessageRejected'));
    expect(await world.deliver()).toEqual({ batchItemFailures: [] });
    expect(world.table.getInvoice(tenantA, invoice.id)?.delivery.reason).toMatch(
      /check the customer's email/,
    );
  });

  it('leaves a request with a live claim to its holder, asking the stream for no retry', async () => {
    const { world, invoice } = await queued();
    const token = world.table.getInvoice(tenantA, invoice.id)?.delivery.requestToken ?? '';
    world.table.updateInvoice(tenantA, invoice.id, (current) => ({
      ...current,
      delivery: {
        ...current.delivery,
        status: 'sending',
        phase: 'preparing',
        retryable: false,
        leaseUntil: Math.floor(world.clock.now().getTime() / 1000) + 60,
      },
    }));
    const answer = await world.deliver([streamRecordOf(tenantA, invoice.id, token)]);
    expect(answer.batchItemFailures).toHaveLength(0);
    expect(world.mailer.sent).toHaveLength(0);
  });

  it('never sends again when a claim expired mid-send: it may have gone out, so a person decides', async () => {
    const { world, invoice } = await queued();
    const token = world.table.getInvoice(tenantA, invoice.id)?.delivery.requestToken ?? '';
    world.table.updateInvoice(tenantA, invoice.id, (current) => ({
      ...current,
      delivery: { ...current.delivery, status: 'sending', phase: 'mailing', leaseUntil: 1, attempts: 1 },
    }));
    expect(await world.deliver([streamRecordOf(tenantA, invoice.id, token)])).toEqual({
      batchItemFailures: [],
    });
    expect(world.mailer.sent).toHaveLength(0);
    expect(world.table.getInvoice(tenantA, invoice.id)?.delivery).toMatchObject({
      status: 'failed',
      outcome: 'unknown',
      reason: expect.stringMatching(/may have been delivered/),
    });
  });

  it('retries a failed preparation later instead of failing the record', async () => {
    const { world, invoice } = await queued();
    world.renderer.faults.failNext('render', 1, () => new Error('font missing'));
    expect(await world.deliver()).toEqual({ batchItemFailures: [] });
    expect(world.table.getInvoice(tenantA, invoice.id)?.delivery).toMatchObject({
      status: 'sending',
      retryable: true,
    });
    world.clock.advance(60_000);
    await world.sweep();
    await world.deliver();
    expect(world.mailer.sent).toHaveLength(1);
  });

  it('marks the request failed when the seller profile is missing', async () => {
    const { world, invoice } = await queued();
    world.table.sellers.delete(tenantA);
    await world.deliver();
    expect(world.table.getInvoice(tenantA, invoice.id)?.delivery.reason).toMatch(/no seller profile/);
  });

  it('stops an email whose invoice was voided while it was being prepared', async () => {
    const { world, api, invoice } = await queued();
    world.renderer.faults.beforeNext('render', 1, async () => {
      world.table.updateInvoice(tenantA, invoice.id, (current) => ({
        ...current,
        status: 'void',
        amountDue: 0,
      }));
    });
    await world.deliver();
    expect(world.mailer.sent).toHaveLength(0);
    expect((await api.get(`/v1/invoices/${invoice.id}`)).body.delivery.reason).toMatch(/voided/);
  });

  it('fails the batch on a record that is not a queued invoice, after delivering the good ones', async () => {
    const { world, invoice } = await queued();
    const good = world.queuedRecords();
    const poison = {
      ...streamRecordOf(tenantA, invoice.id, 'dlv_x'),
      dynamodb: { SequenceNumber: '9', NewImage: { pk: { S: 'x' } } },
    };
    await expect(world.deliver([...good, poison])).rejects.toThrow(/1 stream record/);
    expect(world.mailer.sent).toHaveLength(1);
  });

  it('refuses a record whose keys disagree', async () => {
    const { world, invoice } = await queued();
    const record = streamRecordOf(tenantA, invoice.id, 'dlv_x');
    const image = record.dynamodb?.NewImage ?? {};
    image.pk = { S: `${tenantA}#INVOICE#inv_${'f'.repeat(32)}` };
    await expect(world.deliver([record])).rejects.toThrow();
    expect(world.mailer.sent).toHaveLength(0);
  });
});
