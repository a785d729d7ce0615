// entry: deliver — DynamoDB stream consumer. Renders a queued invoice to PDF, stores it, emails it once, and
// records the outcome on the invoice. Its role reads the table and decrypts; it writes only `delivery`.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, s3Client, sesClient } from '../adapters/aws-clients';
import { DynamoDbDeliveryTracker } from '../adapters/dynamodb-delivery-tracker';
import { invoiceDocumentKey } from '../adapters/dynamodb-keys';
import { PdfKitInvoiceRenderer } from '../adapters/pdfkit-invoice-renderer';
import { S3DocumentStore } from '../adapters/s3-document-store';
import { SesV2Mailer } from '../adapters/sesv2-mailer';
import { composeInvoiceEmail } from '../domain/invoice-email';
import { envNames, requireEnv } from '../platform/config';
import { invoiceReadersFromEnvironment } from '../platform/dependencies';
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

export function makeHandler(dependencies: DeliverDependencies) {
  const { logger, metrics } = dependencies.observability;
  const maxAttempts = dependencies.maxAttempts ?? 5;
  const leaseSeconds = dependencies.leaseSeconds ?? 120;

  /** Returns normally when the record needs no retry; throws when the stream source should retry it. */
  const deliver = async (record: DynamoDBRecord): Promise<void> => {
    const parsed = queuedInvoiceSchema.safeParse(record.dynamodb?.NewImage);
    if (!parsed.success) throw new PoisonRecordError('stream record is not a queued invoice');
    const tenantId = parsed.data.tenantId.S;
    const invoiceId = parsed.data.id.S;
    const token = parsed.data.delivery.M.requestToken.S;
    if (parsed.data.pk.S !== `${tenantId}#INVOICE#${invoiceId}`)
      throw new PoisonRecordError('record keys disagree');
    const context = { tenantId, invoiceId };

    const claim = await dependencies.tracker.claim(tenantId, invoiceId, token, leaseSeconds);
    if (claim.outcome === 'done') return;
    if (claim.outcome === 'busy') throw new Error('another deliverer holds this request');
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

    const invoice = await dependencies.invoices.get(tenantId, invoiceId);
    const seller = await dependencies.sellers.get(tenantId);
    if (invoice === undefined) {
      await dependencies.tracker.markFailed(tenantId, invoiceId, token, 'the invoice no longer exists');
      return;
    }
    if (seller === undefined) {
      await dependencies.tracker.markFailed(
        tenantId,
        invoiceId,
        token,
        'no seller profile is set up for this account, so the invoice cannot say who it is from',
      );
      return;
    }
    const email = composeInvoiceEmail(invoice, seller);
    const pdf = await dependencies.renderer.render(email.document);
    await dependencies.documents.put(invoiceDocumentKey(tenantId, invoiceId, token), pdf, 'application/pdf');
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
      const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
      // In order, one at a time: after the first failure the rest are retried anyway (the stream source
      // resumes from the lowest failed sequence number), so there is no point delivering past it.
      for (const record of event.Records) {
        try {
          await deliver(record);
        } catch (error) {
          const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
          logger.error('delivery failed; the stream source will retry', {
            error: { name: (error as Error).name, message: (error as Error).message },
            sequenceNumber,
          });
          metrics.addMetric('DeliveryFailures', 'Count', 1);
          batchItemFailures.push({ itemIdentifier: sequenceNumber });
          break;
        }
      }
      return { batchItemFailures };
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
