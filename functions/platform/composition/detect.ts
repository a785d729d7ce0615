// platform: the composition root of detect — the detector's own items in the table, the alerts topic.
import { documentClient, snsClient } from '../../adapters/aws-clients';
import { DynamoDbDetectorStore } from '../../adapters/dynamodb-detector-store';
import { SnsAlertSink } from '../../adapters/sns-alert-sink';
import type { DetectDependencies } from '../../detect/handler';
import type { ConfigOf, Runtime } from './runtime';

export function composeDetect(config: ConfigOf<'detect'>, runtime: Runtime): DetectDependencies {
  return {
    store: new DynamoDbDetectorStore({
      tableName: config.tableName,
      client: documentClient(runtime.clients),
    }),
    alerts: new SnsAlertSink({ client: snsClient(runtime.clients), topicArn: config.alertTopicArn }),
    observability: runtime.observability,
  };
}
