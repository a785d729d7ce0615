// bundling stand-in: @noble/ciphers/aes, replaced in Lambda bundles (lib/bundling/options.ts). pdfkit calls AES
// only to encrypt a document given a user or owner password (PDF security handler, AES-128/256); the invoice
// renderer writes unencrypted PDFs (functions/adapters/pdfkit-invoice-renderer.ts) — the documents bucket encrypts
// them at rest under KMS — so these never run, while the real module computes its AES tables at load.

export class PdfEncryptionNotBundledError extends Error {
  override readonly name = 'PdfEncryptionNotBundledError';
}

const refuse = (): never => {
  throw new PdfEncryptionNotBundledError(
    'password-protected PDFs are not supported in Lambda bundles: @noble/ciphers/aes is replaced by lib/bundling/unencrypted-pdfs-only.ts',
  );
};

/** pdfkit's two uses: AES-CBC for content streams and strings, AES-ECB for the AES-256 file key. */
export const cbc = refuse;
export const ecb = refuse;
