// port: where alerts go — the operations topic (SNS) on AWS, the SNS emulator locally.
import type { AlertMessage } from '../domain/detection/evaluate';

export interface AlertSink {
  publish(alert: AlertMessage): Promise<void>;
}
