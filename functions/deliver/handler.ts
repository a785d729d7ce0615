// entry: deliver — DynamoDB stream consumer. Renders a queued invoice to PDF, stores it, emails it once, and
// records the outcome on the invoice. Its role reads the table and decrypts; it writes only `delivery`.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, s3Client, sesClient } from '../adapters/aws-clients';
import { DynamoDbDeliveryTracker } from '../adapters/dynamodb-delivery-tracker';
import { PdfKitInvoiceRenderer } from '../adapters/pdfkit-invoice-renderer';
import { S3DocumentStore } from '../adapters/s3-document-store';
import { SesV2Mailer } from '../adapters/sesv2-mailer';
import { composeInvoiceEmail } from '../domain/invoice-email';
import { envNames, requireEnv } from '../platform/config';
import { invoiceReadersFromEnvironment } from '../platform/dependencies';
import { invoiceDocumentKey } from '../platform/key-layout';
import { createObservability, type Observability } from '../platform/observability';
import type { DeliveryTracker } from '../ports/delivery-tracker';
import type { DocumentStore } from '../ports/document-store';
import type { InvoiceRenderer } from '../ports/invoice-renderer';
import type { InvoiceRepository } from '../ports/invoice-repository';
import { type Mailer, MailRejectedError, MailServiceUnavailableError } from '../ports/mailer';
import type { SellerProfiles } from '../ports/seller-profiles';

export interface DeliverDependencies {
  readonly invoices: InvoiceRepository;
  readonly sellers: SellerProfiles;
  readonly tracker: DeliveryTracker;
  readonly renderer: InvoiceRenderer;
  readonly documents: DocumentStore;
  readonly mailer: Mailer;
  readonly fromAddress: string;
  readonly observability: Observability;
  /** Send attempts per request before the invoice is marked failed (the stream source retries more). */
  readonly maxAttempts?: number;
  readonly leaseSeconds?: number;
}

/** Only what the stream filter lets through is read from the record: ids and the request token. */
const queuedInvoiceSchema = z.object({
  pk: z.object({ S: z.string() }),
  id: z.object({ S: z.string().regex(/^inv_[0-9a-f]{32}$/) }),
  tenantId: z.object({ S: z.string().regex(/^ten_[A-Za-z0-9]{8,64}$/) }),
  delivery: z.object({
    M: z.object({
      status: z.object({ S: z.literal('queued') }),
      requestToken: z.object({ S: z.string().min(1) }),
    }),
  }),
});

class PoisonRecordError extends Error {
  override readonly name = 'PoisonRecordError';
}

/** Another deliverer holds a live claim on the request: come back later. */
class DelivererBusyError extends Error {
  override readonly name = 'DelivererBusyError';
}

export function makeHandler(dependencies: DeliverDependencies) {
  const { logger, metrics } = dependencies.observability;
  const maxAttempts = dependencies.maxAttempts ?? 5;
  const leaseSeconds = dependencies.leaseSeconds ?? 120;

  /** Loads, renders and stores the document; undefined when the request was settled as failed instead. */
  const prepare = async (tenantId: string, invoiceId: string, token: string) => {
    const invoice = await dependencies.invoices.get(tenantId, invoiceId);
    const seller = await dependencies.sellers.get(tenantId);
    if (invoice === undefined) {
      await dependencies.tracker.markFailed(tenantId, invoiceId, token, 'the invoice no longer exists');
      return undefined;
    }
    if (seller === undefined) {
      await dependencies.tracker.markFailed(
        tenantId,
        invoiceId,
        token,
        'no seller profile is set up for this account, so the invoice cannot say who it is from',
      );
      return undefined;
    }
    const email = composeInvoiceEmail(invoice, seller);
    const pdf = await dependencies.renderer.render(email.document);
    await dependencies.documents.put(invoiceDocumentKey(tenantId, invoiceId, token), pdf, 'application/pdf');
    return { invoice, seller, email, pdf };
  };

  /** Returns normally when the record needs no retry; throws when the stream source should retry it. */
  const deliver = async (record: DynamoDBRecord): Promise<void> => {
    const parsed = queuedInvoiceSchema.safeParse(record.dynamodb?.NewImage);
    if (!parsed.success) {
      // Paths only, never values: the image holds sealed data and ids, and logs must hold no personal data.
      const paths = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
      throw new PoisonRecordError(`stream record is not a queued invoice (${paths})`);
    }
    const tenantId = parsed.data.tenantId.S;
    const invoiceId = parsed.data.id.S;
    const token = parsed.data.delivery.M.requestToken.S;
    if (parsed.data.pk.S !== `${tenantId}#INVOICE#${invoiceId}`)
      throw new PoisonRecordError('record keys disagree');
    const context = { tenantId, invoiceId };

    const claim = await dependencies.tracker.claim(tenantId, invoiceId, token, leaseSeconds);
    if (claim.outcome === 'done') return;
    if (claim.outcome === 'busy') throw new DelivererBusyError('another deliverer holds this request');
    if (claim.outcome === 'interrupted') {
      // A deliverer died between handing the email to the mail service and recording it. Sending again could
      // mail the customer twice, so we stop and say so; a person decides whether to resend.
      await dependencies.tracker.markFailed(
        tenantId,
        invoiceId,
        token,
        'delivery was interrupted; the email may have been sent. Check with the customer, then POST /send with {"resend": true} if needed',
      );
      logger.warn('delivery interrupted', context);
      return;
    }

    // Until the mail service has the message, nothing has left: any failure gives the claim back, so the
    // retry can claim again instead of finding a live lease and mistaking it for an interrupted send.
    let prepared: Awaited<ReturnType<typeof prepare>>;
    try {
      prepared = await prepare(tenantId, invoiceId, token);
    } catch (error) {
      await dependencies.tracker.release(
        tenantId,
        invoiceId,
        token,
        'the invoice could not be prepared for sending; operations have been alerted',
      );
      throw error;
    }
    if (prepared === undefined) return;
    const { invoice, seller, email, pdf } = prepared;
    try {
      const { messageId } = await dependencies.mailer.send({
        from: dependencies.fromAddress,
        ...(seller.email === undefined ? {} : { replyTo: seller.email }),
        to: invoice.customer.email,
        subject: email.subject,
        text: email.text,
        html: email.html,
        attachments: [{ filename: email.filename, contentType: 'application/pdf', content: pdf }],
      });
      await dependencies.tracker.markSent(tenantId, invoiceId, token, messageId, new Date().toISOString());
      metrics.addMetric('InvoicesSent', 'Count', 1);
      logger.info('invoice sent', { ...context, messageId, attempt: claim.attempt });
    } catch (error) {
      if (error instanceof MailRejectedError) {
        await dependencies.tracker.markFailed(
          tenantId,
          invoiceId,
          token,
          `the mail service refused the message (${error.message}); check the customer's email address and resend`,
        );
        return;
      }
      if (error instanceof MailServiceUnavailableError && claim.attempt >= maxAttempts) {
        await dependencies.tracker.markFailed(
          tenantId,
          invoiceId,
          token,
          `the mail service was unreachable for ${claim.attempt} attempts; POST /send again once it is back`,
        );
        return;
      }
      if (error instanceof MailServiceUnavailableError) {
        await dependencies.tracker.release(
          tenantId,
          invoiceId,
          token,
          'the mail service is unreachable; retrying',
        );
      }
      throw error;
    }
  };

  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      // Every record gets its attempt, so one bad record never delays the good ones beside it.
      const transient: string[] = [];
      let permanent = 0;
      for (const record of event.Records) {
        try {
          await deliver(record);
        } catch (error) {
          const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
          const retryable =
            error instanceof MailServiceUnavailableError || error instanceof DelivererBusyError;
          // Names only: messages can quote what they failed on, and logs must hold no personal data.
          logger.error('delivery failed', {
            errorName: (error as Error).name,
            ...(error instanceof PoisonRecordError ? { detail: error.message } : {}),
            sequenceNumber,
            retryable,
          });
          metrics.addMetric('DeliveryFailures', 'Count', 1);
          if (retryable) transient.push(sequenceNumber);
          else permanent += 1;
        }
      }
      // A record that cannot be delivered as it is (poison) fails the invocation: the stream source then
      // bisects the batch until that record stands alone, retries it, and sends it to the on-failure queue.
      // The others are already delivered and their retries are no-ops (the claim is on the request token).
      if (permanent > 0) throw new Error(`${permanent} stream record(s) could not be delivered`);
      // Only passing trouble left: retry from the first such record (later ones are no-ops if already done).
      return { batchItemFailures: transient.map((itemIdentifier) => ({ itemIdentifier })) };
    });
}

function dependenciesFromEnvironment(): DeliverDependencies {
  const read = invoiceReadersFromEnvironment();
  const tableName = requireEnv(envNames.tableName);
  return {
    invoices: read.invoices,
    sellers: read.sellers,
    tracker: new DynamoDbDeliveryTracker({ tableName, client: documentClient() }),
    renderer: new PdfKitInvoiceRenderer(),
    documents: new S3DocumentStore({
      client: s3Client(),
      bucket: requireEnv(envNames.documentsBucket),
      kmsKeyArn: requireEnv(envNames.documentsKeyArn),
    }),
    mailer: new SesV2Mailer({ client: sesClient() }),
    fromAddress: requireEnv(envNames.mailFrom),
    observability: createObservability('deliver'),
  };
}

export const handler = makeHandler(dependenciesFromEnvironment());
