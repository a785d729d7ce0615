// test (fast): every detection rule has its runbook under docs/runbooks/<rule>.md (the path every alert names), with
// the five sections operations rely on, the rule's severity as the code has it, and the thresholds it tunes; the
// peak half-life the runbooks quote, and the ramp the README says a baseline learns, are the code's; the README
// indexes every runbook, numbers its known gaps, defines every toolbox variable the runbooks use, and no link or
// "Known gaps N" reference between them is broken. Platform rules are checked against the synthesized stacks in
// test/infra/runbooks.test.ts.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { learnedCounter, peakHalfLifeDays } from '../../functions/domain/detection/baseline';
import { emptyRuleState, evaluate, type RuleState } from '../../functions/domain/detection/evaluate';
import type { Observation } from '../../functions/domain/detection/observations';
import { type Rule, rules, runbookOf } from '../../functions/domain/detection/rules';
import {
  readRunbook as read,
  runbooksDirectory as runbooks,
  runbookSections as sections,
} from './support/runbooks';

const root = path.resolve(import.meta.dirname, '../..');

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

  it(`quotes the peak half-life as baseline.ts has it (${peakHalfLifeDays} days) wherever it names one`, () => {
    const quoted = readdirSync(runbooks)
      .filter((file) => file.endsWith('.md'))
      .flatMap((file) =>
        [...read(file).matchAll(/half-life (?:of )?(\d+) days/g)].map(([, days]) => `${file}: ${days}`),
      );
    const baselineRules = rules
      .filter((rule) => rule.threshold.kind === 'baseline')
      .map((rule) => `${rule.id}.md`);
    for (const file of baselineRules) expect(quoted).toContain(`${file}: ${peakHalfLifeDays}`);
    expect(quoted.filter((entry) => !entry.endsWith(`: ${peakHalfLifeDays}`))).toEqual([]);
  });

  it('works out what a monthly run meets a month later from the code (create-spike)', () => {
    const rule = rules.find((candidate) => candidate.id === 'create-spike');
    if (rule?.threshold.kind !== 'baseline') throw new Error('create-spike is a baseline rule');
    const kept = 0.5 ** (31 / peakHalfLifeDays);
    const text = read('create-spike.md');
    expect(text).toContain(`0.5^(31/${peakHalfLifeDays}) ≈ ${kept.toFixed(2)}`);
    expect(text).toContain(`${(rule.threshold.peakFactor * kept).toFixed(2)} × last month's`);
  });

  it('works out from the code the ramp the README says a baseline learns unalerted (Known gaps, create-spike)', () => {
    const rule = rules.find((candidate) => candidate.id === 'create-spike');
    if (rule === undefined) throw new Error('no create-spike rule');
    let state: RuleState = {
      ...emptyRuleState,
      counter: learnedCounter({ mean: 2, deviation: 2, peak: 40, activeMinutes: 10_000, throughMinute: 999 }),
    };
    let perMinute = 40;
    const published: string[] = [];
    for (let minute = 1000; minute < 1012; minute += 1) {
      perMinute = Math.floor(perMinute * 1.45);
      const batch = Array.from({ length: perMinute }, (_, index) => {
        const observation: Observation = {
          kind: 'business',
          id: `audit:ten_rampramp:${minute}-${index}`,
          at: minute * 60_000,
          tenantId: 'ten_rampramp',
          action: 'invoice.created',
          details: {},
        };
        const match = rule.match(observation);
        if (match === undefined) throw new Error('create-spike does not count invoice.created');
        return { observation, match };
      });
      const outcome = evaluate(rule, state, batch, { now: minute * 60_000, newAlertId: () => 'ramp' });
      state = outcome.state;
      if (outcome.notification !== undefined) published.push(outcome.notification.status);
    }
    expect(published).toEqual([]);
    // Quoted as one sentence, however the README wraps it.
    expect(read('README.md').replace(/\s+/g, ' ')).toContain(
      `from a usual peak of 40 creates a minute, creates that grow 1.45 × a minute reach ${perMinute.toLocaleString('en')} a minute in the 12th minute without an alert`,
    );
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

  it('numbers the known gaps 1, 2, 3, … and every "Known gaps N" names one of them', () => {
    const section = readme.slice(readme.indexOf('\n## Known gaps\n'), readme.indexOf('\n## Runbooks\n'));
    const numbers = [...section.matchAll(/^(\d+)\. \*\*/gm)].map(([, number]) => Number(number));
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers).toEqual(numbers.map((_, index) => index + 1));
    const problems: string[] = [];
    for (const file of [...files, 'README.md']) {
      const text = read(file);
      // Every mention but the section's own heading.
      for (const [reference, number] of text.matchAll(/(?<!## )Known\s+gaps(?:\s+(\d+))?/g)) {
        if (number === undefined || !numbers.includes(Number(number))) problems.push(`${file}: ${reference}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('defines in the README toolbox every $VARIABLE a runbook uses', () => {
    const toolbox = readme.slice(
      readme.indexOf('\n## Toolbox\n'),
      readme.indexOf('\n### Containment mechanisms\n'),
    );
    const defined = new Set([...toolbox.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]*)=/gm)].map(([, name]) => name));
    expect(defined.size).toBeGreaterThan(30);
    const undefinedNames: string[] = [];
    for (const file of [...files, 'README.md']) {
      for (const [, name] of read(file).matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)) {
        if (name !== undefined && !defined.has(name)) undefinedNames.push(`${file}: $${name}`);
      }
    }
    expect([...new Set(undefinedNames)]).toEqual([]);
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
