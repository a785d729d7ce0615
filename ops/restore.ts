// ops: `npm run restore` — rebuilds the main table and the branch-key store from the Object-Locked backups into
// new tables, then verifies them; `--status` shows how far the backups lag. Runs against the local stack that
// <state-dir>/endpoints.json names, or against AWS (region and credentials from the environment).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AwsClients } from '../functions/adapters/aws-clients';
import { DynamoDbRestoreTarget, DynamoDbRestoreVerifier } from '../functions/adapters/dynamodb-restore';
import {
  branchKeyStore,
  EncryptionSdkSealer,
  tenantHierarchicalKeyring,
} from '../functions/adapters/encryption-sdk-sealer';
import { KmsCheckpointVerifier } from '../functions/adapters/kms-checkpoint-signer';
import { S3BackupLibrary } from '../functions/adapters/s3-backup-library';
import { restoreFromBackups } from '../functions/application/restore-backup';
import { TargetNotEmptyError } from '../functions/ports/restore-target';
import { backupStatus } from './backup-status';

const usage = `Usage: npm run restore -- --into <table> [options]
       npm run restore -- --status [--state-dir <dir>]

Rebuilds the main table's items (and the branch-key store) from the backup bucket into new tables, then verifies
them: every sealed record opens and matches its encryption context and digest, and every tenant's audit chain
verifies up to its backed-up head and through every signed checkpoint the backups hold. Its last line reads "restore: <N> items as of <ISO-8601>, verified", and it
exits 0 only when the verification passed.

Options:
  --into <table>            the table to restore into (created with the main table's definition; must be empty)
  --key-store-into <table>  where the branch keys go (default: <into>-key-store; created, must be empty)
  --as-of <ISO-8601>        the state at this moment (default: the latest backed-up state)
  --state-dir <dir>         the local stack whose endpoints.json to use (default: .local); without one, AWS:
  --bucket <name>           AWS: the backup bucket
  --key-store-table <name>  AWS: the original key store's name (branch keys are bound to it)
  --data-key-arn <arn>      AWS: the KMS key that wraps the branch keys
  --audit-key <arn>         AWS: the KMS key that signs the audit checkpoints (its public key checks them)
  --status                  show the backups' lag instead of restoring
  -h, --help                show this help
`;

const { values } = parseArgs({
  options: {
    into: { type: 'string' },
    'key-store-into': { type: 'string' },
    'as-of': { type: 'string' },
    'state-dir': { type: 'string' },
    bucket: { type: 'string' },
    'key-store-table': { type: 'string' },
    'data-key-arn': { type: 'string' },
    'audit-key': { type: 'string' },
    status: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const fail = (message: string): never => {
  process.stderr.write(`restore: ${message}\n`);
  process.exit(2);
};

if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

interface LocalEndpoints {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly dynamodb: string;
  readonly kms: string;
  readonly s3: string;
  readonly buckets: { readonly backups: string };
  readonly tables: { readonly keyStore: string };
  readonly keys: { readonly data: string; readonly audit: string };
}

const stateDir = resolve(values['state-dir'] ?? '.local');
const endpointsFile = join(stateDir, 'endpoints.json');
const local = existsSync(endpointsFile)
  ? (JSON.parse(readFileSync(endpointsFile, 'utf8')) as LocalEndpoints)
  : undefined;

if (values.status) {
  if (local === undefined)
    fail(`--status reads the local stack's state; no ${endpointsFile} (is npm start running?)`);
  process.stdout.write(`${await backupStatus(stateDir)}\n`);
  process.exit(0);
}

const into = values.into ?? fail('--into <table> is required (see --help)');
const keyStoreInto = values['key-store-into'] ?? `${into}-key-store`;
for (const name of [into, keyStoreInto]) {
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(name))
    fail(`"${name}" is not a DynamoDB table name (3–255 of A–Z a–z 0–9 _ - .)`);
}
const asOf = values['as-of'] === undefined ? undefined : new Date(values['as-of']);
if (asOf !== undefined && Number.isNaN(asOf.getTime()))
  fail(`--as-of "${values['as-of']}" is not an ISO-8601 time`);

const settings =
  local === undefined
    ? {
        clients: new AwsClients(),
        bucket: values.bucket ?? fail('on AWS, --bucket is required'),
        keyStoreName: values['key-store-table'] ?? fail('on AWS, --key-store-table is required'),
        dataKeyArn: values['data-key-arn'] ?? fail('on AWS, --data-key-arn is required'),
        auditKeyArn: values['audit-key'] ?? fail('on AWS, --audit-key is required'),
        where: `AWS (${process.env.AWS_REGION ?? 'region from the AWS config'})`,
      }
    : {
        clients: new AwsClients({
          region: local.region,
          credentials: local.credentials,
          endpoints: { dynamodb: local.dynamodb, kms: local.kms, s3: local.s3 },
          s3ForcePathStyle: true,
        }),
        bucket: local.buckets.backups,
        keyStoreName: local.tables.keyStore,
        dataKeyArn: local.keys.data,
        auditKeyArn: local.keys.audit,
        where: `the local stack of ${stateDir}`,
      };

const { clients } = settings;
const started = performance.now();
const say = (line: string) =>
  process.stdout.write(
    `[restore ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`,
  );
say(`restoring from s3://${settings.bucket} on ${settings.where} into ${into} and ${keyStoreInto}`);
const restoredKeyStore = branchKeyStore({
  tableName: keyStoreInto,
  logicalName: settings.keyStoreName,
  kmsKeyArn: settings.dataKeyArn,
  dynamoDb: clients.dynamoDb,
  kms: clients.kms,
});
const sealer = new EncryptionSdkSealer(tenantHierarchicalKeyring(restoredKeyStore), restoredKeyStore);
try {
  const report = await restoreFromBackups(
    {
      library: new S3BackupLibrary({ client: clients.s3, bucket: settings.bucket }),
      main: new DynamoDbRestoreTarget({ client: clients.dynamoDb, tableName: into, kind: 'main' }),
      keyStore: new DynamoDbRestoreTarget({
        client: clients.dynamoDb,
        tableName: keyStoreInto,
        kind: 'key-store',
      }),
      verifier: new DynamoDbRestoreVerifier({
        tableName: into,
        client: clients.documents,
        sealer,
        checkpoints: new KmsCheckpointVerifier({ keyArn: settings.auditKeyArn, kms: clients.kms }),
      }),
      progress: say,
    },
    asOf === undefined ? {} : { asOf },
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  say(`read ${report.objectsRead} objects, replayed ${report.changesReplayed} changes in ${seconds} s`);
  say(
    `wrote ${report.itemsWritten.main} items into ${into}, ${report.itemsWritten.keyStore} into ${keyStoreInto}`,
  );
  for (const [reason, count] of Object.entries(report.skipped)) say(`left out ${count} items: ${reason}`);
  const counts = Object.entries(report.verification.counts).sort(([a], [b]) => a.localeCompare(b));
  say(`items by type: ${counts.map(([entity, count]) => `${entity} ${count}`).join(', ') || 'none'}`);
  say(`sealed records opened and checked: ${report.verification.sealedChecked}`);
  for (const chain of report.verification.chains) {
    say(
      `audit chain of ${chain.tenantId}: ${chain.valid ? `valid, ${chain.checked} events, ${chain.checkpoints} signed checkpoints, ${chain.pending} entries not yet chained` : `BROKEN (${chain.reason})`}`,
    );
  }
  for (const failure of report.verification.failures.slice(0, 20)) say(`FAILED ${failure}`);
  const state = report.verified ? 'verified' : 'NOT verified';
  process.stdout.write(`restore: ${report.itemsWritten.main} items as of ${report.asOf}, ${state}\n`);
  process.exit(report.verified ? 0 : 1);
} catch (error) {
  if (error instanceof TargetNotEmptyError) fail(error.message);
  throw error;
}
