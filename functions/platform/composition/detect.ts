// platform: the composition root of detect — the detector's own items in the table, the alerts topic.
import { DynamoDbDetectorStore } from '../../adapters/dynamodb-detector-store';
import { SnsAlertSink } from '../../adapters/sns-alert-sink';
import type { DetectDependencies } from '../../detect/handler';
import type { ConfigOf, Runtime } from './runtime';

export function composeDetect(config: ConfigOf<'detect'>, runtime: Runtime): DetectDependencies {
  return {
    store: new DynamoDbDetectorStore({ tableName: config.tableName, client: runtime.clients.documents }),
    alerts: new SnsAlertSink({ client: runtime.clients.sns, topicArn: config.alertTopicArn }),
    observability: runtime.observability,
  };
}
