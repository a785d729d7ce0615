// port: keeps rendered documents (invoice PDFs).

export interface DocumentStore {
  /** Object keys hold ids only, never personal data; metadata likewise. */
  put(key: string, content: Uint8Array, contentType: string): Promise<void>;
}
