// entry: detect — the anomaly detector. Fed by CloudWatch Logs subscriptions (API access log, security-signal
// lines), by the table stream (audit events) and by a schedule (resolving alerts gone quiet). Its role reads and
// writes only detector items and publishes only to the alerts topic.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { CloudWatchLogsEvent, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type DetectorDependencies, makeDetector } from '../application/detect-anomalies';
import type { Observation } from '../domain/detection/observations';
import { flushMetrics, type Observability } from '../platform/observability';
import { observationOfAuditRecord, observationsOfLogs } from './observations';

export interface DetectDependencies extends DetectorDependencies {
  readonly observability: Observability;
}

/** The schedule's event (EventBridge) or the local stand-in's `{ tick: true }`. */
export type TickEvent =
  | { readonly tick: true }
  | { readonly source: 'aws.events'; readonly 'detail-type': string };
export type DetectEvent = CloudWatchLogsEvent | DynamoDBStreamEvent | TickEvent;

export function makeHandler(dependencies: DetectDependencies) {
  const { logger, metrics } = dependencies.observability;
  const detector = makeDetector(dependencies);
  return middy<DetectEvent, DynamoDBBatchResponse | undefined>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics(metrics))
    .handler(async (event) => {
      if ('tick' in event || 'source' in event) {
        await detector.tick();
        return undefined;
      }
      let observations: Observation[];
      if ('awslogs' in event) {
        observations = observationsOfLogs(event.awslogs.data);
      } else {
        observations = event.Records.flatMap((record) => observationOfAuditRecord(record) ?? []);
      }
      await detector.observe(observations);
      metrics.addMetric('Observations', 'Count', observations.length);
      // A failure throws: the stream mapping retries the batch (states skip what they already counted).
      return 'Records' in event ? { batchItemFailures: [] } : undefined;
    });
}
