// platform: the composition root of chain — the chain store over the table and the KMS checkpoint signer; it
// opens no sealed record.
import { documentClient, kmsClient } from '../../adapters/aws-clients';
import { DynamoDbAuditChainStore } from '../../adapters/dynamodb-audit-chain-store';
import { KmsCheckpointSigner } from '../../adapters/kms-checkpoint-signer';
import type { ChainDependencies } from '../../chain/handler';
import type { ConfigOf, Runtime } from './runtime';

export function composeChain(config: ConfigOf<'chain'>, runtime: Runtime): ChainDependencies {
  return {
    store: new DynamoDbAuditChainStore({
      tableName: config.tableName,
      client: documentClient(runtime.clients),
    }),
    signer: new KmsCheckpointSigner({ keyArn: config.auditKeyArn, kms: kmsClient(runtime.clients) }),
    signals: runtime.signals,
    observability: runtime.observability,
  };
}
