// test: key protection — no key of the stateful stack can be deleted or disabled, and only a deployment changes a
// key policy.
import type { Template } from 'aws-cdk-lib/assertions';
import { LedgerlockDataStack } from '../../lib/data-stack';
import { keyDestructionActions, keyPolicyChangeActions } from '../../lib/key-protection';
import {
  buildLedgerlock,
  type LedgerlockTestApp,
  testApp,
  testDeploymentRole,
  testEnv,
} from './ledgerlock-app';

let built: LedgerlockTestApp;
beforeAll(() => {
  built = buildLedgerlock();
});

type KeyStatement = {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Condition?: unknown;
};

function keyPolicies(template: Template): [string, KeyStatement[]][] {
  return Object.entries(template.findResources('AWS::KMS::Key')).map(([id, key]) => [
    id,
    key.Properties.KeyPolicy.Statement as KeyStatement[],
  ]);
}

describe('key protection', () => {
  it('covers every key of the stateful stack: table, data, blind index, audit checkpoints, logs, documents, alerts, backups, vault', () => {
    expect(
      keyPolicies(built.dataTemplate)
        .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
        .sort(),
    ).toEqual(
      [
        'AlertsKey',
        'BackupsKey',
        'BackupsVaultKey',
        'DataStoreAuditCheckpointKey',
        'DataStoreBlindIndexKey',
        'DataStoreDataKey',
        'DataStoreLogKey',
        'DataStoreTableKey',
        'DocumentsKey',
      ].sort(),
    );
  });

  it.each(['ScheduleKeyDeletion', 'DisableKey'])(
    'denies kms:%s to every principal, with no exception',
    (action) => {
      for (const [id, statements] of keyPolicies(built.dataTemplate)) {
        const deny = statements.find(
          (statement) => statement.Sid === 'DenyKeyDeletionAndDisablingToEveryone',
        );
        expect({ id, deny }).toEqual({
          id,
          deny: {
            Sid: 'DenyKeyDeletionAndDisablingToEveryone',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: [...keyDestructionActions].sort(),
            Resource: '*',
          },
        });
        expect(keyDestructionActions).toContain(`kms:${action}`);
      }
    },
  );

  it('denies kms:PutKeyPolicy and kms:DisableKeyRotation to all but the deployment role', () => {
    for (const [id, statements] of keyPolicies(built.dataTemplate)) {
      const deny = statements.find((statement) => statement.Sid === 'DenyKeyPolicyChangesOutsideDeployments');
      expect({ id, deny }).toEqual({
        id,
        deny: {
          Sid: 'DenyKeyPolicyChangesOutsideDeployments',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: [...keyPolicyChangeActions].sort(),
          Resource: '*',
          Condition: {
            ArnNotEquals: {
              'aws:PrincipalArn': testDeploymentRole,
            },
          },
        },
      });
    }
  });

  it('keeps the account root in the key policy, as KMS and the deployment role need', () => {
    for (const [, statements] of keyPolicies(built.dataTemplate)) {
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Allow', Action: 'kms:*', Principal: { AWS: expect.anything() } }),
      );
    }
  });

  it('refuses a deployment role context value that is not a role ARN', () => {
    const app = testApp();
    app.node.setContext('ledgerlock:deploymentRoleArn', 'deployer');
    expect(() => new LedgerlockDataStack(app, 'LedgerlockDataStack', { env: testEnv })).toThrow(
      /context ledgerlock:deploymentRoleArn is "deployer"; give the ARN of the role CloudFormation deploys with/,
    );
  });
});
