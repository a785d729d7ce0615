// platform: the composition root of api-write — the ledger (one transaction per change), the idempotency
// store, and the readers a use case plans with.
import { DynamoDbCustomerRepository } from '../../adapters/dynamodb-customer-repository';
import { DynamoDbIdempotencyStore } from '../../adapters/dynamodb-idempotency-store';
import { DynamoDbLedger } from '../../adapters/dynamodb-ledger';
import type { ApiWriteDependencies } from '../../api-write/handler';
import { emailIndexPurpose, normalizeEmail } from '../../domain/customer';
import { readSendLimits } from '../tuning';
import { blindIndex, type ConfigOf, type Runtime, sealedRecords } from './runtime';

export function composeApiWrite(
  config: ConfigOf<'api-write'>,
  runtime: Runtime,
  env: NodeJS.ProcessEnv = process.env,
): ApiWriteDependencies {
  const { table, invoices, sellers } = sealedRecords(config, runtime);
  const blindIndexer = blindIndex(config, runtime);
  return {
    invoices,
    sellers,
    customers: new DynamoDbCustomerRepository({ ...table, blindIndexer }),
    ledger: new DynamoDbLedger({
      ...table,
      emailDigest: (tenantId, email) =>
        blindIndexer.digest(tenantId, emailIndexPurpose, normalizeEmail(email)),
    }),
    idempotency: new DynamoDbIdempotencyStore(table),
    signals: runtime.signals,
    observability: runtime.observability,
    sendLimits: readSendLimits(env),
  };
}
