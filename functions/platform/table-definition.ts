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

export type TableDefinition = typeof tableDefinition;

/** The hierarchical keyring's branch key store; its key names are fixed by the Encryption SDK. */
export const keyStoreTableDefinition = {
  partitionKey: 'branch-key-id',
  sortKey: 'type',
} as const;
