// adapter: DynamoDB → SellerProfiles, sealed like every record that may hold personal data.
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { SellerProfile } from '../domain/seller';
import { IntegrityError } from '../platform/errors';
import { entityTypes, sellerProfileKey } from '../platform/key-layout';
import type { Sealer } from '../ports/sealer';
import type { SellerProfiles } from '../ports/seller-profiles';
import { storedAddressSchema } from './dynamodb-codecs';
import { openRecord, sealRecord } from './sealed-record';

const profileSchema = z.object({
  name: z.string(),
  address: storedAddressSchema,
  taxId: z.string().optional(),
  email: z.string().optional(),
  paymentInstructions: z.string().optional(),
});

const identity = (tenantId: string) => ({
  tenantId,
  entityType: entityTypes.sellerProfile,
  entityId: tenantId,
});

export class DynamoDbSellerProfiles implements SellerProfiles {
  constructor(
    private readonly options: {
      readonly tableName: string;
      readonly client: DynamoDBDocumentClient;
      readonly sealer: Sealer;
    },
  ) {}

  async get(tenantId: string): Promise<SellerProfile | undefined> {
    const { Item: item } = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: sellerProfileKey(tenantId) }),
    );
    if (item === undefined) return undefined;
    if (!(item.sealed instanceof Uint8Array) || typeof item.updatedAt !== 'string') {
      throw new IntegrityError('stored seller profile has an unexpected shape');
    }
    const opened = profileSchema.safeParse(
      await openRecord(this.options.sealer, identity(tenantId), { updatedAt: item.updatedAt }, item.sealed),
    );
    if (!opened.success) throw new IntegrityError('sealed seller profile has an unexpected shape');
    return opened.data;
  }

  async put(tenantId: string, profile: SellerProfile): Promise<void> {
    const updatedAt = new Date().toISOString();
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...sellerProfileKey(tenantId),
          entity: entityTypes.sellerProfile,
          updatedAt,
          sealed: await sealRecord(this.options.sealer, identity(tenantId), { updatedAt }, profile),
        },
      }),
    );
  }
}
