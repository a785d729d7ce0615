// ops: `npm run ops -- <command>` — what operations do by hand during an incident: against AWS when --table names
// the main table (region and credentials from the environment), else against the local stack of <state-dir>.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AwsClients } from '../functions/adapters/aws-clients';
import { DynamoDbAuditTrail } from '../functions/adapters/dynamodb-audit-trail';
import { DynamoDbDetectorStore } from '../functions/adapters/dynamodb-detector-store';
import { KmsCheckpointVerifier } from '../functions/adapters/kms-checkpoint-signer';
import { verifyAuditStep } from '../functions/application/audit-queries';
import { acceptPeak } from '../functions/domain/detection/baseline';
import { emptyRuleState } from '../functions/domain/detection/evaluate';
import { rules } from '../functions/domain/detection/rules';
import { parseSubject } from '../functions/domain/detection/subjects';
import { apiClientKey, idPatterns } from '../functions/platform/key-layout';

const usage = `Usage: npm run ops -- <command> [options]

Commands:
  disable-client <clientId>   refuse the client's tokens from now on (the authorizer reads its CLIENT# item;
                              API Gateway may reuse a cached answer for up to 300 s)
  enable-client <clientId>    let a disabled client in again
  verify-audit <tenantId>     recompute the tenant's audit chain and name the first altered or missing event,
                              in steps of at most --limit events, checking every signed checkpoint on the way
  accept-baseline <rule> <subject> --peak <n>
                              after checking the traffic is legitimate: make n a minute usual for the subject
                              (e.g. create-spike tenant:ten_…), so the rule alerts again only above its factor
                              of n — breaching minutes are never learned on their own

Options:
  --from <where>      verify-audit: "genesis" (default) or "checkpoint" (start at the latest signed checkpoint)
  --limit <n>         verify-audit: events per step, 1–1000 (default 1000)
  --table <name>      run against AWS, on this main table (region and credentials from the environment)
  --state-dir <dir>   without --table: the local stack whose endpoints.json to use (default: .local)
  --audit-key <arn>   with --table: the KMS key that signs the audit checkpoints (its public key checks them)
  -h, --help          show this help
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'state-dir': { type: 'string' },
    table: { type: 'string' },
    'audit-key': { type: 'string' },
    from: { type: 'string' },
    limit: { type: 'string' },
    peak: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const fail = (message: string): never => {
  process.stderr.write(`ops: ${message}\n`);
  process.exit(2);
};
if (values.help || positionals.length === 0) {
  process.stdout.write(usage);
  process.exit(values.help ? 0 : 2);
}

const endpointsFile = join(resolve(values['state-dir'] ?? '.local'), 'endpoints.json');
// --table means AWS, even on a machine that also runs a local stack.
const local =
  values.table === undefined && existsSync(endpointsFile)
    ? (JSON.parse(readFileSync(endpointsFile, 'utf8')) as {
        region: string;
        credentials: { accessKeyId: string; secretAccessKey: string };
        dynamodb: string;
        kms: string;
        tables: { main: string };
        keys: { audit: string };
      })
    : undefined;
const clients =
  local === undefined
    ? new AwsClients()
    : new AwsClients({
        region: local.region,
        credentials: local.credentials,
        endpoints: { dynamodb: local.dynamodb, kms: local.kms },
      });
const tableName =
  local?.tables.main ??
  values.table ??
  fail(`no local stack in ${endpointsFile} (is npm start running?), and no --table <main table> to use AWS`);

const [command, argument, second] = positionals;

async function setClientStatus(clientId: string, status: 'active' | 'disabled') {
  try {
    await clients.documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: apiClientKey(clientId),
        // Stamped like every other write, so a restore --as-of knows when the client was disabled.
        UpdateExpression: 'SET #status = :status, changedAt = :changedAt',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':changedAt': new Date().toISOString() },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) fail(`no API client ${clientId}`);
    throw error;
  }
  process.stdout.write(`client ${clientId} is ${status}\n`);
}

switch (command) {
  case 'disable-client':
    await setClientStatus(argument ?? fail('disable-client needs a client id'), 'disabled');
    break;
  case 'enable-client':
    await setClientStatus(argument ?? fail('enable-client needs a client id'), 'active');
    break;
  case 'verify-audit': {
    const tenantId = argument ?? fail('verify-audit needs a tenant id');
    if (!idPatterns.tenant.test(tenantId)) fail(`"${tenantId}" is not a tenant id (ten_…)`);
    const from = values.from ?? 'genesis';
    if (from !== 'genesis' && from !== 'checkpoint') fail('--from is "genesis" or "checkpoint"');
    const limit = Number(values.limit ?? 1000);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) fail('--limit is 1–1000');
    const auditKeyArn =
      local?.keys.audit ?? values['audit-key'] ?? fail('on AWS, --audit-key <arn> is required');
    // Positions between steps stay in this process: no sealed record is opened and no cursor issued.
    const unused = () => Promise.reject(new Error('not used'));
    const trail = new DynamoDbAuditTrail({
      tableName,
      client: clients.documents,
      sealer: { seal: unused, open: unused },
    });
    const checkpoints = new KmsCheckpointVerifier({ keyArn: auditKeyArn, kms: clients.kms });
    let after: { sequence: number; hash: string } | undefined;
    let checked = 0;
    let checkpointsVerified = 0;
    let fromSequence: number | undefined;
    for (;;) {
      const step = await verifyAuditStep({ auditTrail: trail, checkpoints }, tenantId, {
        limit,
        ...(after === undefined ? { from: from as 'genesis' | 'checkpoint' } : { after }),
      });
      fromSequence ??= step.fromSequence;
      checked += step.result.checked;
      checkpointsVerified += step.checkpointsVerified;
      if (!step.result.valid) {
        process.stdout.write(
          `audit chain of ${tenantId}: BROKEN at event ${step.result.firstBrokenSequence} (${step.result.reason}); ${checked} events verified before it\n`,
        );
        process.exit(1);
      }
      if (step.complete || step.continueAfter === undefined) {
        const start = fromSequence === 0 ? 'the first event' : `signed checkpoint ${fromSequence}`;
        process.stdout.write(
          `audit chain of ${tenantId}: valid, ${checked} events from ${start} to ${step.throughSequence}, head ${step.result.head.hash.slice(0, 16)}…, ${checkpointsVerified} signed checkpoints checked, ${step.pendingEntries} entries not yet chained\n`,
        );
        process.exit(0);
      }
      after = step.continueAfter;
    }
  }
  case 'accept-baseline': {
    const rule = rules.find((candidate) => candidate.id === argument);
    if (rule === undefined || rule.threshold.kind !== 'baseline') {
      fail(
        `"${argument ?? ''}" is not a rule with a baseline (${rules
          .filter((r) => r.threshold.kind === 'baseline')
          .map((r) => r.id)
          .join(', ')})`,
      );
      break;
    }
    const subjectText = second ?? fail('accept-baseline needs a subject (tenant:…, client:…, ip:…)');
    const subject = (() => {
      try {
        return parseSubject(subjectText);
      } catch (error) {
        return fail((error as Error).message);
      }
    })();
    const peak = Number(values.peak ?? fail('accept-baseline needs --peak <events a minute>'));
    if (!Number.isFinite(peak) || peak <= 0) fail('--peak must be a positive number of events a minute');
    const store = new DynamoDbDetectorStore({ tableName, client: clients.documents });
    const current = await store.load(rule.id, subject);
    const state = current?.state ?? emptyRuleState;
    await store.save(
      rule.id,
      subject,
      { ...state, counter: acceptPeak(state.counter, peak, rule.threshold.warmUpMinutes) },
      current?.version ?? null,
    );
    process.stdout.write(
      `${rule.id} ${subject}: ${peak} a minute is now usual; it alerts above ${Math.max(rule.threshold.floor, rule.threshold.peakFactor * peak)} a minute\n`,
    );
    break;
  }
  default:
    fail(`unknown command "${command}" (see --help)`);
}
