// platform: the composition root, part 1 — what every function instance is built on (SDK clients,
// observability, where security signals go); sealed-records.ts holds the adapters several functions share. One
// file per function beside these builds that function's dependencies, so a Lambda bundle holds only the adapters
// it uses (nothing here may import an adapter a function could do without: the authorizer imports this file).
// The Lambda modules (`<entry>/lambda.ts`) call them with the runtime's environment; local/ with the emulators'.
import { AwsClientFactory, type AwsClientSettings } from '../../adapters/aws-clients';
import type { SecuritySignals } from '../../ports/security-signals';
import type { Config } from '../config';
import {
  createObservability,
  LoggedSecuritySignals,
  type Observability,
  type ObservabilityOptions,
} from '../observability';

export interface Runtime {
  readonly clients: AwsClientFactory;
  readonly observability: Observability;
  readonly signals: SecuritySignals;
}

/**
 * The runtime of one function instance. On Lambda the observability options are empty (service name and namespace
 * come from the POWERTOOLS_* variables; region, credentials and endpoints from the Lambda environment), and `aws`
 * carries at most the tracer's capture (tracing.ts).
 */
export function createRuntime(
  observabilityOptions: ObservabilityOptions = {},
  aws: AwsClientSettings = {},
): Runtime {
  const observability = createObservability(observabilityOptions);
  const clients = new AwsClientFactory(aws);
  return { clients, observability, signals: new LoggedSecuritySignals(observability) };
}

/** The settings each function reads (CDK sets exactly these; an infra test checks the two agree). */
export const configNames = {
  authorizer: ['tableName', 'jwtIssuer', 'jwksUrl'],
  'api-read': [
    'tableName',
    'keyStoreTable',
    'dataKeyArn',
    'blindIndexKeyArn',
    'renderFunctionName',
    'auditKeyArn',
  ],
  'api-write': ['tableName', 'keyStoreTable', 'dataKeyArn', 'blindIndexKeyArn'],
  deliver: [
    'tableName',
    'keyStoreTable',
    'dataKeyArn',
    'documentsBucket',
    'documentsKeyArn',
    'mailFrom',
    'renderFunctionName',
  ],
  render: ['tableName', 'keyStoreTable', 'dataKeyArn', 'documentsBucket', 'documentsKeyArn'],
  // The table names only tell the two streams apart: backup reads neither table, only their streams.
  backup: ['tableName', 'keyStoreTable', 'backupBucket', 'backupKeyArn'],
  detect: ['tableName', 'alertTopicArn'],
  chain: ['tableName', 'auditKeyArn'],
} as const;
export type ConfigOf<Function extends keyof typeof configNames> = Config<
  (typeof configNames)[Function][number]
>;
