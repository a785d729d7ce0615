// local: the CloudWatch Logs filter patterns the local subscription stand-in applies — the subset the stacks use,
// and a clear refusal of everything else, so a pattern is never silently misread. Pure, no I/O.
//
// Implemented (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html, JSON log
// events), in the form CDK's FilterPattern renders it:
//   ''                                   every event
//   { $.a.b[0] = "text" } / = text       string equality; '*' as the first and/or last character is a wildcard
//   { $.a != "text*" }                   the field exists and does not equal
//   { $.a = "*" } / { $.a = * }          the field exists (CDK's FilterPattern.exists)
//   { $.n >= 400 } (= != < > <= >=)      numeric comparison with a number literal
//   { $.a IS TRUE | IS FALSE | IS NULL } { $.a NOT EXISTS }
//   ( … ) && ( … ) || ( … )              grouping; && and || may not be mixed on one level without parentheses
// Choices where the documentation says nothing, each erring towards matching less (a filter that delivers less
// than on AWS shows up as a missed detection in local tests; one that delivers more would hide a gap):
//   - A comparison on a missing field never matches, `!=` included; only NOT EXISTS matches a missing field.
//   - Types are strict: a quoted or non-numeric value compares with JSON strings only, a number literal with
//     JSON numbers only ("403" is not 403). API Gateway writes access-log values as strings.
//   - A selector walks objects by name and arrays by index only.
// Refused with UnsupportedLogFilterPatternError: term and phrase patterns (ERROR, "a b", ?a, -a), space-delimited
// [ … ] patterns, regular expressions (%…%), selectors with [*] or .. or $.*, '*' inside a value, mixed && and ||.

export class UnsupportedLogFilterPatternError extends Error {
  override readonly name = 'UnsupportedLogFilterPatternError';
}

type PathStep = string | number;

type Condition =
  | {
      readonly kind: 'string';
      readonly path: readonly PathStep[];
      readonly negated: boolean;
      readonly value: string;
    }
  | {
      readonly kind: 'number';
      readonly path: readonly PathStep[];
      readonly operator: '=' | '!=' | '<' | '>' | '<=' | '>=';
      readonly value: number;
    }
  | { readonly kind: 'exists'; readonly path: readonly PathStep[]; readonly expected: boolean }
  | { readonly kind: 'is'; readonly path: readonly PathStep[]; readonly value: true | false | null };

type Expression = Condition | { readonly kind: 'and' | 'or'; readonly operands: readonly Expression[] };

export interface LogFilterPattern {
  /** The pattern as given. */
  readonly source: string;
  /** Whether CloudWatch Logs would deliver an event with this message under the pattern. */
  matches(message: string): boolean;
}

type Token =
  | { readonly type: 'symbol'; readonly text: string; readonly at: number }
  | { readonly type: 'quoted'; readonly text: string; readonly at: number }
  | { readonly type: 'word'; readonly text: string; readonly at: number };

const symbols = ['&&', '||', '!=', '<=', '>=', '=', '<', '>', '(', ')'];

function refuse(source: string, reason: string): never {
  throw new UnsupportedLogFilterPatternError(`filter pattern ${JSON.stringify(source)}: ${reason}`);
}

function tokenize(source: string, body: string, offset: number): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < body.length) {
    const character = body[index] ?? '';
    if (/\s/.test(character)) {
      index += 1;
      continue;
    }
    const symbol = symbols.find((candidate) => body.startsWith(candidate, index));
    if (symbol !== undefined) {
      tokens.push({ type: 'symbol', text: symbol, at: offset + index });
      index += symbol.length;
      continue;
    }
    if (character === '"') {
      let text = '';
      let end = index + 1;
      for (; end < body.length && body[end] !== '"'; end += 1) {
        // A backslash escapes the next character (\" and \\).
        if (body[end] === '\\') end += 1;
        text += body[end] ?? '';
      }
      if (end >= body.length) refuse(source, `the quoted value at ${offset + index} is not closed`);
      tokens.push({ type: 'quoted', text, at: offset + index });
      index = end + 1;
      continue;
    }
    if (character === '%') refuse(source, 'regular expressions (%…%) are not implemented locally');
    const word = /^[^\s()&|"=<>!{}]+/.exec(body.slice(index))?.[0];
    if (word === undefined) refuse(source, `unexpected ${JSON.stringify(character)} at ${offset + index}`);
    tokens.push({ type: 'word', text: word, at: offset + index });
    index += word.length;
  }
  return tokens;
}

function parseSelector(source: string, text: string): PathStep[] {
  if (!text.startsWith('$') || text === '$') {
    refuse(source, `${JSON.stringify(text)} is not a property selector (write $.field)`);
  }
  const steps: PathStep[] = [];
  const rest = /^\$((?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])+)$/.exec(text)?.[1];
  if (rest === undefined) {
    refuse(
      source,
      `selector ${JSON.stringify(text)} is not implemented locally (only $.name, $.a.b and $.a[0] are)`,
    );
  }
  for (const step of rest.matchAll(/\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]/g)) {
    steps.push(step[1] ?? Number(step[2]));
  }
  return steps;
}

const numberLiteral = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

class Parser {
  private position = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  parse(): Expression {
    const expression = this.expression();
    const extra = this.tokens[this.position];
    if (extra !== undefined) refuse(this.source, `unexpected ${JSON.stringify(extra.text)} at ${extra.at}`);
    return expression;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(expected: string): Token {
    const token = this.tokens[this.position];
    if (token === undefined) refuse(this.source, `ends where ${expected} was expected`);
    this.position += 1;
    return token;
  }

  /** One level: operands joined by one kind of operator. Mixing them would need a precedence AWS does not document. */
  private expression(): Expression {
    const operands = [this.operand()];
    let joiner: '&&' | '||' | undefined;
    for (;;) {
      const token = this.peek();
      if (token?.type !== 'symbol' || (token.text !== '&&' && token.text !== '||')) break;
      if (joiner !== undefined && joiner !== token.text) {
        refuse(this.source, `mixes && and || at ${token.at} without parentheses; group them with ( … )`);
      }
      joiner = token.text;
      this.position += 1;
      operands.push(this.operand());
    }
    if (joiner === undefined) return operands[0] as Expression;
    return { kind: joiner === '&&' ? 'and' : 'or', operands };
  }

  private operand(): Expression {
    const token = this.peek();
    if (token?.type === 'symbol' && token.text === '(') {
      this.position += 1;
      const inner = this.expression();
      const closing = this.next('")"');
      if (closing.text !== ')') refuse(this.source, `expected ")" at ${closing.at}`);
      return inner;
    }
    return this.condition();
  }

  private condition(): Condition {
    const selectorToken = this.next('a property selector');
    if (selectorToken.type !== 'word') {
      refuse(this.source, `expected a property selector at ${selectorToken.at}`);
    }
    const path = parseSelector(this.source, selectorToken.text);
    const operator = this.next('an operator');
    if (operator.type === 'word' && (operator.text === 'IS' || operator.text === 'NOT')) {
      return this.keywordCondition(path, operator.text);
    }
    if (operator.type !== 'symbol' || !['=', '!=', '<', '>', '<=', '>='].includes(operator.text)) {
      refuse(this.source, `expected = != < > <= >= IS or NOT EXISTS at ${operator.at}`);
    }
    const value = this.next('a value');
    if (value.type === 'symbol') refuse(this.source, `expected a value at ${value.at}`);
    const relational = operator.text !== '=' && operator.text !== '!=';
    if (value.type === 'word' && numberLiteral.test(value.text)) {
      return {
        kind: 'number',
        path,
        operator: operator.text as '=' | '!=' | '<' | '>' | '<=' | '>=',
        value: Number(value.text),
      };
    }
    if (relational)
      refuse(this.source, `${operator.text} at ${operator.at} needs a number, not ${value.text}`);
    if (value.text === '*') {
      return { kind: 'exists', path, expected: operator.text === '=' };
    }
    if (value.text.slice(1, -1).includes('*')) {
      refuse(
        this.source,
        `'*' is a wildcard only as the first or last character (${JSON.stringify(value.text)})`,
      );
    }
    return { kind: 'string', path, negated: operator.text === '!=', value: value.text };
  }

  private keywordCondition(path: PathStep[], keyword: 'IS' | 'NOT'): Condition {
    const argument = this.next(keyword === 'IS' ? 'TRUE, FALSE or NULL' : 'EXISTS');
    if (keyword === 'NOT') {
      if (argument.text !== 'EXISTS') refuse(this.source, `expected EXISTS after NOT at ${argument.at}`);
      return { kind: 'exists', path, expected: false };
    }
    const values = { TRUE: true, FALSE: false, NULL: null } as const;
    if (argument.type !== 'word' || !Object.hasOwn(values, argument.text)) {
      refuse(this.source, `expected TRUE, FALSE or NULL after IS at ${argument.at}`);
    }
    return { kind: 'is', path, value: values[argument.text as keyof typeof values] };
  }
}

const absent = Symbol('absent');

function valueAt(document: unknown, path: readonly PathStep[]): unknown {
  let node: unknown = document;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(node) || step >= node.length) return absent;
      node = node[step];
    } else {
      if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, step)) {
        return absent;
      }
      node = (node as Record<string, unknown>)[step];
    }
  }
  return node;
}

function matchesWildcard(pattern: string, value: string): boolean {
  const leading = pattern.startsWith('*');
  const trailing = pattern.length > 1 && pattern.endsWith('*');
  const core = pattern.slice(leading ? 1 : 0, trailing ? -1 : undefined);
  if (leading && trailing) return value.includes(core);
  if (leading) return value.endsWith(core);
  if (trailing) return value.startsWith(core);
  return value === core;
}

function compare(operator: string, left: number, right: number): boolean {
  switch (operator) {
    case '=':
      return left === right;
    case '!=':
      return left !== right;
    case '<':
      return left < right;
    case '>':
      return left > right;
    case '<=':
      return left <= right;
    default:
      return left >= right;
  }
}

function evaluate(expression: Expression, document: unknown): boolean {
  switch (expression.kind) {
    case 'and':
      return expression.operands.every((operand) => evaluate(operand, document));
    case 'or':
      return expression.operands.some((operand) => evaluate(operand, document));
    case 'exists':
      return (valueAt(document, expression.path) !== absent) === expression.expected;
    case 'is':
      return valueAt(document, expression.path) === expression.value;
    case 'number': {
      const value = valueAt(document, expression.path);
      return typeof value === 'number' && compare(expression.operator, value, expression.value);
    }
    case 'string': {
      const value = valueAt(document, expression.path);
      if (value === absent) return false;
      const equal = typeof value === 'string' && matchesWildcard(expression.value, value);
      return expression.negated ? !equal : equal;
    }
  }
}

function parseJsonMessage(message: string): unknown {
  try {
    return JSON.parse(message);
  } catch {
    return absent;
  }
}

/** Parses `source` once; throws UnsupportedLogFilterPatternError naming what is not implemented. */
export function compileFilterPattern(source: string): LogFilterPattern {
  const trimmed = source.trim();
  if (trimmed === '') {
    return { source, matches: () => true };
  }
  if (!trimmed.startsWith('{')) {
    if (trimmed.startsWith('[')) refuse(source, 'space-delimited [ … ] patterns are not implemented locally');
    if (trimmed.startsWith('%')) refuse(source, 'regular expressions (%…%) are not implemented locally');
    refuse(
      source,
      "term and phrase patterns are not implemented locally (only '' and JSON { … } patterns are)",
    );
  }
  if (!trimmed.endsWith('}')) refuse(source, 'a JSON pattern must end with }');
  const body = trimmed.slice(1, -1);
  const tokens = tokenize(source, body, source.indexOf('{') + 1);
  if (tokens.length === 0)
    refuse(source, "an empty JSON pattern { } matches nothing on AWS; use '' for every event");
  const expression = new Parser(source, tokens).parse();
  return {
    source,
    matches: (message) => {
      const document = parseJsonMessage(message);
      // JSON patterns only ever match JSON events.
      return (
        document !== absent &&
        typeof document === 'object' &&
        document !== null &&
        evaluate(expression, document)
      );
    },
  };
}
