// cdk: topic grants — the IAM statements behind ProjectFunction.bindAlertTopic.
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { GrantContext } from './table-grants';

/** What a function needs to know about the alerts topic to publish to it. */
export interface AlertTopicReference {
  readonly topic: sns.ITopic;
  /** The customer managed key the topic is encrypted with. */
  readonly key: kms.IKey;
}

/**
 * Publishing to one KMS-encrypted topic: `sns:Publish` on it, and the data key SNS encrypts the message with,
 * asked for through SNS and only for this topic (SNS names it in the encryption context). No subscribe, no
 * topic attributes, no other topic.
 */
export function topicPublishStatements(
  alerts: AlertTopicReference,
  context: Pick<GrantContext, 'region'>,
): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [alerts.topic.topicArn] }),
    new iam.PolicyStatement({
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [alerts.key.keyArn],
      conditions: {
        StringEquals: {
          'kms:ViaService': `sns.${context.region}.amazonaws.com`,
          'kms:EncryptionContext:aws:sns:topicArn': alerts.topic.topicArn,
        },
      },
    }),
  ];
}
