// platform: the one description of the DynamoDB table, read by the CDK data construct and by local/ provisioning.

/** Attribute names of the single table. Every partition key begins with the tenant id (see keys.ts). */
export const tableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  streamViewType: 'NEW_AND_OLD_IMAGES',
  globalSecondaryIndexes: [
    // Lists (invoices by status/date, customers by blind index) live on one overloaded index.
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    // Look-ups by keyed blind index (customer by email digest); never a plaintext value.
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
} as const;

/** The hierarchical keyring's branch key store; its key names are fixed by the Encryption SDK. */
export const keyStoreTableDefinition = {
  partitionKey: 'branch-key-id',
  sortKey: 'type',
  /** Backups read every change of the key store too: losing a branch key loses the tenant's sealed data. */
  streamViewType: 'NEW_AND_OLD_IMAGES',
} as const;

/**
 * The CreateTable request for a table of this definition (on-demand, stream on): for local provisioning and for
 * restoring into a new table. CDK builds the deployed tables from the same definition (lib/data-store.ts).
 */
export function mainTableCreation(tableName: string) {
  const keyAttributes = new Set<string>([tableDefinition.partitionKey, tableDefinition.sortKey]);
  for (const index of tableDefinition.globalSecondaryIndexes) {
    keyAttributes.add(index.partitionKey);
    keyAttributes.add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...keyAttributes].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: tableDefinition.streamViewType },
  };
}

/** The key store's CreateTable request; its stream feeds the backups too. */
export function keyStoreTableCreation(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: keyStoreTableDefinition.partitionKey, AttributeType: 'S' as const },
      { AttributeName: keyStoreTableDefinition.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: keyStoreTableDefinition.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: keyStoreTableDefinition.sortKey, KeyType: 'RANGE' as const },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: keyStoreTableDefinition.streamViewType },
  };
}
