// The SDK clients the functions get skip the SDK's log filter, a schema walk of every request and answer that
// its default (silent) logger pays for and then drops.
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { AwsClientFactory, dynamoDbClient } from '../../functions/adapters/aws-clients';

const settings = {
  region: 'eu-central-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  endpoints: { dynamodb: 'http://127.0.0.1:1' },
};

/** An answer from no network: a GetItem that found one item. */
const answering = {
  handle: async () => ({
    response: {
      statusCode: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: Buffer.from(JSON.stringify({ Item: { pk: { S: 'a' }, name: { S: 'Ada' } } })),
    },
  }),
};

/** How often the SDK ran its log filters during one GetItem through `client`. */
async function filterRuns(client: DynamoDBClient): Promise<number> {
  let runs = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const counted = (filter: ((value: unknown) => unknown) | undefined) => (value: unknown) => {
        runs += 1;
        return filter?.(value) ?? value;
      };
      context.inputFilterSensitiveLog = counted(context.inputFilterSensitiveLog);
      context.outputFilterSensitiveLog = counted(context.outputFilterSensitiveLog);
      return next(args);
    },
    { step: 'initialize', priority: 'high', name: 'countLogFilters' },
  );
  const { Item: item } = await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
  expect(item).toEqual({ pk: { S: 'a' }, name: { S: 'Ada' } });
  return runs;
}

describe('AWS SDK clients', () => {
  it('run no log filter on a call, where the SDK default logger runs one on its input and one on its answer', async () => {
    const factory = new AwsClientFactory(settings);
    const ours = dynamoDbClient(factory);
    ours.config.requestHandler = answering as never;
    expect(await filterRuns(ours)).toBe(0);

    const { logger: _ours, ...withoutLogger } = factory.config('dynamodb');
    const sdkDefault = new DynamoDBClient(withoutLogger);
    sdkDefault.config.requestHandler = answering as never;
    expect(await filterRuns(sdkDefault)).toBe(2);
  });
});
