// cdk: key protection — the key-policy statements that make KMS key deletion impossible and key-policy changes
// possible only through a CloudFormation deployment, and the one principal deployments run as.
import { DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';

/** The CDK context key that names the deployment role, for apps not deployed with the default CDK bootstrap. */
export const deploymentRoleContextKey = 'ledgerlock:deploymentRoleArn';

/** Denied to every principal, with no exception: nobody may destroy or switch off a key. */
export const keyDestructionActions = ['kms:ScheduleKeyDeletion', 'kms:DisableKey'] as const;

/**
 * Denied to every principal except the deployment role: a key policy changes only with a reviewed template, and
 * rotation stays on. Not denied to everyone, because KMS refuses a key policy that would lock its own caller out
 * of PutKeyPolicy (the "lockout safety check"): CloudFormation could then neither create the key nor ever update
 * its policy again.
 */
export const keyPolicyChangeActions = ['kms:PutKeyPolicy', 'kms:DisableKeyRotation'] as const;

/**
 * The role CloudFormation deploys this stack with: the `ledgerlock:deploymentRoleArn` context value, or else the
 * CloudFormation execution role of the default CDK bootstrap (`cdk-<qualifier>-cfn-exec-role-<account>-<region>`).
 * The break-glass path of every "only through a deployment" policy statement, so every such change is a template
 * change, reviewed, deployed, recorded by CloudTrail and alerted on (see TamperAlerts).
 */
export function deploymentRoleArn(scope: IConstruct): string {
  const stack = Stack.of(scope);
  const fromContext: unknown = stack.node.tryGetContext(deploymentRoleContextKey);
  if (fromContext !== undefined) {
    if (
      typeof fromContext !== 'string' ||
      !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(fromContext)
    ) {
      throw new Error(
        `${stack.stackName}: context ${deploymentRoleContextKey} is ${JSON.stringify(fromContext)}; give the ARN of the role CloudFormation deploys with, such as arn:aws:iam::123456789012:role/deployer`,
      );
    }
    return fromContext;
  }
  const synthesizer = stack.synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer)) {
    throw new Error(
      `${stack.stackName}: the stack does not use the default CDK synthesizer, so its deployment role is unknown; set the context value ${deploymentRoleContextKey}`,
    );
  }
  // The synthesizer spells it with ${AWS::Partition}-style placeholders for the CLI; Fn::Sub resolves them here.
  return Fn.sub(synthesizer.cloudFormationExecutionRoleArn);
}

/**
 * Adds to `key`'s policy a Deny of {@link keyDestructionActions} for every principal (root and administrators
 * included: a Deny beats every Allow) and a Deny of {@link keyPolicyChangeActions} for every principal but the
 * deployment role. To retire a key on purpose, deploy a template without these statements first — a change
 * TamperAlerts reports — and then schedule the deletion, which the pending window still lets anyone cancel.
 */
export function protectKeyFromDestruction(key: kms.Key, deploymentRole: string): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyKeyDeletionAndDisablingToEveryone',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [...keyDestructionActions],
      resources: ['*'],
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyKeyPolicyChangesOutsideDeployments',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [...keyPolicyChangeActions],
      resources: ['*'],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': deploymentRole } },
    }),
  );
}
