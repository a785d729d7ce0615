// test support: builds the two Ledgerlock stacks the way bin/app.ts does, with cdk.json's feature flags,
// into a temporary cloud assembly and without bundling (esbuild runs in `npm run synth`, not here).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { LedgerlockApiStack } from '../../lib/api-stack';
import { LedgerlockDataStack } from '../../lib/data-stack';

const root = path.resolve(import.meta.dirname, '../..');
const cdkJson = JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/**
 * The feature flags of cdk.json, without asset bundling and without CDK's built-in CloudFormation schema
 * check: tests assert intent on templates; `npm run synth` bundles and runs the schema check (seconds per app).
 * `bundling: true` runs esbuild for real, for the few tests that check a bundle.
 */
// One temp folder per test file for every assembly it synthesizes; this module is imported at the top of
// each infra test file, so the hook below is a root-level afterAll of that file.
const assemblies = mkdtempSync(path.join(tmpdir(), 'ledgerlock-cdk-'));
afterAll(() => rmSync(assemblies, { recursive: true, force: true }));

function assemblyDir(): string {
  return mkdtempSync(path.join(assemblies, 'app-'));
}

export function testApp(options: { readonly bundling?: boolean } = {}): App {
  return new App({
    outdir: assemblyDir(),
    builtinCloudFormationValidation: false,
    context: options.bundling
      ? { ...cdkJson.context }
      : { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
  });
}

export const testEnv = { account: '123456789012', region: 'eu-central-1' } as const;

/** The role CloudFormation deploys the test stacks with (the default bootstrap's execution role), as policies name it. */
export const testDeploymentRole = {
  'Fn::Sub':
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder, not a JS template
    'arn:${AWS::Partition}:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-central-1',
};

export interface LedgerlockTestApp {
  readonly app: App;
  readonly dataStack: LedgerlockDataStack;
  readonly apiStack: LedgerlockApiStack;
  readonly dataTemplate: Template;
  readonly apiTemplate: Template;
}

export function buildLedgerlock(): LedgerlockTestApp {
  const app = testApp();
  const dataStack = new LedgerlockDataStack(app, 'LedgerlockDataStack', { env: testEnv });
  const apiStack = new LedgerlockApiStack(app, 'LedgerlockApiStack', {
    env: testEnv,
    dataStore: dataStack.dataStore,
    identity: dataStack.identity,
    documents: dataStack.documents,
    backups: dataStack.backups,
    alerts: dataStack.alerts,
  });
  return {
    app,
    dataStack,
    apiStack,
    dataTemplate: Template.fromStack(dataStack),
    apiTemplate: Template.fromStack(apiStack),
  };
}

/** Logical id of an L1 resource, or of an L2 construct's default child. */
export function logicalId(construct: IConstruct): string {
  const resource = CfnResource.isCfnResource(construct)
    ? construct
    : (construct.node.defaultChild as CfnResource);
  return Stack.of(resource).getLogicalId(resource);
}

/**
 * How a consuming stack's template names a value the producing stack publishes: the output names (weak
 * references, `Fn::GetStackOutput`) and export names (strong references, `Fn::ImportValue`) of every output
 * whose value mentions the producer's logical id.
 */
export function referenceNames(producer: Template, producerLogicalId: string): string[] {
  const outputs = producer.toJSON().Outputs as Record<string, { Value: unknown; Export?: { Name?: string } }>;
  return Object.entries(outputs ?? {})
    .filter(([, output]) => JSON.stringify(output.Value).includes(`"${producerLogicalId}"`))
    .flatMap(([name, output]) => (output.Export?.Name ? [name, output.Export.Name] : [name]));
}

export interface PolicyStatementJson {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

type ResourceJson = { Type: string; Properties?: Record<string, unknown> };

/** Every statement of every identity policy in a template (inline role policies, policies, managed policies). */
export function allPolicyStatements(template: Template): { owner: string; statement: PolicyStatementJson }[] {
  const resources = template.toJSON().Resources as Record<string, ResourceJson>;
  const statements: { owner: string; statement: PolicyStatementJson }[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push(resource.Properties?.PolicyDocument);
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const inline of asList(
        resource.Properties?.Policies as { PolicyDocument: unknown }[] | undefined,
      )) {
        documents.push(inline.PolicyDocument);
      }
    }
    for (const document of documents) {
      for (const statement of asList((document as { Statement?: PolicyStatementJson[] }).Statement)) {
        statements.push({ owner: id, statement });
      }
    }
  }
  return statements;
}

/** Statements of the policies attached to one role (managed and inline) in its template. */
export function roleStatements(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const resources = template.toJSON().Resources as Record<string, ResourceJson>;
  const statements: PolicyStatementJson[] = [];
  const attachesRole = (properties: Record<string, unknown> | undefined) =>
    asList(properties?.Roles as unknown[] | undefined).some(
      (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }),
    );
  for (const { owner, statement } of allPolicyStatements(template)) {
    const resource = resources[owner];
    if (owner === roleLogicalId || attachesRole(resource?.Properties)) statements.push(statement);
  }
  const role = resources[roleLogicalId];
  if (role === undefined) throw new Error(`no role ${roleLogicalId} in the template`);
  // Policies attached through the role's ManagedPolicyArns (Ref to a managed policy in the same template).
  for (const arn of asList(role.Properties?.ManagedPolicyArns as unknown[] | undefined)) {
    const ref = (arn as { Ref?: string }).Ref;
    const managed = ref === undefined ? undefined : resources[ref];
    if (managed?.Type === 'AWS::IAM::ManagedPolicy' && !attachesRole(managed.Properties)) {
      statements.push(
        ...asList(
          (managed.Properties?.PolicyDocument as { Statement?: PolicyStatementJson[] } | undefined)
            ?.Statement,
        ),
      );
    }
  }
  return statements;
}

/** True when an IAM action pattern (with `*` and `?`) matches a concrete action, case-insensitively. */
export function actionPatternMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('')
      .map((character) =>
        character === '*' ? '.*' : character === '?' ? '.' : character.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('')}$`,
    'i',
  );
  return regex.test(action);
}
