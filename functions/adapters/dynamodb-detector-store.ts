// adapter: DynamoDB → DetectorStore. One item per rule and subject under the detector's own key prefix (the
// detect role may touch nothing else), versioned for optimistic concurrency, with a TTL so idle subjects fade.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RuleState } from '../domain/detection/evaluate';
import type { RuleId } from '../domain/detection/rules';
import type { Subject } from '../domain/detection/subjects';
import { detectorKey, entityTypes } from '../platform/key-layout';
import type { DetectorStore, StoredRuleState } from '../ports/detector-store';
import { ConcurrentChangeError } from '../ports/ledger';

/** A baseline outlives a month without traffic (month-end runs), then the subject starts afresh. */
const stateRetentionSeconds = 45 * 86_400;
const registrySubject = 'registry';

export class DynamoDbDetectorStore implements DetectorStore {
  constructor(
    private readonly options: {
      readonly tableName: string;
      readonly client: DynamoDBDocumentClient;
      readonly now?: () => number;
    },
  ) {}

  private expiresAt(seconds: number): number {
    return Math.floor((this.options.now?.() ?? Date.now()) / 1000) + seconds;
  }

  async load(rule: RuleId, subject: Subject): Promise<StoredRuleState | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: detectorKey(subject, `RULE#${rule}`),
        ConsistentRead: true,
      }),
    );
    if (item === undefined || typeof item.state !== 'string') return undefined;
    return { state: JSON.parse(item.state) as RuleState, version: Number(item.version) };
  }

  async save(
    rule: RuleId,
    subject: Subject,
    state: RuleState,
    expectedVersion: number | null,
  ): Promise<void> {
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...detectorKey(subject, `RULE#${rule}`),
            entity: entityTypes.detectorWindow,
            // One string attribute: the state's shape is the domain's, not a schema the table needs to know.
            state: JSON.stringify(state),
            version: (expectedVersion ?? 0) + 1,
            expiresAt: this.expiresAt(stateRetentionSeconds),
          },
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConcurrentChangeError('another detector invocation saved first', { cause: error });
      }
      throw error;
    }
  }

  async setOpen(rule: RuleId, subject: Subject, open: boolean): Promise<void> {
    const key = detectorKey(registrySubject, `OPEN#${rule}#${subject}`);
    if (open) {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...key,
            entity: entityTypes.detectorAlert,
            rule,
            subject,
            expiresAt: this.expiresAt(7 * 86_400),
          },
        }),
      );
    } else {
      await this.options.client
        .send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: key,
            // An update, not a delete: the detect role writes but never deletes; the TTL removes closed entries.
            UpdateExpression: 'SET closed = :true, expiresAt = :soon',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':true': true, ':soon': this.expiresAt(3600) },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    }
  }

  async openAlerts() {
    const open: { rule: RuleId; subject: Subject }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :registry AND begins_with(sk, :open)',
          ExpressionAttributeValues: { ':registry': detectorKey(registrySubject, '').pk, ':open': 'OPEN#' },
          ConsistentRead: true,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.closed !== true) open.push({ rule: item.rule as RuleId, subject: item.subject as Subject });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return open;
  }

  async countAlerts(hour: string, kind: 'published' | 'held-back'): Promise<number> {
    const { Attributes: attributes } = await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: detectorKey('platform', `CAP#${hour}`),
        UpdateExpression: 'ADD #count :one SET expiresAt = :expires',
        ExpressionAttributeNames: { '#count': kind === 'published' ? 'published' : 'heldBack' },
        ExpressionAttributeValues: { ':one': 1, ':expires': this.expiresAt(2 * 86_400) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(attributes?.[kind === 'published' ? 'published' : 'heldBack'] ?? 1);
  }
}
