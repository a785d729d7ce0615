// ops: `npm run alerts` — the local ops inbox: reads the queue subscribed to the alerts topic and shows each
// alert as a person wants to read it first: when, severity, rule, status, subject, summary, runbook.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AlertMessage } from '../functions/domain/detection/evaluate';

const usage = `Usage: npm run alerts -- [options]

Shows the alerts operations would receive, from the queue subscribed to the local alerts topic
(queues.alerts in <state-dir>/endpoints.json). Each alert is taken out of the inbox once shown.

Options:
  --follow            keep waiting for new alerts (Ctrl-C stops)
  --keep              leave the alerts in the inbox
  --json              one alert JSON per line instead of the table
  --state-dir <dir>   the local stack (default: .local)
  -h, --help          show this help
`;

const { values } = parseArgs({
  options: {
    follow: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'state-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

const endpointsFile = join(resolve(values['state-dir'] ?? '.local'), 'endpoints.json');
if (!existsSync(endpointsFile)) {
  process.stderr.write(`alerts: no ${endpointsFile}; start the local stack first (npm start)\n`);
  process.exit(2);
}
const endpoints = JSON.parse(readFileSync(endpointsFile, 'utf8')) as {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  sqs: string;
  queues: { alerts: string };
};
const sqs = new SQSClient({
  region: endpoints.region,
  credentials: endpoints.credentials,
  endpoint: endpoints.sqs,
});

const colours: Record<string, string> = {
  critical: '\u001b[41;97m',
  high: '\u001b[31m',
  medium: '\u001b[33m',
  low: '\u001b[36m',
};
const tty = process.stdout.isTTY === true;

function formatAlert(alert: AlertMessage): string {
  const severity = alert.severity.toUpperCase().padEnd(8);
  const paint = (text: string) => (tty ? `${colours[alert.severity] ?? ''}${text}\u001b[0m` : text);
  return [
    `${alert.detectedAt.replace('T', ' ').slice(0, 19)}  ${paint(severity)}  ${alert.rule.padEnd(24)} ${alert.status.padEnd(8)} ${alert.subject}`,
    `    ${alert.summary}`,
    `    observed ${alert.observed} · baseline ${alert.baseline} · window ${alert.window.from} → ${alert.window.to}`,
    `    evidence ${alert.evidence.slice(0, 5).join(', ')}${alert.evidence.length > 5 ? ` (+${alert.evidence.length - 5})` : ''}`,
    `    runbook  ${alert.runbook}`,
  ].join('\n');
}

let shown = 0;
for (;;) {
  const { Messages: messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: endpoints.queues.alerts,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: values.follow ? 10 : 1,
      ...(values.keep ? { VisibilityTimeout: 0 } : {}),
    }),
  );
  for (const message of messages) {
    let alert: AlertMessage;
    try {
      // Raw delivery: the body is the alert; otherwise the SNS envelope's Message is.
      const body = JSON.parse(message.Body ?? '{}');
      alert = (typeof body.Message === 'string' ? JSON.parse(body.Message) : body) as AlertMessage;
    } catch {
      continue;
    }
    process.stdout.write(values.json ? `${JSON.stringify(alert)}\n` : `${formatAlert(alert)}\n\n`);
    shown += 1;
  }
  if (!values.keep && messages.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: endpoints.queues.alerts,
        Entries: messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? '',
        })),
      }),
    );
  }
  if (!values.follow && messages.length === 0) break;
  if (values.keep && !values.follow) break;
}
if (!values.json) process.stdout.write(shown === 0 ? 'no alerts in the inbox\n' : `${shown} alert(s)\n`);
