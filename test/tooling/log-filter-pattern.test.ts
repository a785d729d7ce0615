// test: the CloudWatch Logs filter patterns the local subscription stand-in implements, against the documented
// semantics, the patterns CDK renders, and the refusal of everything else. Pure: no process, no network.
import { FilterPattern } from 'aws-cdk-lib/aws-logs';
import { securitySignalFilterPattern } from '../../functions/platform/observability';
import {
  compileFilterPattern,
  UnsupportedLogFilterPatternError,
} from '../../local/logs-subscription/filter-pattern';

function matches(pattern: string, message: string | object): boolean {
  return compileFilterPattern(pattern).matches(
    typeof message === 'string' ? message : JSON.stringify(message),
  );
}

const signalLine = {
  level: 'WARN',
  message: 'security signal',
  service: 'ledgerlock-api-write',
  securitySignal: 'token-rejected',
  reason: 'expired',
  request: { route: 'POST /v1/invoices', status: 401, retried: false, tags: ['auth', 'jwt'], note: null },
};

describe('CloudWatch Logs filter patterns (local subset)', () => {
  describe('the empty pattern', () => {
    it('matches every event, JSON or not', () => {
      expect(matches('', signalLine)).toBe(true);
      expect(matches('   ', 'plain text, not JSON')).toBe(true);
    });
  });

  describe('string comparisons', () => {
    it('matches a quoted or unquoted value exactly and case-sensitively', () => {
      expect(matches('{ $.securitySignal = "token-rejected" }', signalLine)).toBe(true);
      expect(matches('{ $.securitySignal = token-rejected }', signalLine)).toBe(true);
      expect(matches('{ $.securitySignal = "Token-Rejected" }', signalLine)).toBe(false);
      expect(matches('{ $.securitySignal = "token" }', signalLine)).toBe(false);
    });

    it("treats '*' at the start or end of a value as a wildcard", () => {
      expect(matches('{ $.securitySignal = "token-*" }', signalLine)).toBe(true);
      expect(matches('{ $.securitySignal = "*-rejected" }', signalLine)).toBe(true);
      expect(matches('{ $.securitySignal = *en-rej* }', signalLine)).toBe(true);
      expect(matches('{ $.securitySignal = "scope-*" }', signalLine)).toBe(false);
    });

    it('matches != when the field exists with another value, never when it is missing', () => {
      expect(matches('{ $.securitySignal != "scope-denied" }', signalLine)).toBe(true);
      expect(matches('{ $.securitySignal != "token-*" }', signalLine)).toBe(false);
      expect(matches('{ $.missing != "anything" }', signalLine)).toBe(false);
    });

    it('compares strings with JSON strings only ("401" is not 401)', () => {
      expect(matches('{ $.request.status = "401" }', signalLine)).toBe(false);
      expect(matches('{ $.request.status = 401 }', signalLine)).toBe(true);
    });
  });

  describe('existence and keywords', () => {
    it('matches = * (quoted or not) when the field exists, whatever its value', () => {
      expect(matches('{ $.securitySignal = "*" }', signalLine)).toBe(true);
      expect(matches('{ $.request.note = * }', signalLine)).toBe(true);
      expect(matches('{ $.request = * }', signalLine)).toBe(true);
      expect(matches('{ $.securitySignal = * }', { level: 'INFO', message: 'request done' })).toBe(false);
    });

    it('matches NOT EXISTS only when the field is missing', () => {
      expect(matches('{ $.tenantId NOT EXISTS }', signalLine)).toBe(true);
      expect(matches('{ $.reason NOT EXISTS }', signalLine)).toBe(false);
    });

    it('matches IS NULL, IS TRUE and IS FALSE on those JSON values only', () => {
      expect(matches('{ $.request.note IS NULL }', signalLine)).toBe(true);
      expect(matches('{ $.missing IS NULL }', signalLine)).toBe(false);
      expect(matches('{ $.request.retried IS FALSE }', signalLine)).toBe(true);
      expect(matches('{ $.request.retried IS TRUE }', signalLine)).toBe(false);
      expect(matches('{ $.flag IS TRUE }', { flag: 'true' })).toBe(false);
    });
  });

  describe('numeric comparisons', () => {
    it.each([
      ['{ $.request.status >= 400 }', true],
      ['{ $.request.status > 401 }', false],
      ['{ $.request.status <= 401 }', true],
      ['{ $.request.status < 401 }', false],
      ['{ $.request.status = 401 }', true],
      ['{ $.request.status != 401 }', false],
      ['{ $.request.status = 4.01e2 }', true],
      ['{ $.request.status > -1 }', true],
    ])('evaluates %s as %s', (pattern, expected) => {
      expect(matches(pattern, signalLine)).toBe(expected);
    });

    it('compares numbers with JSON numbers only', () => {
      expect(matches('{ $.status >= 400 }', { status: '403' })).toBe(false);
      expect(matches('{ $.status >= 400 }', { status: 403 })).toBe(true);
    });
  });

  describe('selectors', () => {
    it('walks nested objects by name and arrays by index', () => {
      expect(matches('{ $.request.route = "POST /v1/invoices" }', signalLine)).toBe(true);
      expect(matches('{ $.request.tags[1] = "jwt" }', signalLine)).toBe(true);
      expect(matches('{ $.request.tags[2] = * }', signalLine)).toBe(false);
      expect(matches('{ $.request.route.inner = * }', signalLine)).toBe(false);
    });
  });

  describe('combinations', () => {
    it('joins conditions with && and ||, grouped by parentheses', () => {
      expect(matches('{ ($.level = "WARN") && ($.securitySignal = *) }', signalLine)).toBe(true);
      expect(matches('{ $.level = "INFO" && $.securitySignal = * }', signalLine)).toBe(false);
      expect(matches('{ $.level = "INFO" || $.securitySignal = * }', signalLine)).toBe(true);
      expect(
        matches('{ ($.level = "INFO") || (($.request.status >= 400) && ($.reason = "exp*")) }', signalLine),
      ).toBe(true);
    });
  });

  describe('events a JSON pattern never matches', () => {
    it.each([
      ['a line that is not JSON', 'WARN security signal token-rejected'],
      ['a JSON string', '"token-rejected"'],
      ['a JSON number', '401'],
    ])('does not match %s', (_, message) => {
      expect(matches('{ $.securitySignal = * }', message)).toBe(false);
    });
  });

  describe('the patterns the stacks deploy', () => {
    it("selects a function's security-signal lines and nothing else", () => {
      expect(matches(securitySignalFilterPattern, signalLine)).toBe(true);
      expect(matches(securitySignalFilterPattern, { level: 'INFO', message: 'invoice issued' })).toBe(false);
      expect(matches(securitySignalFilterPattern, 'END RequestId: 1b2c')).toBe(false);
    });

    it('passes every access-log line (FilterPattern.allEvents)', () => {
      expect(matches(FilterPattern.allEvents().logPatternString, { requestId: 'r-1', status: '401' })).toBe(
        true,
      );
    });
  });

  describe('the patterns CDK renders', () => {
    it.each([
      [FilterPattern.allEvents(), true],
      [FilterPattern.exists('$.securitySignal'), true],
      [FilterPattern.notExists('$.securitySignal'), false],
      [FilterPattern.stringValue('$.securitySignal', '=', 'token-*'), true],
      [FilterPattern.stringValue('$.securitySignal', '!=', 'token-*'), false],
      [FilterPattern.numberValue('$.request.status', '>=', 400), true],
      [FilterPattern.booleanValue('$.request.retried', false), true],
      [FilterPattern.isNull('$.request.note'), true],
      [
        FilterPattern.all(
          FilterPattern.exists('$.securitySignal'),
          FilterPattern.any(
            FilterPattern.stringValue('$.reason', '=', 'expired'),
            FilterPattern.numberValue('$.request.status', '>', 500),
          ),
        ),
        true,
      ],
    ])('accepts and evaluates %j', (pattern, expected) => {
      expect(matches(pattern.logPatternString, signalLine)).toBe(expected);
    });
  });

  describe('syntax it does not implement', () => {
    it.each([
      ['ERROR', /term and phrase patterns/],
      ['"security signal"', /term and phrase patterns/],
      ['?ERROR ?WARN', /term and phrase patterns/],
      ['[ip, user, status = 4*, size]', /space-delimited/],
      ['%token-.*%', /regular expressions/],
      [FilterPattern.regexValue('$.reason', '=', 'exp.*').logPatternString, /regular expressions/],
      ['{ $.request.tags[*] = "jwt" }', /selector "\$\.request\.tags\[\*\]" is not implemented/],
      ['{ $..reason = * }', /selector/],
      ['{ $.* = * }', /selector/],
      ['{ $.reason = "ex*ed" }', /wildcard only as the first or last character/],
      ['{ $.a = 1 && $.b = 2 || $.c = 3 }', /mixes && and \|\| .* without parentheses/],
      ['{ $.status >= "400" }', /needs a number/],
      ['{ $.flag IS MAYBE }', /expected TRUE, FALSE or NULL/],
      ['{ }', /empty JSON pattern/],
      ['{ $.reason = "open }', /not closed/],
      ['{ ($.a = 1 }', /ends where/],
    ])('refuses %s', (pattern, reason) => {
      expect(() => compileFilterPattern(pattern)).toThrow(UnsupportedLogFilterPatternError);
      expect(() => compileFilterPattern(pattern)).toThrow(reason);
    });
  });
});
