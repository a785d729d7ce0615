// cdk: stream mapping — subscribes a ProjectFunction to a table's stream from a shared StreamSourceDefinition.
import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { assertValidStreamSource, type StreamSourceDefinition } from '../functions/platform/stream-source';

/** Where a stream consumer's batches go once retries and record age are used up. */
export interface TableStreamSourceOptions {
  /** The shared definition (functions/platform/stream-source.ts) the mapping is built from. */
  readonly source: StreamSourceDefinition;
  /** The on-failure destination: Lambda sends it the batch's shard and sequence numbers. */
  readonly onFailure: sqs.IQueue;
}

/**
 * What the mapping is attached to: the construct that owns it (a ProjectFunction — the mapping and the listing
 * policy are its children, so their construct ids stay where they always were), its function, role and the
 * runtime policy the stream and queue statements join.
 */
export interface StreamConsumer extends IConstruct {
  readonly function: lambda.IFunction;
  readonly role: iam.IRole;
  readonly runtimePolicy: iam.ManagedPolicy;
}

/**
 * Creates the event source mapping `id` on `consumer` with the settings of `options.source` (batching, retries,
 * record age, bisection, partial batch failures, filters) and grants what the mapping needs: reading this table's
 * stream and sending failed batches to `options.onFailure`.
 */
export function addTableStreamSource(
  consumer: StreamConsumer,
  id: string,
  table: dynamodb.ITable,
  options: TableStreamSourceOptions,
  region: string,
): lambda.EventSourceMapping {
  const { source, onFailure } = options;
  assertValidStreamSource(source);
  const streamArn = table.tableStreamArn;
  if (streamArn === undefined) {
    throw new Error(
      `ProjectFunction ${consumer.node.id}: the table has no stream; create it with a stream view type (tableDefinition.streamViewType)`,
    );
  }

  consumer.runtimePolicy.addStatements(...streamStatements(table, streamArn, onFailure, region));
  const listingPolicy = streamListingPolicy(consumer);

  const mapping = new lambda.EventSourceMapping(consumer, id, {
    target: consumer.function,
    eventSourceArn: streamArn,
    startingPosition: lambda.StartingPosition[source.startingPosition],
    batchSize: source.batchSize,
    maxBatchingWindow: Duration.seconds(source.maximumBatchingWindowSeconds),
    // -1 ("until the record expires") is Lambda's default, which CDK expresses by leaving the value out.
    retryAttempts: source.retryAttempts === -1 ? undefined : source.retryAttempts,
    maxRecordAge:
      source.maxRecordAgeSeconds === -1 ? undefined : Duration.seconds(source.maxRecordAgeSeconds),
    bisectBatchOnError: source.bisectBatchOnFunctionError,
    reportBatchItemFailures: source.reportBatchItemFailures,
    filters:
      source.filterPatterns.length === 0
        ? undefined
        : source.filterPatterns.map((pattern) => lambda.FilterCriteria.filter({ ...pattern })),
    // The destination is granted in the runtime policy (streamStatements), instead of by SqsDlq into an inline policy.
    onFailure: { bind: () => ({ destination: onFailure.queueArn }) },
  });
  // Lambda checks the role's stream and queue permissions when it creates the mapping.
  mapping.node.addDependency(consumer.runtimePolicy, listingPolicy);
  return mapping;
}

/**
 * Reading one table's stream — and, for a table under a customer managed key, that key's kms:Decrypt through
 * DynamoDB, since stream records are encrypted with the table's key — and sending failure records to the
 * on-failure queue.
 */
export function streamStatements(
  table: dynamodb.ITable,
  streamArn: string,
  onFailure: sqs.IQueue,
  region: string,
): iam.PolicyStatement[] {
  const statements = [
    new iam.PolicyStatement({
      actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      resources: [streamArn],
    }),
  ];
  if (table.encryptionKey !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [table.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` } },
      }),
    );
  }
  // Lambda sends the failure record with the function's role.
  return [...statements, ...queueSendStatements(onFailure, region)];
}

/** Sending messages to one queue, and (for an SSE-KMS queue) its key through SQS only. */
export function queueSendStatements(queue: sqs.IQueue, region: string): iam.PolicyStatement[] {
  const statements = [new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] })];
  if (queue.encryptionMasterKey !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [queue.encryptionMasterKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${region}.amazonaws.com` } },
      }),
    );
  }
  return statements;
}

/**
 * Lambda's stream pollers call ListStreams, which has no resource-level permission; like X-Ray, it gets a
 * policy of its own so the acknowledgement of its `Resource: *` covers exactly that one action. One per consumer,
 * however many mappings it has.
 */
function streamListingPolicy(consumer: StreamConsumer): iam.ManagedPolicy {
  const existing = consumer.node.tryFindChild('StreamListingPolicy');
  if (existing instanceof iam.ManagedPolicy) return existing;
  const policy = new iam.ManagedPolicy(consumer, 'StreamListingPolicy', {
    description: `DynamoDB stream listing for the event source mappings of ${consumer.node.id}`,
    roles: [consumer.role],
    statements: [new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] })],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'dynamodb:ListStreams supports no resource-level permission and returns stream ARNs only, never records; this policy holds only that action',
  });
  return policy;
}
