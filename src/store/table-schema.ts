/**
 * The shape of weft's DynamoDB table, shared by the store (which creates it locally) and the CDK construct
 * (which declares it in the cloud), so the two can never disagree. Renaming any of these replaces data.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Sparse index of the runs still in progress: the recovery pass reads it instead of scanning. */
  activeRunsIndex: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Epoch seconds after which DynamoDB may delete the item (set on finished runs and their tasks). */
  ttlAttribute: 'expiresAt',
} as const;
