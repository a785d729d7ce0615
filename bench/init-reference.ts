// bench: the reference bundle of bench/bundle-init.bench.ts — the DynamoDB client and a trivial handler, nothing else:
// the least a function of ours could load. Built with the functions' own esbuild options.
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({});

export const handler = async (event: { readonly key: string }) =>
  client.send(new GetItemCommand({ TableName: 'reference', Key: { pk: { S: event.key } } }));
