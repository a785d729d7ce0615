// platform: Powertools logger and metrics, created once per function instance. Service name and metrics
// namespace come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE (set by the CDK construct) unless
// the caller names them (local/ does). The tracer is not here: see tracing.ts for which functions carry it.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import type { SecuritySignal, SecuritySignals } from '../ports/security-signals';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface ObservabilityOptions {
  readonly serviceName?: string;
  readonly metricsNamespace?: string;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /**
   * Where log lines go instead of stdout: locally, the function's own log file and the logs subscription — what
   * CloudWatch Logs is on AWS. @default - stdout, which Lambda ships to the function's log group
   */
  readonly logSink?: (line: string) => void;
}

/** Powertools' logger with its JSON lines handed to a sink: the very lines Lambda would ship to CloudWatch. */
class SinkLogger extends Logger {
  constructor(
    options: ConstructorParameters<typeof Logger>[0],
    private readonly sink: (line: string) => void,
  ) {
    super(options);
  }

  protected override printLog(...[, log]: Parameters<Logger['printLog']>): void {
    log.prepareForPrint();
    this.sink(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
}

export function createObservability(options: ObservabilityOptions = {}): Observability {
  const serviceName = options.serviceName === undefined ? {} : { serviceName: options.serviceName };
  return {
    logger: ((loggerOptions: ConstructorParameters<typeof Logger>[0]) =>
      options.logSink === undefined
        ? new Logger(loggerOptions)
        : new SinkLogger(loggerOptions, options.logSink))({
      ...serviceName,
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    }),
    metrics: new Metrics({
      ...serviceName,
      ...(options.metricsNamespace === undefined ? {} : { namespace: options.metricsNamespace }),
    }),
  };
}

/** The log line marker a CloudWatch Logs subscription filter selects signals by. */
export const securitySignalField = 'securitySignal';
/** The subscription filter on every function's log group (CDK deploys it; the local subscription applies it). */
export const securitySignalFilterPattern = `{ $.${securitySignalField} = * }`;

/**
 * Security signals as structured log lines: on AWS a subscription filter on the function's log group forwards
 * them to the detector; locally the stack forwards the same lines. One metric per kind for the alarms.
 */
export class LoggedSecuritySignals implements SecuritySignals {
  constructor(private readonly observability: Observability) {}

  record(signal: SecuritySignal): void {
    const { kind, ...rest } = signal;
    this.observability.logger.warn('security signal', { [securitySignalField]: kind, ...rest });
    this.observability.metrics.addMetric(`Signal-${kind}`, 'Count', 1);
  }
}

/**
 * Publishes the invocation's metrics when it recorded any — Powertools' own middleware warns on every
 * invocation without one, which for the authorizer is almost every invocation.
 */
export function flushMetrics(metrics: Metrics): middy.MiddlewareObj {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}
