// local: stream records — what the DynamoDB Streams API returns, converted to the record Lambda puts in `event.Records`
import type { DynamoDBRecord } from 'aws-lambda';
import type { WireStreamRecord } from './wire-records';

/** A record in the shape Lambda sends, with the two fields the poller keeps consulting pulled out. */
export interface StreamItem {
  readonly record: DynamoDBRecord;
  readonly sequenceNumber: string;
  /** Epoch seconds; DynamoDB Local rounds them down to the minute, so local records look up to 59 s older. */
  readonly createdAtSeconds: number;
}

/** Converts what the Streams API returns into the record Lambda puts in `event.Records`. */
export function toStreamItem(record: WireStreamRecord, streamArn: string, region: string): StreamItem {
  const change = record.dynamodb;
  const sequenceNumber = change?.SequenceNumber;
  if (change === undefined || sequenceNumber === undefined) {
    throw new Error(`stream record ${record.eventID ?? '(no id)'} has no sequence number`);
  }
  // Epoch seconds on the wire, as Lambda sends them (whole ones).
  const createdAtSeconds = Math.floor(change.ApproximateCreationDateTime ?? Date.now() / 1000);
  const lambdaRecord: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ApproximateCreationDateTime: createdAtSeconds,
      // The wire's images are Lambda's: DynamoDB JSON, binaries as base64 text.
      ...(change.Keys === undefined ? {} : { Keys: change.Keys }),
      ...(change.NewImage === undefined ? {} : { NewImage: change.NewImage }),
      ...(change.OldImage === undefined ? {} : { OldImage: change.OldImage }),
      SequenceNumber: sequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType,
    },
    eventSourceARN: streamArn,
    // Present only for deletions by TTL, as on AWS.
    ...(record.userIdentity === undefined
      ? {}
      : { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }),
  };
  return { record: lambdaRecord, sequenceNumber, createdAtSeconds };
}

/** For log lines: the first and last sequence number, never record contents. */
export function shortSequenceRange(records: readonly StreamItem[]): string {
  const first = records[0]?.sequenceNumber ?? '?';
  const last = records.at(-1)?.sequenceNumber ?? '?';
  return first === last ? first : `${first}..${last}`;
}
