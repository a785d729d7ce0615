// test: each local emulator starts on a free port, answers the real AWS SDK, listens on loopback only and stops
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  clearSentEmails,
  emulatorClientConfig,
  JavaRuntimeRequirementError,
  listeningAddresses,
  listSentEmails,
  type RunningDynamoDb,
  type RunningEmulator,
  type RunningSes,
  startDynamoDb,
  startSes,
  startSnsSqs,
} from '../../local/emulators';

const loopbackAddresses = ['127.0.0.1', '0:0:0:0:0:0:0:1'];
const javaStartTimeoutMs = 90_000;

function portOf(endpoint: string): number {
  return Number(new URL(endpoint).port);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) {
      return true;
    }
    await sleep(100);
  }
  return condition();
}

function temporaryDirectory(purpose: string): string {
  return mkdtempSync(join(tmpdir(), `ledgerlock-${purpose}-`));
}

describe('local emulators', () => {
  const directoriesToRemove: string[] = [];
  afterAll(() => {
    for (const directory of directoriesToRemove) {
      rmSync(directory, { recursive: true, force: true });
    }
  });
  const newDirectory = (purpose: string): string => {
    const directory = temporaryDirectory(purpose);
    directoriesToRemove.push(directory);
    return directory;
  };

  describe('DynamoDB Local (in memory)', () => {
    let dynamoDb: RunningDynamoDb;
    let client: DynamoDBClient;

    beforeAll(async () => {
      dynamoDb = await startDynamoDb({ port: 0 });
      client = new DynamoDBClient(emulatorClientConfig(dynamoDb.endpoint));
    }, javaStartTimeoutMs);

    afterAll(async () => {
      client?.destroy();
      await dynamoDb?.stop();
    });

    it('creates a table with a stream and round-trips an item', async () => {
      await client.send(
        new CreateTableCommand({
          TableName: 'invoices',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        }),
      );
      await client.send(
        new PutItemCommand({ TableName: 'invoices', Item: { pk: { S: 'tenant#1' }, total: { N: '28560' } } }),
      );

      const read = await client.send(
        new GetItemCommand({ TableName: 'invoices', Key: { pk: { S: 'tenant#1' } } }),
      );

      expect(read.Item).toEqual({ pk: { S: 'tenant#1' }, total: { N: '28560' } });
    });

    it('serves the DynamoDB Streams API on the same endpoint', async () => {
      const streams = new DynamoDBStreamsClient(emulatorClientConfig(dynamoDb.endpoint));
      try {
        const { Streams } = await streams.send(new ListStreamsCommand({ TableName: 'invoices' }));
        const streamArn = Streams?.[0]?.StreamArn;
        expect(streamArn).toBeDefined();
        const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
        const shardId = StreamDescription?.Shards?.[0]?.ShardId;
        const { ShardIterator } = await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        );

        const records: StreamRecord[] = [];
        let iterator = ShardIterator;
        await waitUntil(async () => {
          const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
          records.push(...(page.Records ?? []));
          iterator = page.NextShardIterator;
          return records.length > 0;
        }, 10_000);

        expect(records[0]?.eventName).toBe('INSERT');
        expect(records[0]?.dynamodb?.NewImage).toEqual({ pk: { S: 'tenant#1' }, total: { N: '28560' } });
      } finally {
        streams.destroy();
      }
    });

    it('shows every region and access key the same tables (-sharedDb)', async () => {
      const otherIdentity = new DynamoDBClient({
        ...emulatorClientConfig(dynamoDb.endpoint),
        region: 'us-west-2',
        credentials: { accessKeyId: 'SOMEONEELSE', secretAccessKey: 'other-secret' },
      });
      try {
        const { TableNames } = await otherIdentity.send(new ListTablesCommand({}));

        expect(TableNames).toContain('invoices');
      } finally {
        otherIdentity.destroy();
      }
    });

    it('listens on 127.0.0.1 only', () => {
      expect(dynamoDb.loopbackOnly).toBe(true);
      const addresses = listeningAddresses(portOf(dynamoDb.endpoint));
      expect(addresses.length).toBeGreaterThan(0);
      expect(addresses.every((address) => loopbackAddresses.includes(address))).toBe(true);
    });
  });

  describe('DynamoDB Local (lifecycle)', () => {
    it(
      'keeps tables and items across a restart when given a data directory, and stop() ends java',
      async () => {
        const dataDir = newDirectory('dynamodb');
        const first = await startDynamoDb({ port: 0, dataDir, logFile: join(dataDir, 'dynamodb.log') });
        const firstClient = new DynamoDBClient(emulatorClientConfig(first.endpoint));
        await firstClient.send(
          new CreateTableCommand({
            TableName: 'kept',
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
        await firstClient.send(new PutItemCommand({ TableName: 'kept', Item: { pk: { S: 'a' } } }));
        firstClient.destroy();
        await first.stop();
        expect(isProcessAlive(first.pid)).toBe(false);

        const second = await startDynamoDb({ port: 0, dataDir });
        const secondClient = new DynamoDBClient(emulatorClientConfig(second.endpoint));
        try {
          const read = await secondClient.send(
            new GetItemCommand({ TableName: 'kept', Key: { pk: { S: 'a' } } }),
          );

          expect(read.Item).toEqual({ pk: { S: 'a' } });
          expect(existsSync(join(dataDir, 'shared-local-instance.db'))).toBe(true);
          expect(existsSync(join(dataDir, 'dynamodb.log'))).toBe(true);
        } finally {
          secondClient.destroy();
          await second.stop();
        }
      },
      2 * javaStartTimeoutMs,
    );

    it(
      'leaves no java process behind when its parent is killed with SIGKILL',
      async () => {
        // A separate Node process starts DynamoDB Local, reports java's pid, and is then killed outright:
        // no exit handler can run, so only the launcher's stdin watch can end java.
        const program = `
          const { startDynamoDb } = await import(${JSON.stringify(join(import.meta.dirname, '../../local/emulators/dynamodb.ts'))});
          const dynamoDb = await startDynamoDb({ port: 0 });
          process.stdout.write('pid=' + dynamoDb.pid + '\\n');
          setInterval(() => {}, 1000);
        `;
        const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const javaPid = await new Promise<number>((resolve, reject) => {
          let output = '';
          parent.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            const match = /pid=(\d+)/.exec(output);
            if (match?.[1] !== undefined) {
              resolve(Number(match[1]));
            }
          });
          parent.once('exit', (code) => reject(new Error(`parent exited early with ${code}`)));
        });
        expect(isProcessAlive(javaPid)).toBe(true);

        parent.kill('SIGKILL');

        expect(await waitUntil(() => !isProcessAlive(javaPid), 15_000)).toBe(true);
      },
      javaStartTimeoutMs,
    );

    it(
      'falls back to the plain jar when this Java cannot compile the loopback launcher',
      async () => {
        // A java that hides its jdk.compiler module, as a jlink-ed JRE would; `exec` keeps java our child.
        const javaWithoutCompiler = join(newDirectory('jre-only'), 'java');
        writeFileSync(
          javaWithoutCompiler,
          '#!/bin/sh\nif [ "$1" = "--list-modules" ]; then java --list-modules | grep -v "^jdk.compiler@"; exit 0; fi\nexec java "$@"\n',
        );
        chmodSync(javaWithoutCompiler, 0o755);

        const fallback = await startDynamoDb({ port: 0, javaCommand: javaWithoutCompiler });
        const fallbackClient = new DynamoDBClient(emulatorClientConfig(fallback.endpoint));
        try {
          const { TableNames } = await fallbackClient.send(new ListTablesCommand({}));

          expect(fallback.loopbackOnly).toBe(false);
          expect(TableNames).toEqual([]);
        } finally {
          fallbackClient.destroy();
          await fallback.stop();
        }
        expect(isProcessAlive(fallback.pid)).toBe(false);
      },
      javaStartTimeoutMs,
    );

    it('refuses to start without Java and says how to install it', async () => {
      await expect(startDynamoDb({ port: 0, javaCommand: join(tmpdir(), 'no-such-java') })).rejects.toThrow(
        JavaRuntimeRequirementError,
      );
      await expect(startDynamoDb({ port: 0, javaCommand: join(tmpdir(), 'no-such-java') })).rejects.toThrow(
        /DynamoDB Local needs Java 17 or newer.*apt-get install openjdk-17-jre-headless/,
      );
    });

    it('refuses Java older than 17', async () => {
      const fakeJava = join(newDirectory('old-java'), 'java');
      writeFileSync(fakeJava, '#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n');
      chmodSync(fakeJava, 0o755);

      await expect(startDynamoDb({ port: 0, javaCommand: fakeJava })).rejects.toThrow(
        /needs Java 17 or newer, but .* is "openjdk version "11.0.22" 2024-01-16"/,
      );
    });
  });

  describe('aws-ses-v2-local (SES v2)', () => {
    let ses: RunningSes;
    let client: SESv2Client;

    beforeAll(async () => {
      ses = await startSes({ port: 0 });
      client = new SESv2Client(emulatorClientConfig(ses.endpoint));
    });

    afterAll(async () => {
      client?.destroy();
      await ses?.stop();
    });

    beforeEach(async () => {
      await clearSentEmails(ses.endpoint);
    });

    it('stores a Content.Simple email where listSentEmails finds it', async () => {
      const sent = await client.send(
        new SendEmailCommand({
          FromEmailAddress: 'billing@ledgerlock.example',
          Destination: { ToAddresses: ['customer@example.com'] },
          Content: {
            Simple: { Subject: { Data: 'Invoice INV-1' }, Body: { Text: { Data: 'Please pay.' } } },
          },
        }),
      );

      const emails = await listSentEmails(ses.endpoint);

      expect(emails).toHaveLength(1);
      expect(emails[0]).toMatchObject({
        messageId: sent.MessageId,
        from: 'billing@ledgerlock.example',
        destination: { to: ['customer@example.com'] },
        subject: 'Invoice INV-1',
        body: { text: 'Please pay.' },
      });
    });

    it('stores a Content.Raw MIME email with its PDF attachment intact', async () => {
      const pdfBytes = Buffer.concat([
        Buffer.from('%PDF-1.7\n'),
        Buffer.from([0, 1, 2, 250, 251, 252]),
        Buffer.from('\n%%EOF'),
      ]);
      const boundary = 'ledgerlock-boundary';
      const mime = [
        'From: billing@ledgerlock.example',
        'To: customer@example.com',
        'Subject: Invoice INV-2',
        'MIME-Version: 1.0',
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Your invoice is attached.',
        `--${boundary}`,
        'Content-Type: application/pdf; name="INV-2.pdf"',
        'Content-Disposition: attachment; filename="INV-2.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        pdfBytes.toString('base64'),
        `--${boundary}--`,
        '',
      ].join('\r\n');

      const sent = await client.send(new SendEmailCommand({ Content: { Raw: { Data: Buffer.from(mime) } } }));
      const emails = await listSentEmails(ses.endpoint);

      expect(emails[0]).toMatchObject({ messageId: sent.MessageId, subject: 'Invoice INV-2' });
      expect(emails[0]?.destination.to).toEqual(['customer@example.com']);
      expect(emails[0]?.body.text?.trim()).toBe('Your invoice is attached.');
      expect(emails[0]?.attachments).toHaveLength(1);
      expect(emails[0]?.attachments[0]).toMatchObject({
        filename: 'INV-2.pdf',
        contentType: 'application/pdf',
      });
      expect(Buffer.from(emails[0]?.attachments[0]?.content ?? '', 'base64')).toEqual(pdfBytes);
    });

    it('serves its web view of sent mail', async () => {
      const page = await fetch(ses.mailViewUrl);

      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
    });

    it('listens on 127.0.0.1 only', () => {
      const addresses = listeningAddresses(portOf(ses.endpoint));
      expect(addresses.length).toBeGreaterThan(0);
      expect(addresses.every((address) => loopbackAddresses.includes(address))).toBe(true);
    });
  });

  describe('fauxqs (SNS + SQS)', () => {
    let snsSqs: RunningEmulator;
    let sns: SNSClient;
    let sqs: SQSClient;

    beforeAll(async () => {
      snsSqs = await startSnsSqs({ port: 0 });
      sns = new SNSClient(emulatorClientConfig(snsSqs.endpoint));
      sqs = new SQSClient(emulatorClientConfig(snsSqs.endpoint));
    });

    afterAll(async () => {
      sns?.destroy();
      sqs?.destroy();
      await snsSqs?.stop();
    });

    it('delivers a message published to a topic to a subscribed queue, in an SNS envelope', async () => {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'security-alerts' }));
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'ops-inbox' }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }));

      await sns.send(new PublishCommand({ TopicArn, Subject: 'anomaly', Message: '{"rule":"burst"}' }));
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }));

      expect(TopicArn).toBe('arn:aws:sns:eu-central-1:000000000000:security-alerts');
      expect(Attributes?.QueueArn).toBe('arn:aws:sqs:eu-central-1:000000000000:ops-inbox');
      expect(QueueUrl).toBe(
        `http://sqs.eu-central-1.localhost:${portOf(snsSqs.endpoint)}/000000000000/ops-inbox`,
      );
      expect(Messages).toHaveLength(1);
      expect(JSON.parse(Messages?.[0]?.Body ?? '{}')).toMatchObject({
        Type: 'Notification',
        TopicArn,
        Subject: 'anomaly',
        Message: '{"rule":"burst"}',
      });
    });

    it('delivers the bare message when the subscription asks for raw delivery', async () => {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'raw-alerts' }));
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'raw-inbox' }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: Attributes?.QueueArn,
          Attributes: { RawMessageDelivery: 'true' },
        }),
      );

      await sns.send(new PublishCommand({ TopicArn, Message: 'bare' }));
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }));

      expect(Messages?.[0]?.Body).toBe('bare');
    });

    it('listens on 127.0.0.1 only', () => {
      const addresses = listeningAddresses(portOf(snsSqs.endpoint));
      expect(addresses.length).toBeGreaterThan(0);
      expect(addresses.every((address) => loopbackAddresses.includes(address))).toBe(true);
    });
  });
});
