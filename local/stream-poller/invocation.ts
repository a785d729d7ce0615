// local: one invocation of the stream function — a fresh Lambda event in, Lambda's reading of its answer out
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { localLambdaContext } from '../lambda-context';
import { errorName } from './lifecycle';
import type { StreamItem } from './records';
import type { StreamHandler } from './types';

export type InvocationOutcome =
  | { readonly kind: 'succeeded' }
  /** A valid `batchItemFailures` answer: every record before `firstFailedIndex` is done. */
  | { readonly kind: 'partially-failed'; readonly firstFailedIndex: number }
  /** The function threw, or its answer cannot be trusted: the whole batch failed. */
  | { readonly kind: 'failed'; readonly reason: string; readonly functionError: boolean };

/** The handlers do not read it for anything but logging; Lambda would say the configured timeout. */
const nominalTimeoutMs = 60_000;

/**
 * Lambda's rules for a stream function's answer: nothing, `{}` or an empty/null `batchItemFailures` is success;
 * an entry with a missing, empty or unknown `itemIdentifier` makes the whole batch a failure; otherwise the
 * lowest reported sequence number is the checkpoint.
 */
export function interpretResponse(response: unknown, records: readonly StreamItem[]): InvocationOutcome {
  if (response === undefined || response === null) {
    return { kind: 'succeeded' };
  }
  if (typeof response !== 'object' || Array.isArray(response)) {
    // Not a StreamsEventResponse at all: fail closed rather than checkpoint past records nobody vouched for.
    return { kind: 'failed', reason: 'invalid response', functionError: false };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null || (Array.isArray(failures) && failures.length === 0)) {
    return { kind: 'succeeded' };
  }
  if (!Array.isArray(failures)) {
    return { kind: 'failed', reason: 'invalid batchItemFailures', functionError: false };
  }
  let firstFailedIndex = records.length;
  for (const failure of failures) {
    const identifier = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index =
      typeof identifier === 'string' && identifier !== ''
        ? records.findIndex((item) => item.sequenceNumber === identifier)
        : -1;
    if (index === -1) {
      return { kind: 'failed', reason: 'itemIdentifier missing or not in the batch', functionError: false };
    }
    firstFailedIndex = Math.min(firstFailedIndex, index);
  }
  return { kind: 'partially-failed', firstFailedIndex };
}

export async function invokeStreamHandler(
  function_: { readonly handler: StreamHandler; readonly functionName: string; readonly region: string },
  records: readonly StreamItem[],
  requestId: string,
): Promise<InvocationOutcome> {
  // A fresh copy each time, as Lambda sends fresh JSON: a handler (or middleware) that mutates the event
  // must not change what a retry sees.
  const event: DynamoDBStreamEvent = { Records: structuredClone(records.map((item) => item.record)) };
  const context = localLambdaContext({
    functionName: function_.functionName,
    requestId,
    region: function_.region,
    timeoutMs: nominalTimeoutMs,
  });
  try {
    return interpretResponse(await function_.handler(event, context), records);
  } catch (error) {
    // Only the error's name: its message may quote record contents.
    return { kind: 'failed', reason: `function error ${errorName(error)}`, functionError: true };
  }
}
