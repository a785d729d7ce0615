// adapter (memory): BackupArchive in memory — write-once by name, like the conditional PUT into the locked bucket.
import type { BackupArchive } from '../../ports/backup-archive';
import { Faults } from './faults';

export class MemoryBackupArchive implements BackupArchive {
  readonly faults = new Faults();
  readonly objects = new Map<string, Uint8Array>();

  async putOnce(key: string, content: Uint8Array): Promise<'written' | 'exists'> {
    await this.faults.enter('putOnce');
    if (this.objects.has(key)) return 'exists';
    this.objects.set(key, new Uint8Array(content));
    return 'written';
  }
}
