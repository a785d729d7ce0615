// test: cdk-nag — the AwsSolutions, Serverless and PCI DSS 3.2.1 packs find nothing unacknowledged.
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, type NagPack, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { wildcardResourceFinding } from '../../lib/nag-findings';
import { buildLedgerlock, type LedgerlockTestApp, testApp, testEnv } from './ledgerlock-app';

const packs = (): NagPack[] => [new AwsSolutionsChecks(), new ServerlessChecks(), new PCIDSS321Checks()];

/** `<rule> @ <construct path>` for every violation the packs report, errors and warnings alike. */
function findings(scope: IConstruct): string[] {
  return packs().flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.flatMap((violation) =>
        violation.violatingResources.map(
          (resource) => `${violation.severity} ${violation.ruleName} @ ${resource.constructPath}`,
        ),
      ),
  );
}

function acknowledgements(scope: IConstruct): { path: string; kind: string; ids: Record<string, string> }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((entry) => ({
        path: construct.node.path,
        kind: construct instanceof App ? 'app' : Stack.isStack(construct) ? 'stack' : 'construct',
        ids: entry.data as Record<string, string>,
      })),
  );
}

describe('cdk-nag packs', () => {
  describe('the Ledgerlock app', () => {
    let built: LedgerlockTestApp;
    beforeAll(() => {
      built = buildLedgerlock();
    });

    it('has no unacknowledged error or warning in any pack', () => {
      expect(findings(built.app)).toEqual([]);
    });

    it('acknowledges findings on single constructs only, never on the app or a stack', () => {
      const acknowledged = acknowledgements(built.app);
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(acknowledged.filter((entry) => entry.kind !== 'construct')).toEqual([]);
    });

    it('gives every acknowledgement a specific reason', () => {
      for (const { path, ids } of acknowledgements(built.app)) {
        for (const [id, reason] of Object.entries(ids)) {
          expect({ path, id, long: reason.length >= 60 }).toEqual({ path, id, long: true });
        }
      }
    });
  });

  describe('finding ids for acknowledgments', () => {
    it('spells a same-stack wildcard resource as cdk-nag does', () => {
      const stack = new Stack(testApp(), 'Findings', { env: testEnv });
      const bucket = new s3.Bucket(stack, 'Bucket');
      expect(wildcardResourceFinding(stack, bucket.arnForObjects('*'))).toBe(
        `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
      );
    });

    it('refuses a cross-stack reference, whose finding id exists only after synthesis', () => {
      const app = testApp();
      const producer = new Stack(app, 'Producer', { env: testEnv });
      const consumer = new Stack(app, 'Consumer', { env: testEnv });
      const bucket = new s3.Bucket(producer, 'Bucket');
      expect(() => wildcardResourceFinding(consumer, bucket.arnForObjects('*'))).toThrow(
        /is not a resource of Consumer nor a pseudo parameter/,
      );
    });
  });

  describe('the checks themselves', () => {
    function unsafeTable() {
      const stack = new Stack(testApp(), 'Unsafe', { env: testEnv });
      const table = new dynamodb.Table(stack, 'Table', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      });
      return { stack, table };
    }

    it('report a table without point-in-time recovery, even as a mere warning', () => {
      const { stack } = unsafeTable();
      expect(findings(stack)).toContain('warning AwsSolutions-DDB3 @ Unsafe/Table/Resource');
    });

    it('drop a finding acknowledged on the offending construct', () => {
      const { stack, table } = unsafeTable();
      Validations.of(table).acknowledge({ id: 'AwsSolutions-DDB3', reason: 'fixture for the nag test' });
      expect(findings(stack)).not.toContain('warning AwsSolutions-DDB3 @ Unsafe/Table/Resource');
    });
  });
});
