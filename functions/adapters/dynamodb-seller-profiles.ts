// adapter: DynamoDB → SellerProfiles, sealed like every record that may hold personal data.
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SellerProfile } from '../domain/seller';
import { sellerProfileKey } from '../platform/key-layout';
import type { Sealer } from '../ports/sealer';
import type { SellerProfileRecord, SellerProfiles } from '../ports/seller-profiles';
import { sellerProfileCodec } from './dynamodb-codecs';

export class DynamoDbSellerProfiles implements SellerProfiles {
  constructor(
    private readonly options: {
      readonly tableName: string;
      readonly client: DynamoDBDocumentClient;
      readonly sealer: Sealer;
      readonly now?: () => Date;
    },
  ) {}

  async find(tenantId: string): Promise<SellerProfileRecord | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: sellerProfileKey(tenantId),
        ConsistentRead: true,
      }),
    );
    return item === undefined ? undefined : sellerProfileCodec.fromItem(this.options.sealer, tenantId, item);
  }

  async get(tenantId: string): Promise<SellerProfile | undefined> {
    return (await this.find(tenantId))?.profile;
  }

  async put(tenantId: string, profile: SellerProfile): Promise<void> {
    const updatedAt = (this.options.now?.() ?? new Date()).toISOString();
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...(await sellerProfileCodec.toItem(
            this.options.sealer,
            { profile, version: 1, updatedAt },
            tenantId,
          )),
          changedAt: updatedAt,
        },
      }),
    );
  }
}
