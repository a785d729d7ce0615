// port: the write-once store of backup objects (an Object-Locked bucket on AWS).

export interface BackupArchive {
  /**
   * Stores `content` under `key` unless an object of that name exists already: resolves `written` or `exists`.
   * Never replaces, never deletes, never changes a retention.
   */
  putOnce(key: string, content: Uint8Array): Promise<'written' | 'exists'>;
}
