// platform: the composition root of render — invoice readers, the PDF renderer and the documents bucket.
import { s3Client } from '../../adapters/aws-clients';
import { PdfKitInvoiceRenderer } from '../../adapters/pdfkit-invoice-renderer';
import { S3DocumentStore } from '../../adapters/s3-document-store';
import type { RenderDependencies } from '../../render/handler';
import type { ConfigOf, Runtime } from './runtime';
import { sealedRecords } from './sealed-records';

export function composeRender(config: ConfigOf<'render'>, runtime: Runtime): RenderDependencies {
  const { invoices, sellers } = sealedRecords(config, runtime);
  return {
    invoices,
    sellers,
    renderer: new PdfKitInvoiceRenderer(),
    documents: new S3DocumentStore({
      client: s3Client(runtime.clients),
      bucket: config.documentsBucket,
      kmsKeyArn: config.documentsKeyArn,
    }),
    observability: runtime.observability,
  };
}
