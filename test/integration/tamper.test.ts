// test: direct edits to the table are detected — the audit verification names the event, reads fail closed.
import { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  as,
  auditChained,
  clientsByRole,
  endpoints,
  sampleInvoice,
  tableClient,
  verifyWhole,
} from './support';

const { tenantA, tenantB, admin } = clientsByRole();

const dynamoDb = tableClient;

async function storedInvoice(tenantId: string, id: string) {
  const { Item: item } = await dynamoDb().send(
    new GetItemCommand({
      TableName: endpoints().tables.main,
      Key: { pk: { S: `${tenantId}#INVOICE#${id}` }, sk: { S: 'INVOICE' } },
    }),
  );
  if (item === undefined) throw new Error('invoice not stored');
  return item;
}

async function put(item: Record<string, any>) {
  await dynamoDb().send(new PutItemCommand({ TableName: endpoints().tables.main, Item: item }));
}

describe('tamper detection', () => {
  describe('stored invoices', () => {
    it('fails closed with a generic 500 when a plaintext amount is edited in the table', async () => {
      const api = await as(tenantA);
      const invoice = (await api.post('/v1/invoices', sampleInvoice())).body;
      const item = await storedInvoice(tenantA.tenantId, invoice.id);
      await put({ ...item, total: { N: '1' }, amountDue: { N: '1' } });
      try {
        const read = await api.get(`/v1/invoices/${invoice.id}`);
        expect(read.status).toBe(500);
        expect(read.contentType).toContain('application/problem+json');
        expect(read.body.type).toMatch(/integrity-check-failed$/);
        expect(JSON.stringify(read.body)).not.toMatch(/context|digest|kms|stack/i);
        expect(JSON.stringify(read.body)).not.toContain(invoice.customer.name);
        // A page holding the altered item fails closed too: nothing is listed past a broken record.
        expect((await api.get('/v1/invoices?limit=100')).status).toBe(500);
      } finally {
        // Put the original back: the other suites share this stack and list this tenant's invoices.
        await put(item);
      }
      expect((await api.get(`/v1/invoices/${invoice.id}`)).status).toBe(200);
      expect((await api.get('/v1/invoices?limit=100')).status).toBe(200);
    });

    it('fails closed when the sealed blob of one invoice is copied onto another', async () => {
      const api = await as(tenantA);
      const victim = (await api.post('/v1/invoices', sampleInvoice())).body;
      const donor = (await api.post('/v1/invoices', sampleInvoice({ memo: 'donor' }))).body;
      const victimItem = await storedInvoice(tenantA.tenantId, victim.id);
      const donorItem = await storedInvoice(tenantA.tenantId, donor.id);
      await put({ ...victimItem, sealed: donorItem.sealed });
      try {
        expect((await api.get(`/v1/invoices/${victim.id}`)).status).toBe(500);
      } finally {
        await put(victimItem);
      }
    });

    it("fails closed when an invoice is copied into another tenant's partition", async () => {
      const invoice = (await (await as(tenantA)).post('/v1/invoices', sampleInvoice())).body;
      const item = await storedInvoice(tenantA.tenantId, invoice.id);
      await put({
        ...item,
        pk: { S: `${tenantB.tenantId}#INVOICE#${invoice.id}` },
        tenantId: { S: tenantB.tenantId },
        gsi1pk: { S: `${tenantB.tenantId}#INVOICES` },
      });
      try {
        const read = await (await as(tenantB)).get(`/v1/invoices/${invoice.id}`);
        expect(read.status).toBe(500);
        expect(JSON.stringify(read.body)).not.toContain(invoice.customer.name);
      } finally {
        await dynamoDb().send(
          new DeleteItemCommand({
            TableName: endpoints().tables.main,
            Key: { pk: { S: `${tenantB.tenantId}#INVOICE#${invoice.id}` }, sk: { S: 'INVOICE' } },
          }),
        );
      }
    });
  });

  describe('stored payments', () => {
    it('fails closed when a payment item is copied into another invoice’s partition, instead of listing it there', async () => {
      const api = await as(tenantA);
      const paid = (await api.post('/v1/invoices', sampleInvoice())).body;
      const other = (await api.post('/v1/invoices', sampleInvoice())).body;
      for (const invoice of [paid, other]) await api.post(`/v1/invoices/${invoice.id}/issue`, {});
      expect((await api.post(`/v1/invoices/${paid.id}/payments`, { amount: 500 })).status).toBe(201);
      const { Items: [payment] = [] } = await dynamoDb().send(
        new QueryCommand({
          TableName: endpoints().tables.main,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :payments)',
          ExpressionAttributeValues: {
            ':pk': { S: `${tenantA.tenantId}#INVOICE#${paid.id}` },
            ':payments': { S: 'PAYMENT#' },
          },
        }),
      );
      if (payment === undefined) throw new Error('payment not stored');
      const copy: Record<string, any> = { ...payment, pk: { S: `${tenantA.tenantId}#INVOICE#${other.id}` } };
      await put(copy);
      try {
        const listed = await api.get(`/v1/invoices/${other.id}/payments`);
        expect(listed.status).toBe(500);
        expect(listed.body.type).toMatch(/integrity-check-failed$/);
      } finally {
        await dynamoDb().send(
          new DeleteItemCommand({ TableName: endpoints().tables.main, Key: { pk: copy.pk, sk: copy.sk } }),
        );
      }
      expect((await api.get(`/v1/invoices/${other.id}/payments`)).body.items).toEqual([]);
    });
  });

  describe('audit chain', () => {
    it('names the first event whose stored content was altered', async () => {
      const writer = await as(tenantA);
      const auditor = await as(admin);
      for (let index = 0; index < 3; index += 1) await writer.post('/v1/invoices', sampleInvoice());
      await auditChained();
      expect((await verifyWhole(auditor)).valid).toBe(true);

      const { Items: events = [] } = await dynamoDb().send(
        new QueryCommand({
          TableName: endpoints().tables.main,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
          ExpressionAttributeValues: {
            ':pk': { S: `${tenantA.tenantId}#AUDIT` },
            ':events': { S: 'EVENT#' },
          },
          ScanIndexForward: false,
          Limit: 2,
        }),
      );
      const target = events[1];
      if (target === undefined) throw new Error('expected audit events');
      await put({ ...target, action: { S: 'invoice.deleted' } });

      const verification = await verifyWhole(auditor);
      expect(verification).toMatchObject({
        valid: false,
        reason: 'altered',
        firstBrokenSequence: Number(target.sequence?.N),
      });

      // Putting it back restores the chain: verification is a pure recomputation.
      await put(target);
      expect((await verifyWhole(auditor)).valid).toBe(true);
    });

    it('names a missing event when one is deleted from the middle', async () => {
      const writer = await as(tenantB);
      for (let index = 0; index < 3; index += 1) await writer.post('/v1/invoices', sampleInvoice());
      await auditChained();
      const { Items: events = [] } = await dynamoDb().send(
        new QueryCommand({
          TableName: endpoints().tables.main,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
          ExpressionAttributeValues: {
            ':pk': { S: `${tenantB.tenantId}#AUDIT` },
            ':events': { S: 'EVENT#' },
          },
          ScanIndexForward: false,
          Limit: 2,
        }),
      );
      const target = events[1];
      if (target === undefined) throw new Error('expected audit events');
      // Rewrite the key under a sequence that cannot be reached: the original slot is now missing.
      await dynamoDb().send(
        new PutItemCommand({
          TableName: endpoints().tables.main,
          Item: { ...target, sk: { S: 'EVENT#999999999999' } },
        }),
      );
      await dynamoDb().send(
        new DeleteItemCommand({
          TableName: endpoints().tables.main,
          Key: { pk: target.pk as any, sk: target.sk as any },
        }),
      );
      // Tenant B has no admin client, so verify with the domain function over what the table holds.
      const { verifyChain } = await import('../../functions/domain/audit-chain');
      const { DynamoDbAuditTrail } = await import('../../functions/adapters/dynamodb-audit-trail');
      const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
      const trail = new DynamoDbAuditTrail({
        tableName: endpoints().tables.main,
        client: DynamoDBDocumentClient.from(dynamoDb()),
        // Reading the whole chain opens no sealed record and issues no page cursor.
        sealer: {
          seal: () => Promise.reject(new Error('not used')),
          open: () => Promise.reject(new Error('not used')),
        },
      });
      const { events: all, head } = await trail.readAll(tenantB.tenantId);
      const result = verifyChain(tenantB.tenantId, all, head);
      expect(result).toMatchObject({
        valid: false,
        reason: 'missing',
        firstBrokenSequence: Number(target.sequence?.N),
      });

      // Restore the event where it was; the chain verifies again.
      await dynamoDb().send(new PutItemCommand({ TableName: endpoints().tables.main, Item: target }));
      await dynamoDb().send(
        new DeleteItemCommand({
          TableName: endpoints().tables.main,
          Key: { pk: target.pk as never, sk: { S: 'EVENT#999999999999' } },
        }),
      );
      const restored = await trail.readAll(tenantB.tenantId);
      expect(verifyChain(tenantB.tenantId, restored.events, restored.head)).toMatchObject({ valid: true });
    });

    it('names an event cut off the end, even with the head moved back, by the checkpoint that signed it', async () => {
      const writer = await as(tenantA);
      const auditor = await as(admin);
      await writer.post('/v1/invoices', sampleInvoice());
      await auditChained();
      const [last, before] = await newestEvents(tenantA.tenantId, 2);
      const head = await chainItem(tenantA.tenantId, 'HEAD');
      if (last === undefined || before === undefined || head === undefined)
        throw new Error('expected a chain');
      await remove(last);
      await put({ ...head, sequence: before.sequence as any, hash: before.hash as any });
      try {
        const verification = await verifyWhole(auditor);
        expect(verification).toMatchObject({
          valid: false,
          reason: 'missing',
          firstBrokenSequence: Number(last.sequence?.N),
        });
      } finally {
        await put(last);
        await put(head);
      }
      expect((await verifyWhole(auditor)).valid).toBe(true);
    });

    it('refuses a chain rewritten with correct hashes after an inserted event: the signed checkpoint disagrees', async () => {
      const writer = await as(tenantA);
      const auditor = await as(admin);
      for (let index = 0; index < 2; index += 1) await writer.post('/v1/invoices', sampleInvoice());
      await auditChained();
      // The attacker inserts an event after the second-newest and recomputes every hash after it, head included:
      // nothing in the table is inconsistent any more, only the checkpoint the chain writer signed.
      const { hashOf } = await import('../../functions/domain/audit-chain');
      const [last, before] = await newestEvents(tenantA.tenantId, 2);
      const head = await chainItem(tenantA.tenantId, 'HEAD');
      if (last === undefined || before === undefined || head === undefined)
        throw new Error('expected a chain');
      const lastSequence = Number(last.sequence?.N);
      const forged = {
        tenantId: tenantA.tenantId,
        sequence: lastSequence,
        previousHash: String(before.hash?.S),
        action: 'invoice.deleted',
        entityType: 'invoice',
        entityId: `inv_${'f'.repeat(32)}`,
        actor: { clientId: 'cli_attacker', sourceIp: '198.51.100.66', requestId: 'forged' },
        at: String(before.at?.S),
      };
      const forgedHash = hashOf(forged);
      const { hash: _hash, ...lastContent } = plainEvent(last);
      const moved = { ...lastContent, sequence: lastSequence + 1, previousHash: forgedHash };
      const movedHash = hashOf(moved as never);
      await put(eventItem(tenantA.tenantId, { ...forged, hash: forgedHash }));
      await put(eventItem(tenantA.tenantId, { ...moved, hash: movedHash }));
      await put({ ...head, sequence: { N: String(lastSequence + 1) }, hash: { S: movedHash } });
      try {
        const verification = await verifyWhole(auditor);
        expect(verification).toMatchObject({
          valid: false,
          reason: 'checkpoint-mismatch',
          firstBrokenSequence: lastSequence,
        });
      } finally {
        await put(last);
        await remove(eventItem(tenantA.tenantId, { sequence: lastSequence + 1 }));
        await put(head);
      }
      expect((await verifyWhole(auditor)).valid).toBe(true);
    });

    it('names two events swapped in place as altered', async () => {
      const writer = await as(tenantA);
      const auditor = await as(admin);
      for (let index = 0; index < 2; index += 1) await writer.post('/v1/invoices', sampleInvoice());
      await auditChained();
      const [last, before] = await newestEvents(tenantA.tenantId, 2);
      if (last === undefined || before === undefined) throw new Error('expected a chain');
      // Each takes the other's place, sequence numbers rewritten to fit the slot.
      await put({ ...last, sk: before.sk as any, sequence: before.sequence as any });
      await put({ ...before, sk: last.sk as any, sequence: last.sequence as any });
      try {
        const verification = await verifyWhole(auditor);
        expect(verification).toMatchObject({
          valid: false,
          reason: 'altered',
          firstBrokenSequence: Number(before.sequence?.N),
        });
      } finally {
        await put(last);
        await put(before);
      }
      expect((await verifyWhole(auditor)).valid).toBe(true);
    });

    it('refuses a checkpoint the audit key did not sign', async () => {
      const auditor = await as(admin);
      await auditChained();
      const checkpoint = await newestCheckpoint(tenantA.tenantId);
      if (checkpoint === undefined) throw new Error('expected a signed checkpoint');
      const forgedSignature = Buffer.from(String(checkpoint.signature?.S), 'base64');
      forgedSignature[forgedSignature.length - 1] = (forgedSignature.at(-1) ?? 0) ^ 0xff;
      await put({ ...checkpoint, signature: { S: forgedSignature.toString('base64') } });
      try {
        const verification = await verifyWhole(auditor);
        expect(verification).toMatchObject({ valid: false, reason: 'checkpoint-forged' });
      } finally {
        await put(checkpoint);
      }
      expect((await verifyWhole(auditor)).valid).toBe(true);
    });

    it('verifies in bounded steps: a cursor continues where a step stopped, a checkpoint is a starting point', async () => {
      const writer = await as(tenantA);
      const auditor = await as(admin);
      for (let index = 0; index < 3; index += 1) await writer.post('/v1/invoices', sampleInvoice());
      await auditChained();
      const whole = await verifyWhole(auditor);
      expect(whole).toMatchObject({ valid: true, complete: true, pendingEntries: 0 });
      // Three steps of two events, each starting where the one before stopped…
      let cursor: string | undefined;
      let through = 0;
      for (let steps = 0; steps < 3; steps += 1) {
        const step = (
          await auditor.get(
            `/v1/audit-events/verification?limit=2${cursor === undefined ? '' : `&cursor=${cursor}`}`,
          )
        ).body;
        expect(step).toMatchObject({ valid: true, fromSequence: through });
        expect(step.checked).toBeLessThanOrEqual(2);
        through = step.throughSequence;
        cursor = step.nextCursor;
      }
      // …then on in steps of a thousand: the same end as the whole verification.
      while (cursor !== undefined) {
        const step = (await auditor.get(`/v1/audit-events/verification?limit=1000&cursor=${cursor}`)).body;
        expect(step).toMatchObject({ valid: true, fromSequence: through });
        through = step.throughSequence;
        cursor = step.nextCursor;
      }
      expect(through).toBe(whole.throughSequence);
      const fromCheckpoint = (await auditor.get('/v1/audit-events/verification?from=checkpoint')).body;
      expect(fromCheckpoint).toMatchObject({
        valid: true,
        complete: true,
        fromSequence: whole.latestCheckpoint.sequence,
      });
      // A cursor is sealed to its tenant and purpose: an edited one is refused.
      const edited = await auditor.get('/v1/audit-events/verification?limit=1&cursor=AAAA');
      expect(edited.status).toBe(400);
    });
  });
});

type Item = Record<string, any>;

async function remove(item: Item) {
  await dynamoDb().send(
    new DeleteItemCommand({ TableName: endpoints().tables.main, Key: { pk: item.pk, sk: item.sk } }),
  );
}

async function auditItems(tenantId: string, prefix: string, limit: number): Promise<Item[]> {
  const { Items: items = [] } = await dynamoDb().send(
    new QueryCommand({
      TableName: endpoints().tables.main,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: `${tenantId}#AUDIT` }, ':prefix': { S: prefix } },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: limit,
    }),
  );
  return items;
}

const newestEvents = (tenantId: string, count: number) => auditItems(tenantId, 'EVENT#', count);
const newestCheckpoint = async (tenantId: string) => (await auditItems(tenantId, 'CHECKPOINT#', 1))[0];

async function chainItem(tenantId: string, sk: string): Promise<Item | undefined> {
  const { Item: item } = await dynamoDb().send(
    new GetItemCommand({
      TableName: endpoints().tables.main,
      Key: { pk: { S: `${tenantId}#AUDIT` }, sk: { S: sk } },
      ConsistentRead: true,
    }),
  );
  return item;
}

/** An event item as plain values (what the chain hashes), from its DynamoDB JSON. */
function plainEvent(item: Item) {
  const actor = item.actor.M;
  return {
    tenantId: item.tenantId.S,
    sequence: Number(item.sequence.N),
    ...(item.entryId === undefined ? {} : { entryId: item.entryId.S }),
    previousHash: item.previousHash.S,
    hash: item.hash.S,
    action: item.action.S,
    entityType: item.entityType.S,
    entityId: item.entityId.S,
    actor: { clientId: actor.clientId.S, sourceIp: actor.sourceIp.S, requestId: actor.requestId.S },
    at: item.at.S,
    ...(item.details === undefined
      ? {}
      : {
          details: Object.fromEntries(
            Object.entries(item.details.M as Record<string, any>).map(([name, value]) => [
              name,
              value.S ?? (value.N === undefined ? (value.BOOL ?? null) : Number(value.N)),
            ]),
          ),
        }),
  };
}

/** An event as the chain writer stores it: DynamoDB JSON under its sequence's key (keys only when nothing else). */
function eventItem(tenantId: string, event: Record<string, any>): Item {
  const key = {
    pk: { S: `${tenantId}#AUDIT` },
    sk: { S: `EVENT#${String(event.sequence).padStart(12, '0')}` },
  };
  if (event.hash === undefined) return key;
  const attribute = (value: unknown): any => {
    if (value === null) return { NULL: true };
    if (typeof value === 'number') return { N: String(value) };
    if (typeof value === 'boolean') return { BOOL: value };
    if (typeof value === 'object') {
      return {
        M: Object.fromEntries(
          Object.entries(value as object).map(([name, inner]) => [name, attribute(inner)]),
        ),
      };
    }
    return { S: String(value) };
  };
  return {
    ...key,
    entity: { S: 'audit-event' },
    ...Object.fromEntries(Object.entries(event).map(([name, value]) => [name, attribute(value)])),
  };
}
