// cdk: table grants — the IAM statements behind ProjectFunction.bindTable (access levels, leading keys, attributes).
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { tableDefinition } from '../../functions/platform/table-definition';

/**
 * How a function may touch the table.
 * - `get-item`: single-item `GetItem` only (key look-ups such as API client → tenant).
 * - `read`: `GetItem`, `BatchGetItem`, `Query`, `ConditionCheckItem` on the table and its indexes. No `Scan`:
 *   nothing may read across tenants.
 * - `write`: `read` plus `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`. `TransactWriteItems` and
 *   `TransactGetItems` have no IAM action of their own; IAM authorises each item's Put/Update/Delete/ConditionCheck.
 * - `update-attributes`: `GetItem`, plus `UpdateItem` that may name only the key attributes and
 *   {@link BindTableOptions.updatableAttributes} (IAM `dynamodb:Attributes`). No Put, Delete, Query or index.
 * - `own-items`: `GetItem`, `Query`, `PutItem`, `UpdateItem` on the items under
 *   {@link BindTableOptions.partitionKeyPrefix}, which it requires (such as the detector's `DETECT#`). No delete,
 *   no batch, no index: a function that keeps state of its own touches nothing else.
 * - `own-partitions`: `GetItem`, `BatchGetItem`, `Query`, `PutItem`, `DeleteItem` on the items whose partition key matches
 *   {@link BindTableOptions.partitionKeyPatterns}, which it requires (such as the chain writer's `*#AUDIT`). No
 *   update, no batch, no index.
 */
export type TableAccess =
  | 'get-item'
  | 'read'
  | 'write'
  | 'update-attributes'
  | 'own-items'
  | 'own-partitions';

export interface BindTableOptions {
  /**
   * Only items whose partition key starts with this prefix (IAM `dynamodb:LeadingKeys`). `get-item` and
   * `own-items` (which requires it) only.
   * @default - every item of the table
   */
  readonly partitionKeyPrefix?: string;
  /**
   * Only items whose partition key matches one of these IAM `StringLike` patterns (`dynamodb:LeadingKeys`), for
   * keys whose fixed part is not a prefix, such as `*#INVOICE#*` behind the tenant id. `get-item` and
   * `update-attributes` only.
   * @default - every item of the table
   */
  readonly partitionKeyPatterns?: readonly string[];
  /**
   * `update-attributes`: the top-level attributes UpdateItem may touch besides the key. Required with that access.
   * @default - none
   */
  readonly updatableAttributes?: readonly string[];
  /**
   * `update-attributes`: the partition-key patterns UpdateItem is limited to, when narrower than what GetItem may
   * read (`partitionKeyPatterns`).
   * @default - `partitionKeyPatterns`
   */
  readonly updatablePartitionKeyPatterns?: readonly string[];
  /**
   * `write`: partition-key patterns this function may never write (an explicit Deny on Put, Update, Delete and
   * BatchWrite), such as the audit chain's `*#AUDIT`, which only the chain writer writes.
   * @default - none
   */
  readonly deniedPartitionKeyPatterns?: readonly string[];
  /**
   * `own-items`: also `DeleteItem` on those items, for state that is dropped once done with (such as the delivery
   * sweeper's reminders under `DELIVERY#`).
   * @default false
   */
  readonly deletable?: boolean;
}

/** Who asks (named in every error message) and where: the region the `kms:ViaService` conditions name. */
export interface GrantContext {
  /** How error messages name the caller, such as `ProjectFunction ReadFunction`. */
  readonly owner: string;
  readonly region: string;
}

const tableActions: Readonly<Record<TableAccess, readonly string[]>> = {
  'get-item': ['dynamodb:GetItem'],
  // UpdateItem is granted in a statement of its own, under the attribute condition (see tableStatements).
  'update-attributes': ['dynamodb:GetItem'],
  'own-items': ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  'own-partitions': [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:DeleteItem',
  ],
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  write: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
};

/** What DynamoDB itself needs from the table's encryption key on the caller's behalf. */
const tableKeyActions: Readonly<Record<TableAccess, readonly string[]>> = {
  'get-item': ['kms:Decrypt'],
  read: ['kms:Decrypt'],
  write: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  'update-attributes': ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  'own-items': ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  'own-partitions': ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
};

/**
 * The statements for `access` to `table` (see {@link TableAccess}), plus what DynamoDB needs from the table's KMS
 * key on the caller's behalf — only via DynamoDB. Throws, naming the bad option and the fix, before anything is
 * granted.
 */
export function tableStatements(
  table: dynamodb.ITable,
  access: TableAccess,
  options: BindTableOptions,
  context: GrantContext,
): iam.PolicyStatement[] {
  const { owner } = context;
  const prefix = options.partitionKeyPrefix;
  if (prefix !== undefined && (prefix === '' || /[*?]/.test(prefix))) {
    throw new Error(
      `${owner}: partitionKeyPrefix "${prefix}" must be a non-empty literal without * or ?; pass the key prefix itself, such as "CLIENT#"`,
    );
  }
  if (prefix !== undefined && access !== 'get-item' && access !== 'own-items') {
    throw new Error(
      `${owner}: partitionKeyPrefix only works with access 'get-item' or 'own-items' (got '${access}'); index queries use another partition key`,
    );
  }
  if (access === 'own-items' && prefix === undefined) {
    throw new Error(
      `${owner}: access 'own-items' needs partitionKeyPrefix, the prefix of the only items it may touch, such as "DETECT#"`,
    );
  }
  if (access === 'own-partitions' && options.partitionKeyPatterns === undefined) {
    throw new Error(
      `${owner}: access 'own-partitions' needs partitionKeyPatterns, the partitions it alone may touch, such as "*#AUDIT"`,
    );
  }
  if (options.deniedPartitionKeyPatterns !== undefined && access !== 'write') {
    throw new Error(
      `${owner}: deniedPartitionKeyPatterns only works with access 'write' (got '${access}'); the others cannot write anything it would deny`,
    );
  }
  if (prefix !== undefined && options.partitionKeyPatterns !== undefined) {
    throw new Error(
      `${owner}: give partitionKeyPrefix or partitionKeyPatterns, not both; a prefix "P" is the pattern "P*"`,
    );
  }
  const readPatterns =
    options.partitionKeyPatterns !== undefined
      ? checkedKeyPatterns(owner, 'partitionKeyPatterns', options.partitionKeyPatterns, access)
      : prefix === undefined
        ? undefined
        : [`${prefix}*`];
  const updatePatterns =
    options.updatablePartitionKeyPatterns === undefined
      ? readPatterns
      : checkedKeyPatterns(
          owner,
          'updatablePartitionKeyPatterns',
          options.updatablePartitionKeyPatterns,
          access,
        );
  const updatableAttributes = checkedUpdatableAttributes(owner, access, options);

  const leadingKeys = (patterns: readonly string[] | undefined) =>
    patterns === undefined ? {} : { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] } };

  // Index ARNs by name from the one table definition, not `index/*`: no wildcard in the policy.
  const indexArns =
    access === 'get-item' ||
    access === 'update-attributes' ||
    access === 'own-items' ||
    access === 'own-partitions'
      ? []
      : tableDefinition.globalSecondaryIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`);
  const readConditions = leadingKeys(readPatterns);
  if (options.deletable === true && access !== 'own-items') {
    throw new Error(
      `${owner}: deletable only works with access 'own-items' (got '${access}'); 'write' already deletes`,
    );
  }
  const actions = [...tableActions[access], ...(options.deletable === true ? ['dynamodb:DeleteItem'] : [])];
  const statements = [
    new iam.PolicyStatement({
      actions,
      resources: [table.tableArn, ...indexArns],
      conditions: Object.keys(readConditions).length === 0 ? undefined : readConditions,
    }),
  ];

  if (updatableAttributes !== undefined) {
    // IAM evaluates dynamodb:Attributes against the top-level attributes a request names (nested paths such
    // as delivery.status count as "delivery"), key attributes included. UpdateItem also creates a missing
    // item, but under this condition such an item could hold nothing but its key and these attributes.
    // dynamodb:ReturnValues stays open: the function may read whole items with GetItem anyway, so limiting
    // what an update returns would hide nothing (and the delivery claim reads its result with ALL_NEW).
    statements.push(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': [
              tableDefinition.partitionKey,
              tableDefinition.sortKey,
              ...updatableAttributes,
            ],
          },
          ...leadingKeys(updatePatterns),
        },
      }),
    );
  }

  const denied = options.deniedPartitionKeyPatterns;
  if (denied !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: [
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
        ],
        resources: [table.tableArn],
        // ForAnyValue: a request naming one denied partition among others is denied too.
        conditions: {
          'ForAnyValue:StringLike': {
            'dynamodb:LeadingKeys': [
              ...checkedKeyPatterns(owner, 'deniedPartitionKeyPatterns', denied, 'get-item'),
            ],
          },
        },
      }),
    );
  }

  return [...statements, ...tableKeyStatements(table, access, context.region)];
}

/** What DynamoDB needs from a table's KMS key for `access`, on the caller's behalf; none for an AWS-owned key. */
export function tableKeyStatements(
  table: dynamodb.ITable,
  access: TableAccess,
  region: string,
): iam.PolicyStatement[] {
  if (table.encryptionKey === undefined) return [];
  return [
    new iam.PolicyStatement({
      actions: [...tableKeyActions[access]],
      resources: [table.encryptionKey.keyArn],
      // The table key is usable only through DynamoDB: the function cannot call KMS with it directly.
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` } },
    }),
  ];
}

function checkedKeyPatterns(
  owner: string,
  optionName: string,
  patterns: readonly string[],
  access: TableAccess,
): readonly string[] {
  if (access !== 'get-item' && access !== 'update-attributes' && access !== 'own-partitions') {
    throw new Error(
      `${owner}: ${optionName} only works with access 'get-item', 'update-attributes' or 'own-partitions' (got '${access}'); index queries use another partition key`,
    );
  }
  if (patterns.length === 0) {
    throw new Error(
      `${owner}: ${optionName} is empty; leave it out to allow every item, or give patterns such as "*#INVOICE#*"`,
    );
  }
  for (const pattern of patterns) {
    if (pattern.replace(/[*?]/g, '') === '') {
      throw new Error(
        `${owner}: ${optionName} pattern "${pattern}" has no literal part and would match every item; name the key layout, such as "*#INVOICE#*"`,
      );
    }
  }
  return patterns;
}

function checkedUpdatableAttributes(
  owner: string,
  access: TableAccess,
  options: BindTableOptions,
): readonly string[] | undefined {
  const attributes = options.updatableAttributes;
  if (access !== 'update-attributes') {
    if (attributes !== undefined || options.updatablePartitionKeyPatterns !== undefined) {
      throw new Error(
        `${owner}: updatableAttributes and updatablePartitionKeyPatterns only work with access 'update-attributes' (got '${access}')`,
      );
    }
    return undefined;
  }
  if (attributes === undefined || attributes.length === 0) {
    throw new Error(
      `${owner}: access 'update-attributes' needs updatableAttributes, the top-level attributes UpdateItem may change, such as ["delivery"]`,
    );
  }
  const keyAttributes: readonly string[] = [tableDefinition.partitionKey, tableDefinition.sortKey];
  for (const attribute of attributes) {
    if (!/^[A-Za-z0-9_-]+$/.test(attribute)) {
      throw new Error(
        `${owner}: updatable attribute "${attribute}" must be a top-level attribute name (letters, digits, _ and -), such as "delivery"`,
      );
    }
    if (keyAttributes.includes(attribute)) {
      throw new Error(
        `${owner}: updatable attribute "${attribute}" is a key attribute; keys are always named and never change, leave it out`,
      );
    }
  }
  return attributes;
}
