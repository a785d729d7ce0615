// cdk: spells cdk-nag finding ids exactly, so an acknowledgment names the one finding it accepts.
import { CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The id of the AwsSolutions-IAM5 finding that an identity policy in `scope`'s stack raises for a wildcard
 * `resource`, as cdk-nag flattens it (`Fn::Join` concatenated, `Ref` as `<Name>`, `Fn::GetAtt` as
 * `<Name.Attribute>`). Only same-stack references and pseudo parameters: a cross-stack reference is replaced by
 * a generated stack output during synthesis, so its finding id cannot be known here — build such a resource from
 * names instead (see Documents.importBucket).
 */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  const stack = Stack.of(scope);
  const localIds = new Set(
    stack.node
      .findAll()
      .filter((construct): construct is CfnElement => CfnElement.isCfnElement(construct))
      .filter((element) => Stack.of(element) === stack)
      .map((element) => stack.resolve(element.logicalId) as string),
  );
  const target = (name: unknown): string => {
    if (typeof name !== 'string' || !(name.startsWith('AWS::') || localIds.has(name))) {
      throw new Error(
        `wildcardResourceFinding: ${JSON.stringify(name)} is not a resource of ${stack.stackName} nor a pseudo parameter; its finding id is only known after synthesis`,
      );
    }
    return name;
  };
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (typeof node === 'object' && node !== null) {
      const join = (node as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      if (join !== undefined) return join[1].map(flatten).join(join[0]);
      const ref = (node as { Ref?: unknown }).Ref;
      if (ref !== undefined) return `<${target(ref)}>`;
      const getAtt = (node as { 'Fn::GetAtt'?: [unknown, string] })['Fn::GetAtt'];
      if (getAtt !== undefined) return `<${target(getAtt[0])}.${getAtt[1]}>`;
    }
    throw new Error(`wildcardResourceFinding: cannot spell ${JSON.stringify(node)} as cdk-nag does`);
  };
  return `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(resource))}]`;
}
