// platform: the send caps and delivery timings as the functions read them — the domain's defaults, overridable
// through the environment (platform/config.ts, readTuning), e.g. for a test stack that must not wait minutes.
import { defaultRetryPolicy, defaultSendLimits, type RetryPolicy, type SendLimits } from '../domain/delivery';
import { readTuning } from './config';

export function readSendLimits(env: NodeJS.ProcessEnv = process.env): SendLimits {
  return {
    perInvoice: readTuning('sendLimitPerInvoice', defaultSendLimits.perInvoice, { min: 1, max: 1000 }, env),
    perInvoiceWindowSeconds: readTuning(
      'sendLimitPerInvoiceWindowSeconds',
      defaultSendLimits.perInvoiceWindowSeconds,
      { min: 60, max: 30 * 24 * 3600 },
      env,
    ),
    perTenantPerHour: readTuning(
      'sendLimitPerTenantPerHour',
      defaultSendLimits.perTenantPerHour,
      { min: 1, max: 1_000_000 },
      env,
    ),
  };
}

export interface DeliveryTuning {
  readonly leaseSeconds: number;
  readonly retry: RetryPolicy;
}

export function readDeliveryTuning(env: NodeJS.ProcessEnv = process.env): DeliveryTuning {
  const firstDelaySeconds = readTuning(
    'deliveryRetryFirstDelaySeconds',
    defaultRetryPolicy.firstDelaySeconds,
    { min: 1, max: 3600 },
    env,
  );
  return {
    // At least the SES client's timeout plus a margin: a live send must never look abandoned.
    leaseSeconds: readTuning('deliveryLeaseSeconds', 30, { min: 15, max: 900 }, env),
    retry: {
      firstDelaySeconds,
      maxDelaySeconds: readTuning(
        'deliveryRetryMaxDelaySeconds',
        defaultRetryPolicy.maxDelaySeconds,
        { min: firstDelaySeconds, max: 3600 },
        env,
      ),
      windowSeconds: readTuning(
        'deliveryRetryWindowSeconds',
        defaultRetryPolicy.windowSeconds,
        { min: 60, max: 12 * 3600 },
        env,
      ),
    },
  };
}
