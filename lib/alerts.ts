// cdk: stateful alerts — the operations topic every alert is published to, its key and its subscription.
// Construct ids here must never change once deployed.
import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { assertKeyProps } from './data-store';
import { emailAddressPattern } from './grants/mail-grants';
import type { AlertTopicReference } from './grants/topic-grants';

/** The CDK context key that names the operations address subscribed to the topic (`-c ledgerlock:alertEmail=…`). */
export const alertEmailContextKey = 'ledgerlock:alertEmail';

export interface AlertsProps {
  /**
   * Address subscribed to the topic by email (the subscription waits for its confirmation link to be followed).
   * @default - the `ledgerlock:alertEmail` context value; without one, no subscription (a stack output says so)
   */
  readonly alertEmail?: string;
  /**
   * Prefix of the key alias (`alias/<prefix>/alerts`), so two deployments can share an account.
   * @default - the stack name
   */
  readonly aliasPrefix?: string;
  /**
   * Waiting period before the topic key, once scheduled for deletion, is destroyed.
   * @default Duration.days(30)
   */
  readonly keyDeletionWindow?: Duration;
}

/**
 * The SNS topic operations receive alerts on (DESIGN.md: one JSON alert per message), `<stack>-alerts`:
 * - encrypted with a key of its own, which only EventBridge (for the alert rules of this account, for this topic)
 *   may use besides IAM principals of the account the key policy delegates to;
 * - publishable by EventBridge rules of this account (platform alarms and recorded API calls, see alert-routes.ts)
 *   and by IAM principals granted `sns:Publish` (detect, through `ProjectFunction.bindAlertTopic`); TLS only.
 * CloudWatch alarms get no publish right on purpose: an alarm action would publish CloudWatch's own JSON instead of
 * an alert, so alarms reach the topic through EventBridge (`platformAlarm`) and every message keeps the schema.
 * The topic and its key are retained.
 */
export class Alerts extends Construct implements AlertTopicReference {
  readonly key: kms.Key;
  readonly topic: sns.Topic;
  /** The email subscription, when an address was given. */
  readonly emailSubscription?: sns.Subscription;

  constructor(scope: Construct, id: string, props: AlertsProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const aliasPrefix = props.aliasPrefix ?? stack.stackName;
    const pendingWindow = props.keyDeletionWindow ?? Duration.days(30);
    assertKeyProps('Alerts', aliasPrefix, pendingWindow);
    const alertEmail: unknown = props.alertEmail ?? this.node.tryGetContext(alertEmailContextKey);
    if (
      alertEmail !== undefined &&
      (typeof alertEmail !== 'string' || !emailAddressPattern.test(alertEmail))
    ) {
      throw new Error(
        `Alerts: alert email ${JSON.stringify(alertEmail)} is not a plain email address; set the context value ${alertEmailContextKey} to one, such as -c ${alertEmailContextKey}=ops@example.com, or leave it out for no subscription`,
      );
    }

    // Named, so the key policy can name the topic's ARN without depending on the topic (which depends on the key).
    const topicName = `${stack.stackName}-alerts`;
    const topicArn = stack.formatArn({ service: 'sns', resource: topicName });
    const eventBridgeRules = stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' });

    this.key = new kms.Key(this, 'Key', {
      description: 'Ledgerlock alerts topic (SNS SSE-KMS)',
      alias: `alias/${aliasPrefix}/alerts`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // SNS encrypts each message EventBridge publishes under a data key it asks for on EventBridge's behalf, with the
    // topic's ARN as encryption context. Only rules of this account and region, and only for this topic.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeRulesOfThisAccountToPublish',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
          ArnLike: { 'aws:SourceArn': eventBridgeRules },
        },
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      topicName,
      displayName: 'Ledgerlock alerts',
      masterKey: this.key,
      enforceSSL: true,
      // SHA256 message signatures for subscribers that verify them.
      signatureVersion: '2',
    });
    this.topic.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeRulesOfThisAccountToPublish',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': eventBridgeRules },
        },
      }),
    );

    if (typeof alertEmail === 'string') {
      this.emailSubscription = new sns.Subscription(this, 'EmailSubscription', {
        topic: this.topic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: alertEmail,
      });
    }
    new CfnOutput(this, 'AlertTopicArn', {
      description: 'SNS topic of operations alerts (one JSON alert per message)',
      value: this.topic.topicArn,
    });
    new CfnOutput(this, 'AlertSubscription', {
      description: 'Who is subscribed to the alerts topic by this stack',
      value:
        typeof alertEmail === 'string'
          ? `email ${alertEmail} (confirm the subscription from the message SNS sends)`
          : `none: no ${alertEmailContextKey} context value was set, so alerts reach only subscriptions made outside this stack`,
    });
  }
}
