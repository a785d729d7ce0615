// platform: the composition root of deliver — invoice readers, the delivery tracker, the render function (which
// draws the PDF, so pdfkit stays out of this bundle), the documents bucket and the mail service.
import { documentClient, lambdaClient, s3Client, sesClient } from '../../adapters/aws-clients';
import { DynamoDbDeliveryReminders } from '../../adapters/dynamodb-delivery-reminders';
import { DynamoDbDeliveryTracker } from '../../adapters/dynamodb-delivery-tracker';
import { LambdaInvoiceRenderer } from '../../adapters/lambda-invoice-renderer';
import { S3DocumentStore } from '../../adapters/s3-document-store';
import { SesV2Mailer } from '../../adapters/sesv2-mailer';
import type { DeliverDependencies } from '../../deliver/handler';
import { timedMailer } from '../timed-mailer';
import { readDeliveryTuning } from '../tuning';
import type { ConfigOf, Runtime } from './runtime';
import { sealedRecords } from './sealed-records';

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
    tracker: new DynamoDbDeliveryTracker({ tableName: config.tableName, client: documentClient(clients) }),
    reminders: new DynamoDbDeliveryReminders({
      tableName: config.tableName,
      client: documentClient(clients),
    }),
    renderer: new LambdaInvoiceRenderer({
      client: lambdaClient(clients),
      functionName: config.renderFunctionName,
    }),
    documents: new S3DocumentStore({
      client: s3Client(clients),
      bucket: config.documentsBucket,
      kmsKeyArn: config.documentsKeyArn,
    }),
    mailer: timedMailer(new SesV2Mailer({ client: sesClient(clients) }), runtime.observability.metrics),
    fromAddress: config.mailFrom,
    signals: runtime.signals,
    observability: runtime.observability,
    ...readDeliveryTuning(env),
  };
}
