// port: where a restore writes the backed-up items, and how it proves what it wrote.
import type { AttributeValue } from 'aws-lambda';
import type { SignedCheckpoint } from '../domain/audit-chain';

/** An item exactly as the table stored it (DynamoDB JSON, binary attributes as base64 text). */
export type StoredItem = Readonly<Record<string, AttributeValue>>;

/** The target table holds items already: a restore never mixes into live data. */
export class TargetNotEmptyError extends Error {
  override readonly name = 'TargetNotEmptyError';
}

export interface RestoreTarget {
  readonly tableName: string;
  /** Creates the table with the source table's definition if missing; throws TargetNotEmptyError if not empty. */
  prepare(): Promise<void>;
  write(items: readonly StoredItem[]): Promise<void>;
}

export interface RestoreVerification {
  /** Items read back from the restored table, by entity type. */
  readonly counts: Readonly<Record<string, number>>;
  /** Sealed records opened and checked against their encryption context and digest. */
  readonly sealedChecked: number;
  /**
   * Audit chains recomputed, one per tenant, from the first event to the backed-up head, through every signed
   * checkpoint the backups ever held (also those since deleted from the table).
   */
  readonly chains: readonly {
    readonly tenantId: string;
    readonly valid: boolean;
    readonly checked: number;
    /** Signed checkpoints whose signature and hash were checked. */
    readonly checkpoints: number;
    /** Entries written but not chained as of the restored moment. */
    readonly pending: number;
    readonly reason?: string;
  }[];
  /** What failed, by item key and reason (ids only). Empty when everything verified. */
  readonly failures: readonly string[];
}

export interface RestoreVerifier {
  /** `anchors`: every signed checkpoint found in the backups up to the restored moment. */
  verify(
    onProgress?: (checked: number) => void,
    anchors?: readonly SignedCheckpoint[],
  ): Promise<RestoreVerification>;
}
