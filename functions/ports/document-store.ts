// port: keeps rendered documents (invoice PDFs).

export interface DocumentStore {
  /** Object keys hold ids only, never personal data; metadata likewise. */
  put(key: string, content: Uint8Array, contentType: string): Promise<void>;
}

/** A document store that can also say whether a document is there and hand out a short-lived link to it. */
export interface DocumentLibrary extends DocumentStore {
  exists(key: string): Promise<boolean>;
  /** A URL anyone holding it can GET the document from until it expires; it downloads as `filename`. */
  temporaryLink(
    key: string,
    expiresInSeconds: number,
    download: { readonly filename: string },
  ): Promise<string>;
}
