// platform: the one description of each DynamoDB Stream event source mapping, read by the CDK stacks and by
// the local stream poller, plus the Lambda event-filter matcher the local poller applies. No AWS import.

/**
 * What a Lambda event source mapping on the table's stream is configured with. The CDK construct turns it into
 * a `DynamoEventSource`; `local/stream-poller.ts` reproduces the same behaviour against DynamoDB Local.
 */
export interface StreamSourceDefinition {
  /** Records per invocation, at most. Lambda: 1–10,000. */
  readonly batchSize: number;
  /** How long to gather records before invoking with a partial batch. Lambda: 0–300. */
  readonly maximumBatchingWindowSeconds: number;
  /** Retries of a failed batch before it goes to the on-failure destination; -1 retries until the record expires. */
  readonly retryAttempts: number;
  /** Records older than this are not invoked but go to the on-failure destination; -1 keeps them (24 h stream retention). */
  readonly maxRecordAgeSeconds: number;
  /** Split a failing batch in two and retry each half; isolates a poison record without consuming retries. */
  readonly bisectBatchOnFunctionError: boolean;
  /** Always on: our consumers answer with `batchItemFailures` so one bad record does not replay the whole batch. */
  readonly reportBatchItemFailures: true;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /**
   * Lambda event filter patterns as plain objects (CDK: `FilterCriteria.filter(pattern)`); a record passes when
   * any pattern matches. Empty means no filter criteria: every record is delivered.
   */
  readonly filterPatterns: readonly Record<string, unknown>[];
}

/**
 * `deliver` renders and emails invoices whose delivery was requested. The filter keeps the function from being
 * invoked for the far more frequent writes it ignores (audit events, sequences, sent/failed invoices, deletes).
 */
export const deliverStreamSource: StreamSourceDefinition = {
  batchSize: 10,
  // Customers are waiting for the email: invoke as soon as records arrive.
  maximumBatchingWindowSeconds: 0,
  // With bisection a poison record is isolated first, then retried this often (about 6 s of backoff locally).
  retryAttempts: 5,
  // An invoice email that could not go out for an hour needs a human (the on-failure queue), not more retries.
  maxRecordAgeSeconds: 3600,
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  // Nothing acknowledged may be lost: records written before the mapping existed are still delivered.
  // Replays are safe because deliver is idempotent by invoice id and version.
  startingPosition: 'TRIM_HORIZON',
  filterPatterns: [
    {
      // REMOVE records have no NewImage; only writes that leave an invoice queued ask for delivery.
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: {
        NewImage: {
          // Stream images are DynamoDB JSON, so the rule sits under the attribute's type key.
          entity: { S: ['invoice'] },
          delivery: { M: { status: { S: ['queued'] } } },
        },
      },
    },
  ],
};

/**
 * `backup` copies every change of the main table and of the branch-key store, as stored, one object per batch.
 * Nothing acknowledged may be missing from the backups, so a batch is retried until the stream would drop it;
 * only then (after 24 h of failing, alarmed long before by the backup-lag alarm) does its shard and sequence
 * range go to the on-failure queue, for a person to recover from point-in-time recovery or AWS Backup.
 */
export const backupStreamSource: StreamSourceDefinition = {
  // S3 PUTs are the backup path's cost: a 10 s window bounds them at 8,640 a day per shard whatever the write
  // rate (about $1.30 a month), where one second would be ten times that at a trickle. The changes wait in the
  // stream (24 h) meanwhile, so the window costs lag, never durability.
  batchSize: 500,
  maximumBatchingWindowSeconds: 10,
  retryAttempts: 10_000,
  // Until the stream's own 24 h retention trims the record.
  maxRecordAgeSeconds: -1,
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  startingPosition: 'TRIM_HORIZON',
  filterPatterns: [],
};

/**
 * `detect` reads business events from the audit events every mutation writes in its own transaction — ids,
 * actions and amounts, never personal data — so one event type carries creates, issues, sends, voids, credits,
 * payments, customer email changes and payout-detail changes.
 */
export const detectStreamSource: StreamSourceDefinition = {
  batchSize: 100,
  maximumBatchingWindowSeconds: 1,
  retryAttempts: 5,
  // An alert about an hour-old burst still matters; older than that, ops learn of it from the platform alarms.
  maxRecordAgeSeconds: 3600,
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  startingPosition: 'TRIM_HORIZON',
  filterPatterns: [{ eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['audit-event'] } } } }],
};

/**
 * `chain` appends the audit entries every mutation writes in its own transaction to the tenant's hash chain. One
 * tenant's entries share a partition, so they reach one shard and, with one concurrent batch per shard, a single
 * writer. An entry must never be left unchained, so like backup a batch is retried until the stream would drop
 * it (the chain-lag alarm fires long before); retries are safe because the chain writer skips what it chained.
 */
export const chainStreamSource: StreamSourceDefinition = {
  // Up to 100 entries per batch: one signature and a few transactions per tenant, at a second of lag.
  batchSize: 100,
  maximumBatchingWindowSeconds: 1,
  retryAttempts: 10_000,
  maxRecordAgeSeconds: -1,
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  startingPosition: 'TRIM_HORIZON',
  filterPatterns: [{ eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['audit-entry'] } } } }],
};

export class InvalidStreamSourceError extends Error {
  override readonly name = 'InvalidStreamSourceError';
}

/** Filter syntax Lambda accepts but this matcher does not implement; refused rather than silently misread. */
export class UnsupportedFilterPatternError extends Error {
  override readonly name = 'UnsupportedFilterPatternError';
}

function requireIntegerIn(name: string, value: number, minimum: number, maximum: number, hint: string): void {
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new InvalidStreamSourceError(
      `${name} is ${value}, but Lambda accepts an integer from ${minimum} to ${maximum}; ${hint}`,
    );
  }
}

/** Checks the limits Lambda's CreateEventSourceMapping enforces, so a bad value fails locally and at synth. */
export function assertValidStreamSource(source: StreamSourceDefinition): void {
  requireIntegerIn('batchSize', source.batchSize, 1, 10_000, 'e.g. 10');
  requireIntegerIn(
    'maximumBatchingWindowSeconds',
    source.maximumBatchingWindowSeconds,
    0,
    300,
    'use 0 to invoke as soon as records arrive',
  );
  requireIntegerIn('retryAttempts', source.retryAttempts, -1, 10_000, 'use -1 to retry until records expire');
  if (source.maxRecordAgeSeconds !== -1) {
    requireIntegerIn(
      'maxRecordAgeSeconds',
      source.maxRecordAgeSeconds,
      60,
      604_800,
      'or -1 to keep records until the stream trims them',
    );
  }
  source.filterPatterns.forEach((pattern, index) => {
    try {
      validatePattern(pattern, [`filterPatterns[${index}]`]);
    } catch (error) {
      throw new InvalidStreamSourceError((error as Error).message, { cause: error });
    }
  });
}

type LeafValue = string | number | boolean | null;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeafValue(value: unknown): value is LeafValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

const operatorNames = ['exists', 'prefix', 'suffix', 'anything-but'] as const;

function validateMatcher(matcher: unknown, path: readonly string[]): void {
  const where = path.join('.');
  if (isLeafValue(matcher)) {
    return;
  }
  if (!isPlainObject(matcher)) {
    throw new UnsupportedFilterPatternError(`${where}: a matcher must be a value or an operator object`);
  }
  const keys = Object.keys(matcher);
  const operator = keys[0];
  if (keys.length !== 1 || operator === undefined) {
    throw new UnsupportedFilterPatternError(`${where}: an operator object holds exactly one operator`);
  }
  const operand = matcher[operator];
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') {
        throw new UnsupportedFilterPatternError(`${where}: "exists" takes true or false`);
      }
      return;
    case 'prefix':
    case 'suffix':
      if (typeof operand !== 'string') {
        // Lambda also allows { "prefix": { "equals-ignore-case": … } }; we do not use it.
        throw new UnsupportedFilterPatternError(`${where}: "${operator}" takes a string here`);
      }
      return;
    case 'anything-but': {
      const valid =
        isLeafValue(operand) ||
        (Array.isArray(operand) && operand.length > 0 && operand.every(isLeafValue)) ||
        (isPlainObject(operand) &&
          Object.keys(operand).length === 1 &&
          (typeof operand.prefix === 'string' || typeof operand.suffix === 'string'));
      if (!valid) {
        throw new UnsupportedFilterPatternError(
          `${where}: "anything-but" takes a value, a non-empty list of values, or { "prefix" | "suffix": string }`,
        );
      }
      return;
    }
    default:
      throw new UnsupportedFilterPatternError(
        `${where}: operator "${operator}" is not implemented locally (supported: ${operatorNames.join(', ')}, exact values)`,
      );
  }
}

function validatePattern(pattern: unknown, path: readonly string[]): void {
  const where = path.join('.');
  if (!isPlainObject(pattern) || Object.keys(pattern).length === 0) {
    throw new UnsupportedFilterPatternError(`${where}: a filter pattern must be a non-empty object`);
  }
  for (const [key, rule] of Object.entries(pattern)) {
    if (key.startsWith('$')) {
      throw new UnsupportedFilterPatternError(`${where}.${key}: "${key}" is not implemented locally`);
    }
    if (Array.isArray(rule)) {
      if (rule.length === 0) {
        throw new UnsupportedFilterPatternError(`${where}.${key}: a list of matchers must not be empty`);
      }
      for (const matcher of rule) {
        validateMatcher(matcher, [...path, key]);
      }
    } else if (isPlainObject(rule)) {
      validatePattern(rule, [...path, key]);
    } else {
      throw new UnsupportedFilterPatternError(
        `${where}.${key}: Lambda filter rules are lists (e.g. ["INSERT"]) or nested objects, not ${JSON.stringify(rule)}`,
      );
    }
  }
}

/**
 * The leaf values at `path`, as Lambda (EventBridge pattern matching) sees them: arrays anywhere along the path
 * are flattened, so `{ SS: ["a"] }` matches a string set containing "a". Objects are not leaves: `exists` and
 * every other matcher only look at scalars.
 */
function leafValuesAt(node: unknown, path: readonly string[]): LeafValue[] {
  if (Array.isArray(node)) {
    return node.flatMap((element) => leafValuesAt(element, path));
  }
  const [head, ...rest] = path;
  if (head === undefined) {
    return isLeafValue(node) ? [node] : [];
  }
  if (isPlainObject(node) && Object.hasOwn(node, head)) {
    return leafValuesAt(node[head], rest);
  }
  return [];
}

function matchesAnythingBut(operand: unknown, value: LeafValue): boolean {
  if (isPlainObject(operand)) {
    if (typeof value !== 'string') {
      return false;
    }
    if (typeof operand.prefix === 'string') {
      return !value.startsWith(operand.prefix);
    }
    return typeof operand.suffix === 'string' && !value.endsWith(operand.suffix);
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  return !excluded.some((excludedValue) => excludedValue === value);
}

function matchesValue(matcher: unknown, value: LeafValue): boolean {
  if (isLeafValue(matcher)) {
    // Exact, type-sensitive: DynamoDB numbers arrive as strings ({"N": "5"}), so the rule must say "5", not 5.
    return matcher === value;
  }
  if (!isPlainObject(matcher)) {
    return false;
  }
  if (typeof matcher.prefix === 'string') {
    return typeof value === 'string' && value.startsWith(matcher.prefix);
  }
  if (typeof matcher.suffix === 'string') {
    return typeof value === 'string' && value.endsWith(matcher.suffix);
  }
  if ('anything-but' in matcher) {
    return matchesAnythingBut(matcher['anything-but'], value);
  }
  return false;
}

/** One list of matchers at one path: any matcher may match (OR). */
function matchesRule(record: unknown, path: readonly string[], matchers: readonly unknown[]): boolean {
  const values = leafValuesAt(record, path);
  return matchers.some((matcher) => {
    if (isPlainObject(matcher) && typeof matcher.exists === 'boolean') {
      return matcher.exists === values.length > 0;
    }
    // A missing field matches nothing but { "exists": false } — not even "anything-but".
    return values.some((value) => matchesValue(matcher, value));
  });
}

/** Every field named in the pattern must match (AND), at any depth. */
function matchesPattern(record: unknown, pattern: Record<string, unknown>, path: readonly string[]): boolean {
  return Object.entries(pattern).every(([key, rule]) =>
    Array.isArray(rule)
      ? matchesRule(record, [...path, key], rule)
      : matchesPattern(record, rule as Record<string, unknown>, [...path, key]),
  );
}

/**
 * Whether Lambda would deliver `record` under these filter patterns: true when any pattern matches, or when
 * there are none. Apply it to the record as Lambda sends it (JSON: `eventName`, `dynamodb.NewImage` in DynamoDB
 * JSON, …). Implements exact values, `exists`, `prefix`, `suffix` and `anything-but`, nested objects and OR
 * across patterns; anything else throws UnsupportedFilterPatternError rather than guessing.
 */
export function matchesFilter(record: unknown, patterns: readonly Record<string, unknown>[]): boolean {
  if (patterns.length === 0) {
    return true;
  }
  // All validated first: a bad pattern must throw even when an earlier one already matches.
  patterns.forEach((pattern, index) => {
    validatePattern(pattern, [`filterPatterns[${index}]`]);
  });
  return patterns.some((pattern) => matchesPattern(record, pattern, []));
}
