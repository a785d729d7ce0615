// platform: reads each environment variable once, failing loudly when a required one is missing.

export class MissingConfigurationError extends Error {
  override readonly name = 'MissingConfigurationError';
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new MissingConfigurationError(`environment variable ${name} is required but not set`);
  }
  return value;
}

export function optionalEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Names of the environment variables the functions read; CDK constructs set them, local/ sets them too. */
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
  documentsKeyArn: 'DOCUMENTS_KEY_ARN',
  mailFrom: 'MAIL_FROM',
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE',
} as const;
