// platform: the composition root of api-read — sealed-record readers, the blind index, the PDF renderer.
import { DynamoDbAuditTrail } from '../../adapters/dynamodb-audit-trail';
import { DynamoDbCustomerRepository } from '../../adapters/dynamodb-customer-repository';
import { KmsCheckpointVerifier } from '../../adapters/kms-checkpoint-signer';
import { PdfKitInvoiceRenderer } from '../../adapters/pdfkit-invoice-renderer';
import type { ApiReadDependencies } from '../../api-read/handler';
import { blindIndex, type ConfigOf, type Runtime, sealedRecords } from './runtime';

export function composeApiRead(config: ConfigOf<'api-read'>, runtime: Runtime): ApiReadDependencies {
  const { table, invoices, sellers } = sealedRecords(config, runtime);
  return {
    invoices,
    sellers,
    customers: new DynamoDbCustomerRepository({ ...table, blindIndexer: blindIndex(config, runtime) }),
    auditTrail: new DynamoDbAuditTrail(table),
    checkpoints: new KmsCheckpointVerifier({ keyArn: config.auditKeyArn, kms: runtime.clients.kms }),
    renderer: new PdfKitInvoiceRenderer(),
    signals: runtime.signals,
    observability: runtime.observability,
  };
}
