// adapter: DynamoDB → ApiClientDirectory (read by the authorizer only).
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { apiClientKey, entityTypes } from '../platform/key-layout';
import type { ApiClientDirectory, ApiClientRecord } from '../ports/api-client-directory';

const recordSchema = z.object({
  clientId: z.string(),
  tenantId: z.string(),
  status: z.enum(['active', 'disabled']),
});

export class DynamoDbApiClientDirectory implements ApiClientDirectory {
  constructor(
    private readonly options: { readonly tableName: string; readonly client: DynamoDBDocumentClient },
  ) {}

  async find(clientId: string): Promise<ApiClientRecord | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: apiClientKey(clientId) }),
    );
    if (item === undefined) return undefined;
    const parsed = recordSchema.safeParse(item);
    return parsed.success ? parsed.data : undefined;
  }

  /** Registers a client; used by provisioning (local stack, ops tooling), never by a runtime function. */
  async register(record: ApiClientRecord): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...apiClientKey(record.clientId), entity: entityTypes.apiClient, ...record },
      }),
    );
  }
}
