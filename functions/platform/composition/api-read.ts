// platform: the composition root of api-read — sealed-record readers, the blind index, and the render function
// it asks for PDF links (pdfkit stays out of this bundle).
import { kmsClient, lambdaClient } from '../../adapters/aws-clients';
import { DynamoDbAuditTrail } from '../../adapters/dynamodb-audit-trail';
import { DynamoDbCustomerRepository } from '../../adapters/dynamodb-customer-repository';
import { KmsCheckpointVerifier } from '../../adapters/kms-checkpoint-signer';
import { LambdaInvoiceDocumentLinks } from '../../adapters/lambda-invoice-document-links';
import type { ApiReadDependencies } from '../../api-read/handler';
import type { ConfigOf, Runtime } from './runtime';
import { blindIndex, sealedRecords } from './sealed-records';

export function composeApiRead(config: ConfigOf<'api-read'>, runtime: Runtime): ApiReadDependencies {
  const { table, invoices, sellers } = sealedRecords(config, runtime);
  return {
    invoices,
    sellers,
    customers: new DynamoDbCustomerRepository({ ...table, blindIndexer: blindIndex(config, runtime) }),
    auditTrail: new DynamoDbAuditTrail(table),
    documentLinks: new LambdaInvoiceDocumentLinks({
      client: () => lambdaClient(runtime.clients),
      functionName: config.renderFunctionName,
    }),
    checkpoints: new KmsCheckpointVerifier({ keyArn: config.auditKeyArn, kms: kmsClient(runtime.clients) }),
    signals: runtime.signals,
    observability: runtime.observability,
  };
}
