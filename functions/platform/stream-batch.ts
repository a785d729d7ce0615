// platform: the failure semantics every per-record stream consumer shares — each record gets its attempt,
// passing trouble is reported as a batch item failure (the event source mapping retries from there), and a
// record that cannot be processed as it is fails the invocation so the mapping bisects it out to the
// on-failure queue. Paired with the mapping settings in stream-source.ts.
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { IntegrityError } from '../ports/sealer';

/** The record is not what this consumer can ever process (wrong shape, keys that disagree). */
export class PoisonRecordError extends Error {
  override readonly name = 'PoisonRecordError';
}

export interface RecordOutcome {
  readonly retry: boolean;
}

export interface StreamBatchOptions {
  /** Processes one record; `retry: true` asks the mapping to deliver it (and everything after it) again. */
  readonly process: (record: DynamoDBRecord) => Promise<RecordOutcome>;
  /**
   * Told of every record that failed: by name, with a `detail` only from errors whose messages we write to hold
   * ids and kinds, never data (a poison record's paths, an integrity failure's entity), else the cause's name —
   * enough to tell an edited invoice from a decrypt failure without quoting what they failed on.
   */
  readonly onFailure: (failure: {
    readonly sequenceNumber: string;
    readonly errorName: string;
    readonly detail?: string;
    readonly retryable: boolean;
  }) => void;
}

export async function processStreamBatch(
  event: DynamoDBStreamEvent,
  options: StreamBatchOptions,
): Promise<DynamoDBBatchResponse> {
  const transient: string[] = [];
  let permanent = 0;
  for (const record of event.Records) {
    const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
    try {
      const outcome = await options.process(record);
      if (outcome.retry) transient.push(sequenceNumber);
    } catch (error) {
      options.onFailure({
        sequenceNumber,
        errorName: (error as Error).name,
        ...detailOf(error),
        retryable: false,
      });
      permanent += 1;
    }
  }
  // The others are already processed and their retries are no-ops (consumers are idempotent).
  if (permanent > 0) throw new Error(`${permanent} stream record(s) could not be processed`);
  // Only passing trouble left: retry from the first such record.
  return { batchItemFailures: transient.map((itemIdentifier) => ({ itemIdentifier })) };
}

function detailOf(error: unknown): { detail?: string } {
  if (error instanceof PoisonRecordError || error instanceof IntegrityError) return { detail: error.message };
  const cause = (error as { cause?: { name?: unknown } } | null)?.cause?.name;
  return typeof cause === 'string' ? { detail: `caused by ${cause}` } : {};
}
