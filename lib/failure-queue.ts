// cdk: on-failure queue — the encrypted, retained SQS queue (and its key) a stream consumer's failed batches go to.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface FailureQueueOptions {
  /** Who fails into it, for the key's description and alias (`alias/<stack>/<consumer>-failures`): `delivery`. */
  readonly consumer: string;
  /** How long failure records wait for a person (SQS: 60 s to 14 days). */
  readonly retention: Duration;
}

export interface FailureQueue {
  readonly key: kms.Key;
  readonly queue: sqs.Queue;
}

/**
 * Creates, under `scope` (ids `FailureQueueKey`, `FailureQueue`), a queue encrypted with a rotating key of its own,
 * TLS only, both retained: each message names a batch that never got through and must outlive a redeploy.
 */
export function addFailureQueue(scope: Construct, options: FailureQueueOptions): FailureQueue {
  const { consumer, retention } = options;
  if (retention.toSeconds() < 60 || retention.toSeconds() > Duration.days(14).toSeconds()) {
    throw new Error(
      `${scope.node.id}: failureRetention ${retention.toHumanString()} must be 60 seconds to 14 days (SQS limits)`,
    );
  }
  const key = new kms.Key(scope, 'FailureQueueKey', {
    description: `Ledgerlock ${consumer} on-failure queue (SQS SSE-KMS)`,
    alias: `alias/${Stack.of(scope).stackName}/${consumer}-failures`,
    enableKeyRotation: true,
    rotationPeriod: Duration.days(365),
    pendingWindow: Duration.days(30),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const queue = new sqs.Queue(scope, 'FailureQueue', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: retention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const reason = `This queue is itself the dead-letter destination of the ${consumer} function; its messages are read by a person after the alarm, never by a consumer that could fail again`;
  Validations.of(queue).acknowledge(
    { id: 'AwsSolutions-SQS3', reason },
    { id: 'Serverless-SQSRedrivePolicy', reason },
  );
  return { key, queue };
}
