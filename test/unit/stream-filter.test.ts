// test: the Lambda event-filter matcher and the stream source definitions (pure, no network)
import fc from 'fast-check';
import {
  assertValidStreamSource,
  deliverStreamSource,
  InvalidStreamSourceError,
  matchesFilter,
  type StreamSourceDefinition,
  UnsupportedFilterPatternError,
} from '../../functions/platform/stream-source';

type EventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** A stream record as Lambda sends it: images in DynamoDB JSON, creation time in epoch seconds. */
function invoiceRecord(options: {
  eventName: EventName;
  entity?: string;
  deliveryStatus?: string;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  const newImage: Record<string, unknown> = {
    pk: { S: 'TENANT#ten_1' },
    sk: { S: 'INVOICE#inv_1' },
    ...(options.entity === undefined ? {} : { entity: { S: options.entity } }),
    ...(options.deliveryStatus === undefined
      ? {}
      : { delivery: { M: { status: { S: options.deliveryStatus } } } }),
    ...options.extra,
  };
  return {
    eventID: 'c81e728d9d4c2f636f067f89cc14862c',
    eventName: options.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-central-1',
    dynamodb: {
      ApproximateCreationDateTime: 1_767_225_600,
      Keys: { pk: newImage.pk, sk: newImage.sk },
      // Lambda sends no NewImage for a REMOVE.
      ...(options.eventName === 'REMOVE' ? {} : { NewImage: newImage }),
      OldImage: { pk: newImage.pk, sk: newImage.sk, entity: { S: 'invoice' } },
      SequenceNumber: '000000000000000000042',
      SizeBytes: 120,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN:
      'arn:aws:dynamodb:eu-central-1:000000000000:table/ledgerlock/stream/2026-01-01T00:00:00.000',
  };
}

const writeEventName = fc.constantFrom<EventName>('INSERT', 'MODIFY');
const otherStatus = fc.string().filter((status) => status !== 'queued');
const otherEntity = fc.string().filter((entity) => entity !== 'invoice');
/** Attribute names the deliver filter does not look at, with arbitrary string values in DynamoDB JSON. */
const unrelatedAttributes = fc.dictionary(
  fc.string({ minLength: 1 }).filter((name) => !['pk', 'sk', 'entity', 'delivery'].includes(name)),
  fc.string().map((value) => ({ S: value })),
  { maxKeys: 5 },
);
const leafValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));

describe('stream source', () => {
  describe('deliver filter', () => {
    it('passes every insert or modify that leaves an invoice queued, whatever else the item holds', () => {
      fc.assert(
        fc.property(writeEventName, unrelatedAttributes, (eventName, extra) => {
          const record = invoiceRecord({ eventName, entity: 'invoice', deliveryStatus: 'queued', extra });
          expect(matchesFilter(record, deliverStreamSource.filterPatterns)).toBe(true);
        }),
      );
    });

    it('drops invoices whose delivery status is anything but queued', () => {
      fc.assert(
        fc.property(writeEventName, otherStatus, (eventName, deliveryStatus) => {
          const record = invoiceRecord({ eventName, entity: 'invoice', deliveryStatus });
          expect(matchesFilter(record, deliverStreamSource.filterPatterns)).toBe(false);
        }),
      );
    });

    it('drops queued items that are not invoices', () => {
      fc.assert(
        fc.property(writeEventName, otherEntity, (eventName, entity) => {
          const record = invoiceRecord({ eventName, entity, deliveryStatus: 'queued' });
          expect(matchesFilter(record, deliverStreamSource.filterPatterns)).toBe(false);
        }),
      );
    });

    it('drops removes, even of an invoice that was queued', () => {
      const record = invoiceRecord({ eventName: 'REMOVE', entity: 'invoice', deliveryStatus: 'queued' });

      expect(matchesFilter(record, deliverStreamSource.filterPatterns)).toBe(false);
    });

    it('drops invoices without a delivery attribute or an entity attribute', () => {
      expect(
        matchesFilter(
          invoiceRecord({ eventName: 'INSERT', entity: 'invoice' }),
          deliverStreamSource.filterPatterns,
        ),
      ).toBe(false);
      expect(
        matchesFilter(
          invoiceRecord({ eventName: 'INSERT', deliveryStatus: 'queued' }),
          deliverStreamSource.filterPatterns,
        ),
      ).toBe(false);
    });

    it('drops a plain-JSON image: stream images are DynamoDB JSON, so the rule is under the type key', () => {
      const record = {
        eventName: 'INSERT',
        dynamodb: { NewImage: { entity: 'invoice', delivery: { status: 'queued' } } },
      };

      expect(matchesFilter(record, deliverStreamSource.filterPatterns)).toBe(false);
    });

    it('is a configuration Lambda accepts', () => {
      expect(() => assertValidStreamSource(deliverStreamSource)).not.toThrow();
    });
  });

  describe('exact values', () => {
    it('matches a field equal to one of the listed values and nothing else', () => {
      fc.assert(
        fc.property(leafValue, fc.array(leafValue, { minLength: 1, maxLength: 4 }), (value, listed) => {
          const expected = listed.some((candidate) => candidate === value);
          expect(matchesFilter({ field: value }, [{ field: listed }])).toBe(expected);
        }),
      );
    });

    it('compares types strictly: DynamoDB numbers are strings, so 5 does not match "5"', () => {
      expect(matchesFilter({ N: '5' }, [{ N: [5] }])).toBe(false);
      expect(matchesFilter({ N: '5' }, [{ N: ['5'] }])).toBe(true);
    });

    it('matches when any element of an array field matches, as with a string set', () => {
      fc.assert(
        fc.property(fc.array(fc.string(), { maxLength: 5 }), fc.string(), (set, wanted) => {
          expect(matchesFilter({ tags: { SS: set } }, [{ tags: { SS: [wanted] } }])).toBe(
            set.includes(wanted),
          );
        }),
      );
    });

    it('never matches an object with a value rule: only leaves are compared', () => {
      expect(matchesFilter({ delivery: { M: {} } }, [{ delivery: ['queued'] }])).toBe(false);
    });
  });

  describe('prefix and suffix', () => {
    it('matches a string field exactly when it starts with the prefix', () => {
      fc.assert(
        fc.property(fc.string(), fc.string(), (value, prefix) => {
          expect(matchesFilter({ sk: value }, [{ sk: [{ prefix }] }])).toBe(value.startsWith(prefix));
        }),
      );
    });

    it('matches a string field exactly when it ends with the suffix', () => {
      fc.assert(
        fc.property(fc.string(), fc.string(), (value, suffix) => {
          expect(matchesFilter({ sk: value }, [{ sk: [{ suffix }] }])).toBe(value.endsWith(suffix));
        }),
      );
    });

    it('never matches a number, even one whose digits start with the prefix', () => {
      expect(matchesFilter({ amount: 123 }, [{ amount: [{ prefix: '1' }] }])).toBe(false);
    });
  });

  describe('anything-but', () => {
    it('matches a present field exactly when its value is not excluded', () => {
      fc.assert(
        fc.property(leafValue, fc.array(leafValue, { minLength: 1, maxLength: 4 }), (value, excluded) => {
          const expected = !excluded.some((candidate) => candidate === value);
          expect(matchesFilter({ status: value }, [{ status: [{ 'anything-but': excluded }] }])).toBe(
            expected,
          );
        }),
      );
    });

    it('accepts a single value and a prefix', () => {
      expect(matchesFilter({ status: 'sent' }, [{ status: [{ 'anything-but': 'sent' }] }])).toBe(false);
      expect(matchesFilter({ status: 'failed' }, [{ status: [{ 'anything-but': 'sent' }] }])).toBe(true);
      expect(matchesFilter({ sk: 'AUDIT#1' }, [{ sk: [{ 'anything-but': { prefix: 'AUDIT#' } }] }])).toBe(
        false,
      );
      expect(matchesFilter({ sk: 'INVOICE#1' }, [{ sk: [{ 'anything-but': { prefix: 'AUDIT#' } }] }])).toBe(
        true,
      );
    });

    it('does not match a missing field', () => {
      expect(matchesFilter({}, [{ status: [{ 'anything-but': ['sent'] }] }])).toBe(false);
    });
  });

  describe('exists', () => {
    it('tells present leaves from missing fields', () => {
      fc.assert(
        fc.property(fc.option(leafValue, { nil: undefined }), (value) => {
          const record = value === undefined ? { other: 'x' } : { field: value };
          const present = value !== undefined;
          expect(matchesFilter(record, [{ field: [{ exists: true }] }])).toBe(present);
          expect(matchesFilter(record, [{ field: [{ exists: false }] }])).toBe(!present);
        }),
      );
    });

    it('looks at leaves only, as Lambda does: an attribute is checked under its type key', () => {
      const record = { dynamodb: { NewImage: { dueDate: { S: '2026-12-31' } } } };

      expect(
        matchesFilter(record, [{ dynamodb: { NewImage: { dueDate: { S: [{ exists: true }] } } } }]),
      ).toBe(true);
      expect(matchesFilter(record, [{ dynamodb: { NewImage: { dueDate: [{ exists: true }] } } }])).toBe(
        false,
      );
    });

    it('treats a missing parent as a missing field', () => {
      expect(
        matchesFilter({ eventName: 'REMOVE' }, [
          { dynamodb: { NewImage: { x: { S: [{ exists: false }] } } } },
        ]),
      ).toBe(true);
    });
  });

  describe('combining rules', () => {
    it('requires every field of one pattern to match', () => {
      fc.assert(
        fc.property(fc.boolean(), fc.boolean(), (firstMatches, secondMatches) => {
          const record = { a: firstMatches ? 'yes' : 'no', nested: { b: secondMatches ? 'yes' : 'no' } };
          expect(matchesFilter(record, [{ a: ['yes'], nested: { b: ['yes'] } }])).toBe(
            firstMatches && secondMatches,
          );
        }),
      );
    });

    it('passes a record when any of several patterns matches', () => {
      const pattern = fc.record({ field: fc.array(leafValue, { minLength: 1, maxLength: 3 }) });
      fc.assert(
        fc.property(leafValue, pattern, pattern, (value, first, second) => {
          const record = { field: value };
          expect(matchesFilter(record, [first, second])).toBe(
            matchesFilter(record, [first]) || matchesFilter(record, [second]),
          );
        }),
      );
    });

    it('passes every record when there are no patterns, as a mapping without filter criteria does', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (record) => {
          expect(matchesFilter(record, [])).toBe(true);
        }),
      );
    });
  });

  describe('unsupported syntax', () => {
    it.each([
      ['a rule that is not a list', { eventName: 'INSERT' }],
      ['an empty list', { eventName: [] }],
      ['an empty pattern', {}],
      ['an operator we do not implement', { amount: [{ numeric: ['>', 0] }] }],
      ['two operators in one object', { sk: [{ prefix: 'A', suffix: 'B' }] }],
      ['$or', { $or: [{ a: ['x'] }, { b: ['y'] }] }],
      ['an empty anything-but list', { status: [{ 'anything-but': [] }] }],
    ])('refuses %s instead of guessing', (_description, pattern) => {
      expect(() => matchesFilter({ eventName: 'INSERT' }, [pattern])).toThrow(UnsupportedFilterPatternError);
    });

    it('refuses a bad pattern even when an earlier pattern already matches', () => {
      expect(() => matchesFilter({ a: 'x' }, [{ a: ['x'] }, { b: 'not a list' }])).toThrow(
        UnsupportedFilterPatternError,
      );
    });
  });

  describe('definition limits', () => {
    it.each<[string, Partial<StreamSourceDefinition>]>([
      ['a zero batch size', { batchSize: 0 }],
      ['a batch size above 10,000', { batchSize: 10_001 }],
      ['a fractional retry count', { retryAttempts: 1.5 }],
      ['a batching window above 300 s', { maximumBatchingWindowSeconds: 301 }],
      ['a record age below 60 s', { maxRecordAgeSeconds: 30 }],
      ['an unsupported filter', { filterPatterns: [{ a: [{ numeric: ['>', 1] }] }] }],
    ])('rejects %s with a message naming the value', (_description, override) => {
      expect(() => assertValidStreamSource({ ...deliverStreamSource, ...override })).toThrow(
        InvalidStreamSourceError,
      );
    });

    it('accepts -1 for retries and record age, meaning until the record expires', () => {
      expect(() =>
        assertValidStreamSource({ ...deliverStreamSource, retryAttempts: -1, maxRecordAgeSeconds: -1 }),
      ).not.toThrow();
    });
  });
});
