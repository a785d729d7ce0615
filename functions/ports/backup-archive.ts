// port: the write-once store of backup objects (an Object-Locked bucket on AWS).
import type { BackupSource } from '../platform/key-layout';

export interface BackupArchive {
  /**
   * Stores `content` under `key` unless an object of that name exists already: resolves `written` or `exists`.
   * Never replaces, never deletes, never changes a retention.
   */
  putOnce(key: string, content: Uint8Array): Promise<'written' | 'exists'>;
}

/** Reading the archive back, for a restore. */
export interface BackupLibrary {
  /**
   * Every backup object of `source` — every version, not only the current one, so an object hidden behind a
   * delete marker is still restored — oldest first. Each entry names one object version.
   */
  list(source: BackupSource): Promise<readonly BackupObjectVersion[]>;
  read(version: BackupObjectVersion): Promise<Uint8Array>;
}

export interface BackupObjectVersion {
  readonly key: string;
  readonly versionId?: string;
}
