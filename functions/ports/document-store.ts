// port: keeps rendered documents (invoice PDFs) and hands out short-lived links to them.

export interface DocumentStore {
  /** Object keys hold ids only, never personal data; metadata likewise. */
  put(key: string, content: Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  /** A link that works for `expiresInSeconds`, for the business to download the document. */
  temporaryLink(key: string, expiresInSeconds: number): Promise<string>;
}
