// test: delivery through the stream — issue with send, the email arrives once with the PDF, failures and
// duplicates are handled, and no personal data leaks into documents, logs or the failure queue.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { extractText, getDocumentProxy } from 'unpdf';
import { listSentEmails, type SentEmail } from '../../local/emulators/ses';
import {
  as,
  auditChained,
  call,
  clientsByRole,
  endpoints,
  localHandlers,
  sampleInvoice,
  tokenFor,
} from './support';

const { tenantA } = clientsByRole();

interface LocalEndpoints {
  readonly ses: string;
  readonly s3: string;
  readonly sqs: string;
  readonly dynamodb: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly tables: { main: string };
  readonly buckets: { documents: string };
  readonly queues: { deliverFailures: string };
}

const local = () => endpoints() as unknown as LocalEndpoints;
const sdk = () => ({ endpoint: '', region: local().region, credentials: local().credentials });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function emailsTo(address: string): Promise<SentEmail[]> {
  return (await listSentEmails(local().ses)).filter((email) => email.destination.to.includes(address));
}

function uniqueAddress(label: string): string {
  return `${label}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;
}

async function pdfText(base64: string): Promise<string> {
  const pdf = await getDocumentProxy(new Uint8Array(Buffer.from(base64, 'base64')));
  const { text } = await extractText(pdf, { mergePages: true });
  return text;
}

async function issueAndSend(email: string, name = 'Delivery Customer') {
  const api = await as(tenantA);
  const draft = await api.post(
    '/v1/invoices',
    sampleInvoice({ customer: { ...sampleInvoice().customer, name, email } }),
  );
  const issued = await api.post(`/v1/invoices/${draft.body.id}/issue`, { send: true });
  expect(issued.status).toBe(200);
  expect(issued.body.delivery.status).toBe('queued');
  return issued.body;
}

async function waitForDelivery(invoiceId: string, status: 'sent' | 'failed') {
  const api = await as(tenantA);
  return waitFor(`delivery ${status}`, async () => {
    const invoice = (await api.get(`/v1/invoices/${invoiceId}`)).body;
    return invoice.delivery.status === status ? invoice : undefined;
  });
}

describe('delivery', () => {
  describe('issue with send', () => {
    it('emails the customer exactly once, with a PDF holding the number, name and total', async () => {
      const address = uniqueAddress('first');
      const invoice = await issueAndSend(address, 'Zoë Lieferempfänger');
      const delivered = await waitForDelivery(invoice.id, 'sent');
      expect(delivered.delivery).toMatchObject({ status: 'sent', messageId: expect.any(String) });
      expect(delivered.delivery.sentAt).toMatch(/^\d{4}-/);

      const emails = await emailsTo(address);
      expect(emails).toHaveLength(1);
      const [email] = emails;
      expect(email?.subject).toContain(invoice.number);
      // The seller as the profile stands now (another test file may have replaced the demo profile).
      const seller = (await (await as(clientsByRole().admin)).get('/v1/seller-profile')).body;
      expect(email?.subject).toContain(seller.name);
      expect(email?.body.text).toContain(invoice.number);
      expect(email?.body.html).toContain(invoice.number);
      const attachment = email?.attachments.find((candidate) => candidate.contentType === 'application/pdf');
      expect(attachment).toBeDefined();
      const text = await pdfText(attachment?.content ?? '');
      expect(text).toContain(invoice.number);
      expect(text).toContain('Zoë Lieferempfänger');
      expect(text).toContain('339.09'); // total 33 909 minor units of EUR
    });

    it('gives the business the same document as a PDF download', async () => {
      const address = uniqueAddress('download');
      const invoice = await issueAndSend(address);
      const response = await fetch(`${endpoints().apiBaseUrl}/v1/invoices/${invoice.id}/pdf`, {
        headers: { authorization: `Bearer ${await tokenFor(tenantA)}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(await pdfText(bytes.toString('base64'))).toContain(invoice.number);
    });
  });

  describe('exactly once', () => {
    it('sends nothing more for repeated send calls, and again only for a deliberate resend', async () => {
      const api = await as(tenantA);
      const address = uniqueAddress('repeat');
      const invoice = await issueAndSend(address);
      // While queued, another send is the same request.
      const repeated = await api.post(`/v1/invoices/${invoice.id}/send`, {});
      expect(repeated.status).toBe(202);
      await waitForDelivery(invoice.id, 'sent');
      const again = await api.post(`/v1/invoices/${invoice.id}/send`, {});
      expect(again.status).toBe(409);
      expect(again.body.detail).toMatch(/resend/);
      expect(await emailsTo(address)).toHaveLength(1);

      const resend = await api.post(`/v1/invoices/${invoice.id}/send`, { resend: true });
      expect(resend.status).toBe(202);
      await waitFor('second email', async () => ((await emailsTo(address)).length === 2 ? true : undefined));
      await waitForDelivery(invoice.id, 'sent');
      await auditChained();
      const audit = await (await as(clientsByRole().admin)).get('/v1/audit-events?limit=100');
      const actions = audit.body.items
        .filter((event: { entityId: string }) => event.entityId === invoice.id)
        .map((event: { action: string }) => event.action);
      expect(actions).toEqual(
        expect.arrayContaining(['invoice.issued', 'invoice.send-coalesced', 'invoice.send-requested']),
      );
    });

    it('sends one email when the same stream record is delivered twice', async () => {
      const address = uniqueAddress('duplicate');
      const invoice = await issueAndSend(address);
      await waitForDelivery(invoice.id, 'sent');
      // Rebuild the record the stream carried (the queued image) and hand it to the same handler twice.
      const { Item: item } = await new DynamoDBClient({ ...sdk(), endpoint: local().dynamodb }).send(
        new GetItemCommand({
          TableName: local().tables.main,
          Key: { pk: { S: `${tenantA.tenantId}#INVOICE#${invoice.id}` }, sk: { S: 'INVOICE' } },
        }),
      );
      const delivery = item?.delivery?.M ?? {};
      const queuedImage = {
        ...item,
        delivery: { M: { status: { S: 'queued' }, requestToken: delivery.requestToken ?? { S: '' } } },
      };
      const event = {
        Records: [
          {
            eventID: '1',
            eventName: 'MODIFY',
            eventSource: 'aws:dynamodb',
            awsRegion: local().region,
            dynamodb: { NewImage: queuedImage, SequenceNumber: '1', StreamViewType: 'NEW_AND_OLD_IMAGES' },
          },
        ],
      } as unknown as DynamoDBStreamEvent;
      const { deliver } = localHandlers();
      const context = { functionName: 'deliver', awsRequestId: 'test' } as never;
      for (let attempt = 0; attempt < 2; attempt += 1) {
        expect(await deliver(event, context)).toEqual({ batchItemFailures: [] });
      }
      expect(await emailsTo(address)).toHaveLength(1);
    });
  });

  describe('failures', () => {
    it('retries while the mail service refuses, then sends once and shows it', async () => {
      // The next two sends are refused by the mail service (503, nothing accepted): no timer decides this.
      const faults = await call('POST', '/_local/faults/ses', {
        body: {
          action: 'inject',
          kind: 'refuse',
          count: 2,
          status: 503,
          match: { method: 'POST', path: '/v2/email/outbound-emails' },
        },
      });
      expect(faults.body).toMatchObject({ ok: true });
      const address = uniqueAddress('outage');
      const invoice = await issueAndSend(address);
      const delivered = await waitForDelivery(invoice.id, 'sent');
      expect(delivered.delivery.attempts).toBe(3);
      expect(await emailsTo(address)).toHaveLength(1);
    });

    it('settles a queued invoice whose sealed part is garbage as failed, never sending it', async () => {
      const dynamoDb = new DynamoDBClient({ ...sdk(), endpoint: local().dynamodb });
      const tamperedId = `inv_${'e'.repeat(24)}${Date.now().toString(16).slice(-8).padStart(8, '0')}`;
      await dynamoDb.send(
        new PutItemCommand({
          TableName: local().tables.main,
          Item: {
            pk: { S: `${tenantA.tenantId}#INVOICE#${tamperedId}` },
            sk: { S: 'INVOICE' },
            entity: { S: 'invoice' },
            id: { S: tamperedId },
            tenantId: { S: tenantA.tenantId },
            sealed: { B: Buffer.from('garbage') },
            delivery: { M: { status: { S: 'queued' }, requestToken: { S: `dlv_${'0'.repeat(32)}` } } },
          },
        }),
      );
      const delivery = await waitFor('the tampered invoice settled', async () => {
        const { Item: item } = await dynamoDb.send(
          new GetItemCommand({
            TableName: local().tables.main,
            Key: { pk: { S: `${tenantA.tenantId}#INVOICE#${tamperedId}` }, sk: { S: 'INVOICE' } },
          }),
        );
        return item?.delivery?.M?.status?.S === 'failed' ? item.delivery.M : undefined;
      });
      expect(delivery.reason?.S).toMatch(/integrity check/);
      // Planted garbage must not outlive the test: a restore of the table would rightly refuse to verify it.
      await dynamoDb.send(
        new DeleteItemCommand({
          TableName: local().tables.main,
          Key: { pk: { S: `${tenantA.tenantId}#INVOICE#${tamperedId}` }, sk: { S: 'INVOICE' } },
        }),
      );
    });

    it('delivers good records around a poison one, which lands in the on-failure queue', async () => {
      const canary = `poison${Date.now().toString(36)}`;
      const dynamoDb = new DynamoDBClient({ ...sdk(), endpoint: local().dynamodb });
      // An id the stream consumer's schema refuses: the record can never be read as a send request.
      const poisonId = `inv_${canary}`;
      // An invoice-shaped item queued for delivery that no deliverer can ever take: it must not block the rest.
      await dynamoDb.send(
        new PutItemCommand({
          TableName: local().tables.main,
          Item: {
            pk: { S: `${tenantA.tenantId}#INVOICE#${poisonId}` },
            sk: { S: 'INVOICE' },
            entity: { S: 'invoice' },
            id: { S: poisonId },
            tenantId: { S: tenantA.tenantId },
            memo: { S: canary },
            sealed: { B: Buffer.from(canary) },
            delivery: { M: { status: { S: 'queued' }, requestToken: { S: `dlv_${canary}` } } },
          },
        }),
      );
      const good = [uniqueAddress('good1'), uniqueAddress('good2')];
      const invoices = [];
      for (const address of good) invoices.push(await issueAndSend(address));
      for (const invoice of invoices) await waitForDelivery(invoice.id, 'sent');
      for (const address of good) expect(await emailsTo(address)).toHaveLength(1);

      const sqs = new SQSClient({ ...sdk(), endpoint: local().sqs });
      const message = await waitFor('on-failure message', async () => {
        const { Messages: messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: local().queues.deliverFailures, MaxNumberOfMessages: 10 }),
        );
        return messages.find((candidate) => (candidate.Body ?? '').includes('DDBStreamBatchInfo'));
      });
      expect(JSON.parse(message.Body ?? '{}')).toMatchObject({
        requestContext: { condition: 'RetryAttemptsExhausted' },
        DDBStreamBatchInfo: { batchSize: 1 },
      });
      expect(message.Body).not.toContain(canary);
      await dynamoDb.send(
        new DeleteItemCommand({
          TableName: local().tables.main,
          Key: { pk: { S: `${tenantA.tenantId}#INVOICE#${poisonId}` }, sk: { S: 'INVOICE' } },
        }),
      );
    });
  });

  describe('no personal data outside the sealed table items', () => {
    it('leaves no customer or line canary in document keys or metadata, logs, or the failure queue', async () => {
      const canary = `leak${Date.now().toString(36)}`;
      const api = await as(tenantA);
      const address = `${canary}@example.com`;
      const draft = await api.post(
        '/v1/invoices',
        sampleInvoice({
          customer: {
            name: `${canary} Name`,
            email: address,
            address: {
              line1: `${canary} Street 1`,
              city: `${canary}ville`,
              postalCode: '10115',
              country: 'DE',
            },
          },
          lines: [{ description: `${canary} line`, quantity: 1, unitAmount: 500, taxRateBps: 1900 }],
          memo: `${canary} memo`,
        }),
      );
      await api.post(`/v1/invoices/${draft.body.id}/issue`, { send: true });
      await waitForDelivery(draft.body.id, 'sent');

      const s3 = new S3Client({ ...sdk(), endpoint: local().s3, forcePathStyle: true });
      const { Contents: objects = [] } = await s3.send(
        new ListObjectsV2Command({ Bucket: local().buckets.documents }),
      );
      const ours = objects.filter((object) => object.Key?.includes(draft.body.id));
      expect(ours).toHaveLength(1);
      for (const object of objects) {
        expect(object.Key).not.toContain(canary);
        const head = await s3.send(
          new HeadObjectCommand({ Bucket: local().buckets.documents, Key: object.Key }),
        );
        expect(JSON.stringify({ metadata: head.Metadata, type: head.ContentType })).not.toContain(canary);
      }

      const logDir = join(process.env.LEDGERLOCK_TEST_STATE_DIR ?? '', 'logs');
      const logFiles = readdirSync(logDir);
      expect(logFiles).toEqual(expect.arrayContaining(['api-access.log', 'stack-output.log']));
      for (const file of logFiles) {
        expect(readFileSync(join(logDir, file), 'utf8')).not.toContain(canary);
      }

      const sqs = new SQSClient({ ...sdk(), endpoint: local().sqs });
      const { Messages: messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: local().queues.deliverFailures, MaxNumberOfMessages: 10 }),
      );
      for (const message of messages) expect(message.Body).not.toContain(canary);
    });
  });
});
