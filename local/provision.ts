// local: creates the table, keys and demo API clients in the emulators, from the same definitions the
// CDK constructs use (table-definition.ts), idempotently so a restart keeps what exists.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  type KeySpec,
  type KeyUsageType,
  KMSClient,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  keyStoreTableCreation,
  keyStoreTableDefinition,
  mainTableCreation,
  tableDefinition,
} from '../functions/platform/table-definition';

export interface ClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

async function tableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

export async function ensureTable(config: ClientConfig, tableName: string): Promise<void> {
  const client = new DynamoDBClient(config);
  if (await tableExists(client, tableName)) return;
  await client.send(new CreateTableCommand(mainTableCreation(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
    }),
  );
}

/**
 * The branch key store of the Encryption SDK's hierarchical keyring; its key schema is fixed by the SDK. Its stream
 * feeds the backups; a key store made by an earlier version without one gets it now.
 */
export async function ensureKeyStoreTable(config: ClientConfig, tableName: string): Promise<void> {
  const client = new DynamoDBClient(config);
  if (await tableExists(client, tableName)) {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (table?.StreamSpecification?.StreamEnabled !== true) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          StreamSpecification: {
            StreamEnabled: true,
            StreamViewType: keyStoreTableDefinition.streamViewType,
          },
        }),
      );
    }
    return;
  }
  await client.send(new CreateTableCommand(keyStoreTableCreation(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
}

/** Finds the key behind an alias, creating both when missing; returns the key ARN. */
export async function ensureKey(
  config: ClientConfig,
  alias: string,
  spec: { readonly keySpec: KeySpec; readonly keyUsage: KeyUsageType; readonly description: string },
): Promise<string> {
  const client = new KMSClient(config);
  try {
    const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: alias }));
    if (KeyMetadata?.Arn) return KeyMetadata.Arn;
  } catch (error) {
    if (!(error instanceof NotFoundException)) throw error;
  }
  const { KeyMetadata } = await client.send(
    new CreateKeyCommand({ KeySpec: spec.keySpec, KeyUsage: spec.keyUsage, Description: spec.description }),
  );
  if (!KeyMetadata?.Arn || !KeyMetadata.KeyId) throw new Error(`KMS emulator returned no key for ${alias}`);
  await client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata.KeyId }));
  return KeyMetadata.Arn;
}

export async function ensureBucket(config: ClientConfig, bucket: string): Promise<void> {
  const client = new S3Client({ ...config, forcePathStyle: true });
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

/** Returns the queue URL, creating the queue when missing (CreateQueue is idempotent for equal attributes). */
export async function ensureQueue(config: ClientConfig, name: string): Promise<{ url: string; arn: string }> {
  const client = new SQSClient(config);
  const { QueueUrl: url } = await client.send(new CreateQueueCommand({ QueueName: name }));
  if (url === undefined) throw new Error(`SQS emulator returned no URL for ${name}`);
  const { Attributes: attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: attributes?.QueueArn ?? '' };
}

/**
 * The alerts topic and the ops inbox subscribed to it with raw delivery, so each message body is one alert (as
 * DESIGN.md's `queues.alerts` promises). fauxqs keeps both in memory: they are made anew at every start.
 */
export async function ensureAlertTopic(
  config: ClientConfig,
  topicName: string,
  queueName: string,
): Promise<{ readonly topicArn: string; readonly queueUrl: string }> {
  const queue = await ensureQueue(config, queueName);
  const sns = new SNSClient(config);
  const { TopicArn: topicArn } = await sns.send(new CreateTopicCommand({ Name: topicName }));
  if (topicArn === undefined) throw new Error(`SNS emulator returned no ARN for ${topicName}`);
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return { topicArn, queueUrl: queue.url };
}
