// local: stream records — what the DynamoDB Streams API returns, converted to the record Lambda puts in `event.Records`
import type {
  _Record as SdkStreamRecord,
  AttributeValue as StreamAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';

/** A record in the shape Lambda sends, with the two fields the poller keeps consulting pulled out. */
export interface StreamItem {
  readonly record: DynamoDBRecord;
  readonly sequenceNumber: string;
  /** Epoch seconds; DynamoDB Local rounds them down to the minute, so local records look up to 59 s older. */
  readonly createdAtSeconds: number;
}

/** The SDK decodes binary attributes; Lambda sends them as base64 text, as the wire format has them. */
function toLambdaAttribute(value: StreamAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map((bytes) => Buffer.from(bytes).toString('base64')) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttribute) };
  throw new Error(`stream record holds an attribute type this poller does not know: ${Object.keys(value)}`);
}

function toLambdaImage(image: Record<string, StreamAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaAttribute(value)]));
}

/** Converts what the Streams API returns into the record Lambda puts in `event.Records`. */
export function toStreamItem(record: SdkStreamRecord, streamArn: string, region: string): StreamItem {
  const change = record.dynamodb;
  const sequenceNumber = change?.SequenceNumber;
  if (change === undefined || sequenceNumber === undefined) {
    throw new Error(`stream record ${record.eventID ?? '(no id)'} has no sequence number`);
  }
  // The SDK parses the timestamp into a Date; Lambda sends epoch seconds.
  const createdAtSeconds = Math.floor((change.ApproximateCreationDateTime?.getTime() ?? Date.now()) / 1000);
  const lambdaRecord: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ApproximateCreationDateTime: createdAtSeconds,
      ...(change.Keys === undefined ? {} : { Keys: toLambdaImage(change.Keys) }),
      ...(change.NewImage === undefined ? {} : { NewImage: toLambdaImage(change.NewImage) }),
      ...(change.OldImage === undefined ? {} : { OldImage: toLambdaImage(change.OldImage) }),
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
