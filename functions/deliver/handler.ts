// entry: deliver — DynamoDB stream consumer and delivery sweeper. For each queued invoice, runs the delivery use
// case: render, store, email once, record the outcome; on a schedule, sweeps due reminders so every request
// settles even when a deliverer died. Its role reads the table and decrypts; it writes only `delivery` and its
// DELIVERY# reminders.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import {
  type DeliveryDependencies,
  type DeliveryRequest,
  makeInvoiceDelivery,
} from '../application/deliver-invoice';
import { makeDeliverySweep } from '../application/sweep-deliveries';
import { idPatterns, invoiceKey } from '../platform/key-layout';
import { flushMetrics, type Observability } from '../platform/observability';
import { PoisonRecordError, processStreamBatch } from '../platform/stream-batch';
import { IntegrityError } from '../ports/sealer';
import type { SecuritySignals } from '../ports/security-signals';

export interface DeliverDependencies extends DeliveryDependencies {
  readonly signals: SecuritySignals;
  readonly observability: Observability;
}

/** The schedule's event (EventBridge) or the local stand-in's `{ sweep: true }`. */
export type SweepEvent =
  | { readonly sweep: true }
  | { readonly source: 'aws.events'; readonly 'detail-type': string };
export type DeliverEvent = DynamoDBStreamEvent | SweepEvent;

/** Only what the stream filter lets through is read from the record: ids and the request token. */
const queuedInvoiceSchema = z.object({
  pk: z.object({ S: z.string() }),
  id: z.object({ S: z.string().check(z.regex(idPatterns.invoice)) }),
  tenantId: z.object({ S: z.string().check(z.regex(idPatterns.tenant)) }),
  delivery: z.object({
    M: z.object({
      status: z.object({ S: z.literal('queued') }),
      requestToken: z.object({ S: z.string().check(z.minLength(1)) }),
    }),
  }),
});

function deliveryRequestOf(record: DynamoDBRecord): DeliveryRequest {
  const parsed = queuedInvoiceSchema.safeParse(record.dynamodb?.NewImage);
  if (!parsed.success) {
    // Paths only, never values: the image holds sealed data and ids, and logs must hold no personal data.
    const paths = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new PoisonRecordError(`stream record is not a queued invoice (${paths})`);
  }
  const { pk, id, tenantId, delivery } = parsed.data;
  if (pk.S !== invoiceKey(tenantId.S, id.S).pk) throw new PoisonRecordError('record keys disagree');
  return { tenantId: tenantId.S, invoiceId: id.S, requestToken: delivery.M.requestToken.S };
}

export function makeHandler(dependencies: DeliverDependencies) {
  const { logger, metrics } = dependencies.observability;
  const deliver = makeInvoiceDelivery(dependencies);
  const sweep = makeDeliverySweep(dependencies);
  return middy<DeliverEvent, DynamoDBBatchResponse | undefined>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics(metrics))
    .handler(async (event) => {
      if (!('Records' in event)) {
        const report = await sweep();
        if (report.due > 0) logger.info('deliveries swept', { ...report });
        metrics.addMetric('DeliveriesRequeued', 'Count', report.requeued);
        metrics.addMetric('DeliveriesSettledBySweep', 'Count', report.failed);
        // The deliver-outcome-unknown alarm reads this, from the deliverer and from the sweeper alike.
        if (report.unknown > 0) metrics.addMetric('DeliveryOutcomeUnknown', 'Count', report.unknown);
        return undefined;
      }
      return processStreamBatch(event, {
        process: async (record) => {
          const request = deliveryRequestOf(record);
          let outcome: Awaited<ReturnType<typeof deliver>>;
          try {
            outcome = await deliver(request);
          } catch (error) {
            // A tampered invoice met on the way to the customer is as much an incident as one met by the API.
            if (error instanceof IntegrityError) {
              dependencies.signals.record({
                kind: 'integrity-failure',
                tenantId: request.tenantId,
                reason: 'deliver',
              });
            }
            throw error;
          }
          const context = { tenantId: request.tenantId, invoiceId: request.invoiceId };
          if (outcome.kind === 'deferred') {
            logger.warn('delivery deferred', {
              ...context,
              reason: outcome.reason,
              detail: outcome.detail,
              retryAt: new Date(outcome.retryAt * 1000).toISOString(),
            });
            metrics.addMetric('DeliveryRetries', 'Count', 1);
            return { retry: false };
          }
          logger.info('delivery settled', {
            ...context,
            result: outcome.result,
            ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
          });
          if (outcome.result === 'sent') metrics.addMetric('InvoicesSent', 'Count', 1);
          if (['failed', 'interrupted', 'ambiguous'].includes(outcome.result)) {
            metrics.addMetric('DeliveryFailures', 'Count', 1);
          }
          if (outcome.result === 'ambiguous' || outcome.result === 'interrupted') {
            metrics.addMetric('DeliveryOutcomeUnknown', 'Count', 1);
          }
          return { retry: false };
        },
        onFailure: (failure) => {
          logger.error('delivery failed', failure);
          metrics.addMetric('DeliveryFailures', 'Count', 1);
        },
      });
    });
}
