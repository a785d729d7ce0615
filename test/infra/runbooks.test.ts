// test (infra): every platform alert the synthesized stacks can publish — each CloudWatch alarm's and each CloudTrail
// rule's `platform-<name>` — has its runbook under docs/runbooks/ with the five sections, the severity the template
// publishes and the alarm it names; no platform runbook is left over from an alarm that no longer exists; the
// logical ids the README's toolbox looks resources up by exist in the templates; and what containment and alert
// resolution rely on is there: the WAF rules the WAF runbook lists, the blocklist IP sets the README edits, the
// one-minute tick that resolves quiet alerts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { platformRulePrefix, runbookPath } from '../../lib/alert-routes';
import {
  readRunbook as read,
  runbooksDirectory as runbooks,
  runbookSections as sections,
} from '../unit/support/runbooks';
import { buildLedgerlock, type LedgerlockTestApp } from './ledgerlock-app';

const root = path.resolve(import.meta.dirname, '../..');

type ResourceJson = { Type: string; Properties?: Record<string, any> };

interface PlatformRule {
  readonly rule: string;
  readonly severities: Set<string>;
  /** The CloudWatch alarms whose state changes publish this rule, by name. */
  readonly alarms: Set<string>;
}

let built: LedgerlockTestApp;
let platformRules: Map<string, PlatformRule>;

function resources(app: LedgerlockTestApp): [string, Record<string, ResourceJson>][] {
  return [
    [app.dataStack.stackName, app.dataTemplate.toJSON().Resources as Record<string, ResourceJson>],
    [app.apiStack.stackName, app.apiTemplate.toJSON().Resources as Record<string, ResourceJson>],
  ];
}

/** Every platform rule id in the alerts the EventBridge rules publish, with their severities and alarms. */
function collectPlatformRules(app: LedgerlockTestApp): Map<string, PlatformRule> {
  const found = new Map<string, PlatformRule>();
  const alarmNames = new Map<string, string>();
  for (const [, stackResources] of resources(app)) {
    for (const [id, resource] of Object.entries(stackResources)) {
      if (resource.Type === 'AWS::CloudWatch::Alarm') alarmNames.set(id, resource.Properties?.AlarmName);
    }
  }
  for (const [, stackResources] of resources(app)) {
    for (const resource of Object.values(stackResources)) {
      if (resource.Type !== 'AWS::Events::Rule') continue;
      for (const target of resource.Properties?.Targets ?? []) {
        const template: string | undefined = target.InputTransformer?.InputTemplate;
        const rule = template?.match(/"rule":"([^"]+)"/)?.[1];
        const severity = template?.match(/"severity":"([^"]+)"/)?.[1];
        if (rule === undefined || severity === undefined) continue;
        const entry = found.get(rule) ?? { rule, severities: new Set(), alarms: new Set() };
        entry.severities.add(severity);
        // An alarm's routes match its state changes by the alarm's ARN: a GetAtt of the alarm resource.
        for (const alarm of JSON.stringify(resource.Properties?.EventPattern ?? {}).matchAll(
          /"Fn::GetAtt":\["([^"]+)","Arn"\]/g,
        )) {
          const name = alarmNames.get(alarm[1] ?? '');
          if (name !== undefined) entry.alarms.add(name);
        }
        found.set(rule, entry);
      }
    }
  }
  return found;
}

beforeAll(() => {
  built = buildLedgerlock();
  platformRules = collectPlatformRules(built);
});

describe('runbooks of the platform alerts', () => {
  it('finds the platform alerts of both stacks, and only platform-<name> rule ids', () => {
    expect(platformRules.size).toBeGreaterThanOrEqual(29);
    for (const rule of platformRules.keys()) expect(rule.startsWith(platformRulePrefix)).toBe(true);
    for (const rule of [
      'platform-key-deletion-attempt',
      'platform-backup-policy-change',
      'platform-alert-delivery-failures',
      'platform-api-5xx-rate',
      'platform-waf-blocked-requests',
      ...['authorizer', 'api-read', 'api-write', 'render', 'deliver', 'backup', 'detect', 'chain'].flatMap(
        (fn) => [`platform-${fn}-errors`, `platform-${fn}-throttles`],
      ),
      ...['deliver', 'backup', 'detect', 'chain'].flatMap((fn) => [
        `platform-${fn}-failures`,
        `platform-${fn}-lag`,
      ]),
    ]) {
      expect(platformRules.has(rule)).toBe(true);
    }
    // Tampering alerts come from CloudTrail rules; every other platform alert from an alarm.
    const fromCloudTrail = ['platform-key-deletion-attempt', 'platform-backup-policy-change'];
    for (const { rule, alarms } of platformRules.values()) {
      expect([rule, alarms.size > 0]).toEqual([rule, !fromCloudTrail.includes(rule)]);
    }
  });

  it('gives every platform rule a runbook with the five sections, its severity and its alarm', () => {
    const problems: string[] = [];
    for (const { rule, severities, alarms } of platformRules.values()) {
      const file = path.join(root, runbookPath(rule));
      if (!existsSync(file)) {
        problems.push(`${rule}: no ${runbookPath(rule)}`);
        continue;
      }
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n');
      if (lines[0] !== `# ${rule}`) problems.push(`${rule}: title is not "# ${rule}"`);
      const positions = sections.map((heading) => lines.indexOf(heading));
      if (positions.some((position) => position < 0)) problems.push(`${rule}: a section is missing`);
      else if ([...positions].sort((a, b) => a - b).join() !== positions.join()) {
        problems.push(`${rule}: sections out of order`);
      }
      if (severities.size !== 1) problems.push(`${rule}: published with several severities`);
      for (const severity of severities) {
        if (!text.includes(`**Severity:** ${severity} ·`))
          problems.push(`${rule}: severity is not ${severity}`);
      }
      // Alarms are per stack (`<stack>-<name>`); the runbook names the one it is about, or the name after `<stack>-`.
      const name = rule.slice(platformRulePrefix.length);
      for (const alarm of alarms) {
        if (!text.includes(alarm) && !text.includes(`<stack>-${name}`)) {
          problems.push(`${rule}: alarm ${alarm} not named`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps no platform runbook of an alert the stacks no longer publish', () => {
    const files = readdirSync(runbooks).filter((file) => file.startsWith(platformRulePrefix));
    const stale = files.filter((file) => !platformRules.has(file.replace(/\.md$/, '')));
    expect(stale).toEqual([]);
  });

  it('links every platform runbook from README.md with the severity the template publishes', () => {
    const readme = read('README.md');
    const problems: string[] = [];
    for (const { rule, severities } of platformRules.values()) {
      const row = readme.split('\n').find((line) => line.startsWith(`| ${rule} |`));
      if (row === undefined) problems.push(`${rule}: no row in the index`);
      else if (!row.includes(`](${rule}.md)`)) problems.push(`${rule}: no link`);
      else if (!row.includes(`| ${[...severities][0]} |`)) problems.push(`${rule}: severity differs`);
    }
    expect(problems).toEqual([]);
  });
});

describe('the README toolbox', () => {
  it('looks resources up by logical ids the templates have', () => {
    const readme = read('README.md');
    const byStack = new Map(resources(built));
    const stackOf = { API_STACK: built.apiStack.stackName, DATA_STACK: built.dataStack.stackName };
    const lookups = [...readme.matchAll(/phys \$(API_STACK|DATA_STACK) ([A-Za-z0-9]+)/g)];
    expect(lookups.length).toBeGreaterThan(20);
    const missing = lookups
      .map(([, stack, id]) => ({ stack: stackOf[stack as keyof typeof stackOf], id: id ?? '' }))
      .filter(({ stack, id }) => byStack.get(stack)?.[id] === undefined)
      .map(({ stack, id }) => `${stack} ${id}`);
    expect(missing).toEqual([]);
  });
});

describe('what containment and resolution rely on', () => {
  const apiResources = () => built.apiTemplate.toJSON().Resources as Record<string, ResourceJson>;
  const webAclRules = () => {
    const acls = Object.values(apiResources()).filter((resource) => resource.Type === 'AWS::WAFv2::WebACL');
    expect(acls).toHaveLength(1);
    return [...(acls[0]?.Properties?.Rules ?? [])].sort((a, b) => a.Priority - b.Priority) as {
      Name: string;
      Priority: number;
      Statement: unknown;
      Action?: Record<string, unknown>;
    }[];
  };

  it('lists every rule of the web ACL in the WAF runbook, in priority order', () => {
    const text = read('platform-waf-blocked-requests.md');
    const positions = webAclRules().map(({ Name }) => [Name, text.indexOf(`\`${Name}\``)] as const);
    expect(positions.filter(([, position]) => position < 0)).toEqual([]);
    const order = positions.map(([, position]) => position);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('blocks, with the first rule, the two IP sets (IPv4, IPv6) the README blocklist edits', () => {
    const readme = read('README.md');
    const [first] = webAclRules();
    expect(first).toMatchObject({ Name: 'BlockedAddresses', Priority: 0, Action: { Block: {} } });
    for (const [variable, version] of [
      ['BLOCKED_V4', 'IPV4'],
      ['BLOCKED_V6', 'IPV6'],
    ] as const) {
      const id = readme.match(new RegExp(`${variable}=\\$\\(phys \\$API_STACK ([A-Za-z0-9]+)\\)`))?.[1] ?? '';
      expect([variable, apiResources()[id]?.Type, apiResources()[id]?.Properties?.IPAddressVersion]).toEqual([
        variable,
        'AWS::WAFv2::IPSet',
        version,
      ]);
      expect(JSON.stringify(first?.Statement)).toContain(JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }));
    }
  });

  it('ticks detect once a minute, as the runbooks say when they promise `resolved`', () => {
    const detect = Object.entries(apiResources()).find(
      ([id, resource]) =>
        resource.Type === 'AWS::Lambda::Function' && id.startsWith('DetectionDetectFunction'),
    )?.[0];
    const ticks = Object.entries(apiResources()).filter(
      ([, resource]) =>
        resource.Type === 'AWS::Events::Rule' &&
        resource.Properties?.ScheduleExpression === 'rate(1 minute)' &&
        JSON.stringify(resource.Properties?.Targets).includes(`"${detect}"`),
    );
    expect(detect).toBeDefined();
    expect(ticks.map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual(['DetectionTick']);
    expect(read('README.md')).toContain('detect checks once a minute, on its `Tick` schedule');
  });
});
