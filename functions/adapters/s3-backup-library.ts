// adapter: S3 → BackupLibrary. Lists every object VERSION under the source's prefix, so a delete marker (the most
// an attacker can add to a locked bucket) hides nothing from a restore.
import { GetObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BackupSource, backupObjectPrefix } from '../platform/key-layout';
import type { BackupLibrary, BackupObjectVersion } from '../ports/backup-archive';

export class S3BackupLibrary implements BackupLibrary {
  constructor(private readonly options: { readonly client: S3Client; readonly bucket: string }) {}

  async list(source: BackupSource): Promise<readonly BackupObjectVersion[]> {
    const found: (BackupObjectVersion & { readonly modified: number })[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.options.client.send(
        new ListObjectVersionsCommand({
          Bucket: this.options.bucket,
          Prefix: `${backupObjectPrefix}${source}/`,
          ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
          ...(versionIdMarker === undefined ? {} : { VersionIdMarker: versionIdMarker }),
        }),
      );
      for (const version of page.Versions ?? []) {
        if (version.Key === undefined) continue;
        found.push({
          key: version.Key,
          ...(version.VersionId === undefined || version.VersionId === 'null'
            ? {}
            : { versionId: version.VersionId }),
          modified: version.LastModified?.getTime() ?? 0,
        });
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    return found
      .sort((a, b) => a.modified - b.modified)
      .map(({ key, versionId }) => ({ key, ...(versionId ? { versionId } : {}) }));
  }

  async read(version: BackupObjectVersion): Promise<Uint8Array> {
    const object = await this.options.client.send(
      new GetObjectCommand({
        Bucket: this.options.bucket,
        Key: version.key,
        ...(version.versionId === undefined ? {} : { VersionId: version.versionId }),
      }),
    );
    if (object.Body === undefined) throw new Error(`backup object ${version.key} has no body`);
    return object.Body.transformToByteArray();
  }
}
