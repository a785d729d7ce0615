// local: everything the stack's functions need in the emulators — tables, keys, buckets, queues and the alerts
// topic — created as the CDK stacks declare them, idempotently, so a restart keeps what exists.
import { defaultBackupRetentionDays } from '../lib/backup-lock-settings';
import {
  type ClientConfig,
  ensureAlertTopic,
  ensureBucket,
  ensureKey,
  ensureKeyStoreTable,
  ensureQueue,
  ensureTable,
} from './provision';
import { ensureLockedBucket } from './provision-backups';

export const localNames = {
  table: 'ledgerlock-local',
  keyStoreTable: 'ledgerlock-keystore-local',
  documentsBucket: 'ledgerlock-documents-local',
  backupBucket: 'ledgerlock-backups-local',
  alertsTopic: 'ledgerlock-alerts',
  alertsQueue: 'ledgerlock-ops-inbox',
  mailFrom: 'invoices@ledgerlock.local',
  /** The render function api-read invokes, as the local Lambda emulator names it. */
  renderFunction: 'ledgerlock-render-local',
} as const;

export interface LocalEndpointsForProvisioning {
  readonly dynamodb: string;
  readonly kms: string;
  /** moto's S3: the documents bucket and the Object-Locked backup bucket. */
  readonly s3: string;
  readonly snsSqs: string;
}

export async function provisionLocalStack(
  endpoints: LocalEndpointsForProvisioning,
  config: (endpoint: string) => ClientConfig,
  log: (line: string) => void,
) {
  await ensureTable(config(endpoints.dynamodb), localNames.table);
  await ensureKeyStoreTable(config(endpoints.dynamodb), localNames.keyStoreTable);
  const kms = config(endpoints.kms);
  const symmetric = (description: string) =>
    ({ keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', description }) as const;
  const dataKeyArn = await ensureKey(
    kms,
    'alias/ledgerlock-data',
    symmetric('Ledgerlock: envelope encryption of sealed fields'),
  );
  const blindIndexKeyArn = await ensureKey(kms, 'alias/ledgerlock-blind-index', {
    keySpec: 'HMAC_256',
    keyUsage: 'GENERATE_VERIFY_MAC',
    description: 'Ledgerlock: keyed blind indexes over sealed values',
  });
  const documentsKeyArn = await ensureKey(
    kms,
    'alias/ledgerlock-documents',
    symmetric('Ledgerlock: SSE-KMS of the documents bucket'),
  );
  const backupKeyArn = await ensureKey(
    kms,
    'alias/ledgerlock-backups',
    symmetric('Ledgerlock: SSE-KMS of the backup bucket'),
  );
  const auditKeyArn = await ensureKey(kms, 'alias/ledgerlock-audit-checkpoints', {
    keySpec: 'ECC_NIST_P256',
    keyUsage: 'SIGN_VERIFY',
    description: "Ledgerlock: signs the audit chain's checkpoints",
  });
  await ensureBucket(config(endpoints.s3), localNames.documentsBucket);
  const backupBucket = await ensureLockedBucket(config(endpoints.s3), localNames.backupBucket, {
    // The retention and mode a production stage deploys with (lib/backup-lock-settings.ts).
    retentionDays: defaultBackupRetentionDays,
    mode: 'COMPLIANCE',
    encryptionKeyArn: backupKeyArn,
  });
  if (backupBucket.policyStatementsLeftOut.length > 0) {
    log(
      `backup bucket: moto cannot enforce ${backupBucket.policyStatementsLeftOut.join(', ')} of the deployed policy; ` +
        'they are asserted on the template instead',
    );
  }
  const sns = config(endpoints.snsSqs);
  const failureQueues = {
    deliver: await ensureQueue(sns, 'ledgerlock-deliver-failures'),
    backup: await ensureQueue(sns, 'ledgerlock-backup-failures'),
    detect: await ensureQueue(sns, 'ledgerlock-detect-failures'),
    chain: await ensureQueue(sns, 'ledgerlock-chain-failures'),
  };
  const alerts = await ensureAlertTopic(sns, localNames.alertsTopic, localNames.alertsQueue);
  return {
    dataKeyArn,
    blindIndexKeyArn,
    documentsKeyArn,
    backupKeyArn,
    auditKeyArn,
    failureQueues,
    alerts,
  };
}
