// test (fast): every detection rule has its runbook under docs/runbooks/<rule>.md (the path every alert names), with
// the five sections operations rely on, the rule's severity as the code has it, and the thresholds it tunes; the
// README indexes every runbook and no link between them is broken. Platform rules are checked against the
// synthesized stacks in test/infra/runbooks.test.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Rule, rules, runbookOf } from '../../functions/domain/detection/rules';

const root = path.resolve(import.meta.dirname, '../..');
const runbooks = path.join(root, 'docs/runbooks');
const read = (file: string) => readFileSync(path.join(runbooks, file), 'utf8');

/** The sections of every runbook, in this order. */
const sections = [
  '## What it means',
  '## Check first',
  '## Contain',
  '## Whom to tell and by when',
  '## Resolve and follow up',
];

/** The application rule ids: the detector's rules and the cap alert the detector raises about itself. */
const applicationRules = [
  ...rules.map((rule) => ({ id: rule.id as string, severity: rule.severity, rule })),
  { id: 'alert-cap-reached', severity: 'critical', rule: undefined },
];

/** How a runbook's tuning hint names a threshold: `count: 10, windowMinutes: 5` as rules.ts writes it. */
function thresholdText(rule: Rule): string | undefined {
  const { kind, ...values } = rule.threshold;
  if (kind === 'immediate') return undefined;
  if (kind === 'sequence') return `${rule.threshold.withinMinutes / 60} hours`;
  return Object.entries(values)
    .map(([name, value]) => `${name}: ${value}`)
    .join(', ');
}

describe('runbooks of the application rules', () => {
  it.each(applicationRules)('$id has its runbook with the five sections in order', ({ id }) => {
    expect(runbookOf(id)).toBe(`docs/runbooks/${id}.md`);
    expect(existsSync(path.join(root, runbookOf(id)))).toBe(true);
    const text = read(`${id}.md`);
    expect(text.split('\n')[0]).toBe(`# ${id}`);
    const positions = sections.map((heading) => text.split('\n').indexOf(heading));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it.each(applicationRules)('$id states the severity the code gives it ($severity)', ({ id, severity }) => {
    expect(read(`${id}.md`)).toContain(`**Severity:** ${severity} ·`);
  });

  it.each(
    rules.flatMap((rule) => {
      const text = thresholdText(rule);
      return text === undefined ? [] : [{ id: rule.id, text }];
    }),
  )('$id names its thresholds as rules.ts has them ($text)', ({ id, text }) => {
    expect(read(`${id}.md`)).toContain(text);
  });
});

describe('the runbook index', () => {
  const files = readdirSync(runbooks).filter((file) => file.endsWith('.md') && file !== 'README.md');
  const readme = read('README.md');

  it('has a runbook for every application rule, and every file is a rule’s', () => {
    const ids = new Set(applicationRules.map(({ id }) => id));
    for (const id of ids) expect(files).toContain(`${id}.md`);
    // Platform runbooks are matched against the synthesized stacks (test/infra/runbooks.test.ts).
    const unknown = files.filter((file) => !ids.has(file.slice(0, -3)) && !file.startsWith('platform-'));
    expect(unknown).toEqual([]);
  });

  it('links every runbook from README.md', () => {
    const unlinked = files.filter((file) => !readme.includes(`](${file})`));
    expect(unlinked).toEqual([]);
  });

  it('has no broken relative link in any runbook or the README', () => {
    const broken: string[] = [];
    for (const file of [...files, 'README.md']) {
      for (const [, target] of read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (target === undefined || /^[a-z]+:/.test(target)) continue;
        if (!existsSync(path.join(runbooks, target))) broken.push(`${file} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('links README sections that exist', () => {
    const anchors = new Set(
      [...readme.matchAll(/^#{2,3} (.+)$/gm)].map(([, title]) =>
        (title ?? '')
          .toLowerCase()
          .replace(/[^\p{L}\p{N} -]/gu, '')
          .replace(/ /g, '-'),
      ),
    );
    const missing: string[] = [];
    for (const file of [...files, 'README.md']) {
      for (const [, anchor] of read(file).matchAll(/\]\((?:README\.md)?#([^)]+)\)/g)) {
        if (anchor !== undefined && !anchors.has(anchor)) missing.push(`${file} → #${anchor}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
