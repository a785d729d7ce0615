// entry support: what reaches detect, turned into observations — CloudWatch Logs subscription payloads (the
// API access log and the functions' security-signal lines) and audit-event stream records. Lenient by
// design: a line that is neither is skipped, never an error that would stall the stream.
import { gunzipSync } from 'node:zlib';
import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import type { Observation } from '../domain/detection/observations';
import { securitySignalField } from '../platform/observability';

const text = z.pipe(z.union([z.string(), z.number()]), z.transform(String));
const optionalText = z.pipe(
  z.optional(text),
  z.transform((value: string | undefined) => (value === '' || value === '-' ? undefined : value)),
);

/** The JSON access-log line (lib/api-logs.ts on AWS, local/gateway.ts locally): strings, as API Gateway writes them. */
const accessLogSchema = z.object({
  requestId: text,
  requestTime: z.optional(text),
  sourceIp: optionalText,
  httpMethod: text,
  resourcePath: optionalText,
  path: optionalText,
  status: text,
  tenantId: optionalText,
  principalId: optionalText,
});

const signalSchema = z.object({
  [securitySignalField]: z.enum([
    'token-rejected',
    'client-rejected',
    'scope-denied',
    'integrity-failure',
    'audit-chain-broken',
    'card-number-rejected',
    'idempotency-conflict',
    'throttled',
    'send-limited',
  ]),
  reason: z.optional(z.string()),
  tenantId: z.optional(z.string()),
  clientId: z.optional(z.string()),
  sourceIp: z.optional(z.string()),
  requestId: z.optional(z.string()),
  route: z.optional(z.string()),
  timestamp: z.optional(z.string()),
});

const logsPayloadSchema = z.object({
  messageType: z.string(),
  logGroup: z.optional(z.string()),
  logEvents: z._default(
    z.array(z.object({ id: z.string(), timestamp: z.number(), message: z.string() })),
    [],
  ),
});

function fromLogLine(eventId: string, timestamp: number, message: string): Observation | undefined {
  let line: unknown;
  try {
    line = JSON.parse(message);
  } catch {
    return undefined;
  }
  const signal = signalSchema.safeParse(line);
  if (signal.success) {
    const value = signal.data;
    return {
      kind: 'signal',
      id: value.requestId ?? eventId,
      at: timestamp,
      signal: value[securitySignalField],
      ...(value.reason === undefined ? {} : { reason: value.reason }),
      ...(value.tenantId === undefined ? {} : { tenantId: value.tenantId }),
      ...(value.clientId === undefined ? {} : { clientId: value.clientId }),
      ...(value.sourceIp === undefined ? {} : { sourceIp: value.sourceIp }),
      ...(value.route === undefined ? {} : { route: value.route }),
    };
  }
  const access = accessLogSchema.safeParse(line);
  if (!access.success) return undefined;
  const value = access.data;
  const status = Number(value.status);
  const requestTime = Number(value.requestTime);
  return {
    kind: 'request',
    id: value.requestId,
    at: Number.isFinite(requestTime) && requestTime > 0 ? requestTime : timestamp,
    method: value.httpMethod,
    route: value.resourcePath ?? value.path ?? '',
    status: Number.isFinite(status) ? status : 0,
    ...(value.tenantId === undefined ? {} : { tenantId: value.tenantId }),
    ...(value.principalId === undefined ? {} : { clientId: value.principalId }),
    ...(value.sourceIp === undefined ? {} : { sourceIp: value.sourceIp }),
  };
}

/** `{ awslogs: { data } }`: base64 of gzipped JSON; CONTROL_MESSAGE (sent once per filter) carries nothing. */
export function observationsOfLogs(data: string): Observation[] {
  const payload = logsPayloadSchema.parse(
    JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')),
  );
  if (payload.messageType !== 'DATA_MESSAGE') return [];
  return payload.logEvents.flatMap((event) => fromLogLine(event.id, event.timestamp, event.message) ?? []);
}

const auditImageSchema = z.object({
  tenantId: z.object({ S: z.string() }),
  sequence: z.object({ N: z.string() }),
  action: z.object({ S: z.string() }),
  at: z.object({ S: z.string() }),
  actor: z.object({
    M: z.object({
      clientId: z.object({ S: z.string() }),
      sourceIp: z.object({ S: z.string() }),
    }),
  }),
  details: z.optional(z.object({ M: z.record(z.string(), z.record(z.string(), z.unknown())) })),
});

function detailValue(value: Record<string, unknown>): string | number | boolean | null {
  if (typeof value.S === 'string') return value.S;
  if (typeof value.N === 'string') return Number(value.N);
  if (typeof value.BOOL === 'boolean') return value.BOOL;
  return null;
}

/** An audit-event INSERT → a business event; anything else → nothing. */
export function observationOfAuditRecord(record: DynamoDBRecord): Observation | undefined {
  const parsed = auditImageSchema.safeParse(record.dynamodb?.NewImage);
  if (!parsed.success) return undefined;
  const image = parsed.data;
  return {
    kind: 'business',
    id: `audit:${image.tenantId.S}:${image.sequence.N}`,
    at: Date.parse(image.at.S),
    tenantId: image.tenantId.S,
    clientId: image.actor.M.clientId.S,
    sourceIp: image.actor.M.sourceIp.S,
    action: image.action.S,
    details: Object.fromEntries(
      Object.entries(image.details?.M ?? {}).map(([name, value]) => [name, detailValue(value)]),
    ),
  };
}
