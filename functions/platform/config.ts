// platform: the functions' configuration — each environment variable read once, at start, through one helper
// that fails loudly when one is missing. CDK sets them (bind* calls); local/ passes the same values directly.

export class MissingConfigurationError extends Error {
  override readonly name = 'MissingConfigurationError';
}

/** The environment variables the functions read, by the name their value has in code. */
export const envNames = {
  tableName: 'TABLE_NAME',
  /** The KMS key that wraps the tenants' branch keys. */
  dataKeyArn: 'DATA_KEY_ARN',
  /** The branch key store table of the hierarchical keyring. */
  keyStoreTable: 'KEY_STORE_TABLE',
  blindIndexKeyArn: 'BLIND_INDEX_KEY_ARN',
  jwtIssuer: 'JWT_ISSUER',
  jwksUrl: 'JWKS_URL',
  documentsBucket: 'DOCUMENTS_BUCKET',
  /**
   * The render function: api-read asks it for an invoice's current document (GET /v1/invoices/{id}/pdf), deliver for
   * the PDF of each email.
   */
  renderFunctionName: 'RENDER_FUNCTION_NAME',
  documentsKeyArn: 'DOCUMENTS_KEY_ARN',
  mailFrom: 'MAIL_FROM',
  /** The Object-Locked bucket the backup function writes change batches to, and the KMS key it encrypts them with. */
  backupBucket: 'BACKUP_BUCKET',
  backupKeyArn: 'BACKUP_KEY_ARN',
  /** The asymmetric KMS key that signs the audit chain's checkpoints (chain signs; api-read and ops verify). */
  auditKeyArn: 'AUDIT_KEY_ARN',
  /** The SNS topic operations receive alerts on. */
  alertTopicArn: 'ALERT_TOPIC_ARN',
} as const;

export type ConfigName = keyof typeof envNames;
export type Config<Name extends ConfigName> = { readonly [Key in Name]: string };

/** Reads exactly the named settings; throws naming the first one that is missing or empty. */
export function readConfig<const Names extends readonly ConfigName[]>(
  names: Names,
  env: NodeJS.ProcessEnv = process.env,
): Config<Names[number]> {
  const config: Partial<Record<ConfigName, string>> = {};
  for (const name of names) {
    const variable = envNames[name];
    const value = env[variable];
    if (value === undefined || value === '') {
      throw new MissingConfigurationError(`environment variable ${variable} is required but not set`);
    }
    config[name] = value;
  }
  return config as Config<Names[number]>;
}

/**
 * Optional numeric settings — caps and timings with a sane default, unlike resource names, which have none. Read
 * once at start like the rest; a value that is set but not a whole number within bounds throws, naming it.
 */
export const tuningNames = {
  sendLimitPerInvoice: 'SEND_LIMIT_PER_INVOICE',
  sendLimitPerInvoiceWindowSeconds: 'SEND_LIMIT_PER_INVOICE_WINDOW_SECONDS',
  sendLimitPerTenantPerHour: 'SEND_LIMIT_PER_TENANT_PER_HOUR',
  deliveryLeaseSeconds: 'DELIVERY_LEASE_SECONDS',
  deliveryRetryFirstDelaySeconds: 'DELIVERY_RETRY_FIRST_DELAY_SECONDS',
  deliveryRetryMaxDelaySeconds: 'DELIVERY_RETRY_MAX_DELAY_SECONDS',
  deliveryRetryWindowSeconds: 'DELIVERY_RETRY_WINDOW_SECONDS',
} as const;

export class InvalidConfigurationError extends Error {
  override readonly name = 'InvalidConfigurationError';
}

export function readTuning(
  name: keyof typeof tuningNames,
  fallback: number,
  bounds: { readonly min: number; readonly max: number },
  env: NodeJS.ProcessEnv = process.env,
): number {
  const variable = tuningNames[name];
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw new InvalidConfigurationError(
      `environment variable ${variable} is "${raw}"; use a whole number from ${bounds.min} to ${bounds.max}, or leave it unset for ${fallback}`,
    );
  }
  return value;
}
