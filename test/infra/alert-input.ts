// test support: renders an EventBridge input transformer the way EventBridge does, to read the alerts it publishes.

export interface InputTransformerJson {
  readonly InputPathsMap?: Record<string, string>;
  readonly InputTemplate: string;
}

function valueAt(event: unknown, path: string): unknown {
  return path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter((part) => part !== '')
    .reduce<unknown>(
      (node, part) =>
        typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined,
      event,
    );
}

/**
 * The message EventBridge would publish for `event`: each `<variable>` of the template replaced by the value at its
 * path — as JSON outside a string literal, as raw text inside one — then parsed. Throws when the result is not JSON.
 */
export function renderAlert(transformer: InputTransformerJson, event: unknown): Record<string, unknown> {
  const values = new Map(
    Object.entries(transformer.InputPathsMap ?? {}).map(([name, path]) => {
      const value = valueAt(event, path);
      if (value === undefined) throw new Error(`the sample event has nothing at ${path}`);
      return [name, value];
    }),
  );
  const template = transformer.InputTemplate;
  let output = '';
  let inString = false;
  for (let index = 0; index < template.length; index += 1) {
    const character = template[index] as string;
    if (character === '"' && template[index - 1] !== '\\') inString = !inString;
    if (character === '<') {
      const end = template.indexOf('>', index);
      const name = template.slice(index + 1, end);
      const value = values.get(name);
      if (end > index && value !== undefined) {
        output += inString ? String(value) : JSON.stringify(value);
        index = end;
        continue;
      }
    }
    output += character;
  }
  return JSON.parse(output) as Record<string, unknown>;
}

/** When the sample alarm entered ALARM, and when it returned to OK. */
const alarmedAt = '2026-12-01T10:05:00.000+0000';
const resolvedAt = '2026-12-01T10:40:00.000+0000';

/**
 * A CloudWatch "Alarm State Change" event as EventBridge delivers it: entering ALARM, or returning to OK from it
 * (whose previousState.timestamp is then the time it entered ALARM).
 */
export function alarmStateChange(state: 'ALARM' | 'OK') {
  return {
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    time: state === 'ALARM' ? '2026-12-01T10:05:00Z' : '2026-12-01T10:40:00Z',
    detail: {
      alarmName: 'sample',
      state: { value: state, timestamp: state === 'ALARM' ? alarmedAt : resolvedAt },
      previousState:
        state === 'ALARM'
          ? { value: 'OK', timestamp: '2026-12-01T09:00:00.000+0000' }
          : { value: 'ALARM', timestamp: alarmedAt },
    },
  };
}

/** A CloudTrail-recorded API call as EventBridge delivers it. */
export function apiCallEvent(eventSource: string, eventName: string) {
  return {
    id: '6f87d04b-9f74-4f04-a780-7acf4b0a9b38',
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${eventSource.split('.')[0]}`,
    time: '2026-12-01T10:05:00Z',
    detail: { eventSource, eventName, eventID: '3a0f1a5e-6c53-4f0e-8c2b-2f5f7c0f9d11' },
  };
}

/** The fields every alert has (DESIGN.md), and their formats. */
export const alertShape = {
  alertId: expect.any(String),
  rule: expect.stringMatching(/^platform-[a-z0-9-]+$/),
  severity: expect.stringMatching(/^(low|medium|high|critical)$/),
  status: expect.stringMatching(/^(open|ongoing|resolved)$/),
  subject: 'platform',
  summary: expect.any(String),
  detectedAt: expect.any(String),
  window: { from: expect.any(String), to: expect.any(String) },
  evidence: expect.any(Array),
  runbook: expect.stringMatching(/^docs\/runbooks\/platform-[a-z0-9-]+\.md$/),
};
