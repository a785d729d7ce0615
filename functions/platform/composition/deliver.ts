// platform: the composition root of deliver — invoice readers, the delivery tracker, the PDF renderer, the
// documents bucket and the mail service.
import { DynamoDbDeliveryReminders } from '../../adapters/dynamodb-delivery-reminders';
import { DynamoDbDeliveryTracker } from '../../adapters/dynamodb-delivery-tracker';
import { PdfKitInvoiceRenderer } from '../../adapters/pdfkit-invoice-renderer';
import { S3DocumentStore } from '../../adapters/s3-document-store';
import { SesV2Mailer } from '../../adapters/sesv2-mailer';
import type { DeliverDependencies } from '../../deliver/handler';
import { readDeliveryTuning } from '../tuning';
import { type ConfigOf, type Runtime, sealedRecords } from './runtime';

export function composeDeliver(
  config: ConfigOf<'deliver'>,
  runtime: Runtime,
  env: NodeJS.ProcessEnv = process.env,
): DeliverDependencies {
  const { invoices, sellers } = sealedRecords(config, runtime);
  const { clients } = runtime;
  return {
    invoices,
    sellers,
    tracker: new DynamoDbDeliveryTracker({ tableName: config.tableName, client: clients.documents }),
    reminders: new DynamoDbDeliveryReminders({ tableName: config.tableName, client: clients.documents }),
    renderer: new PdfKitInvoiceRenderer(),
    documents: new S3DocumentStore({
      client: clients.s3,
      bucket: config.documentsBucket,
      kmsKeyArn: config.documentsKeyArn,
    }),
    mailer: new SesV2Mailer({ client: clients.ses }),
    fromAddress: config.mailFrom,
    signals: runtime.signals,
    observability: runtime.observability,
    ...readDeliveryTuning(env),
  };
}
