// adapter: SNS → AlertSink. One message per alert, the alert JSON itself; rule and severity also as message
// attributes so subscriptions can filter (e.g. page on critical only).
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertMessage } from '../domain/detection/evaluate';
import type { AlertSink } from '../ports/alert-sink';

export class SnsAlertSink implements AlertSink {
  constructor(private readonly options: { readonly client: SNSClient; readonly topicArn: string }) {}

  async publish(alert: AlertMessage): Promise<void> {
    await this.options.client.send(
      new PublishCommand({
        TopicArn: this.options.topicArn,
        Subject: `[${alert.severity}] ${alert.rule} ${alert.status}`.slice(0, 100),
        Message: JSON.stringify(alert),
        MessageAttributes: {
          rule: { DataType: 'String', StringValue: alert.rule },
          severity: { DataType: 'String', StringValue: alert.severity },
          status: { DataType: 'String', StringValue: alert.status },
        },
      }),
    );
  }
}
