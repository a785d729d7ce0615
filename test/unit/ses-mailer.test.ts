// test (fast): how SES failures are read — a refusal may be retried, a lost answer never — and that the SES client
// itself never retries, since SES has no idempotency key. No network: errors are built as the SDK builds them.
import { SESv2ServiceException } from '@aws-sdk/client-sesv2';
import { AwsClients } from '../../functions/adapters/aws-clients';
import { classifySesFailure } from '../../functions/adapters/sesv2-mailer';
import { rules } from '../../functions/domain/detection/rules';
import { processStreamBatch } from '../../functions/platform/stream-batch';
import { IntegrityError } from '../../functions/ports/sealer';

function sesError(name: string, status: number) {
  return new SESv2ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

function networkError(code: string, name = 'Error') {
  return Object.assign(new Error(`${code} (test)`), { code, name });
}

describe('SES failures', () => {
  describe('certainly not accepted', () => {
    it.each([
      ['TooManyRequestsException', 429],
      ['ServiceUnavailable', 503],
      ['InternalFailure', 500],
      ['LimitExceededException', 400],
    ])('reads %s (%i) as refused for now: retry', (name, status) => {
      expect(classifySesFailure(sesError(name, status))).toBe('refused');
    });

    it.each([['MessageRejected'], ['MailFromDomainNotVerifiedException'], ['BadRequestException']])(
      'reads %s as rejected for good',
      (name) => {
        expect(classifySesFailure(sesError(name, 400))).toBe('rejected');
      },
    );

    it.each([['ECONNREFUSED'], ['ENOTFOUND'], ['EHOSTUNREACH']])(
      'reads %s (no connection was ever made) as refused',
      (code) => {
        expect(classifySesFailure(networkError(code))).toBe('refused');
      },
    );
  });

  describe('may have been accepted', () => {
    it.each([
      ['a connection reset after the request was written', networkError('ECONNRESET')],
      ['a broken pipe', networkError('EPIPE')],
      ['a request timeout', networkError('ETIMEDOUT', 'TimeoutError')],
      ['an abort', Object.assign(new Error('aborted'), { name: 'AbortError' })],
      [
        'a success whose body could not be read',
        Object.assign(new Error('bad body'), { $metadata: { httpStatusCode: 200 } }),
      ],
      ['something else entirely', new TypeError('unexpected')],
    ])('reads %s as unknown: never resent', (_what, error) => {
      expect(classifySesFailure(error)).toBe('unknown');
    });
  });

  it('builds the SES client with SDK retries off', async () => {
    const clients = new AwsClients({
      region: 'eu-central-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    expect(await clients.ses.config.maxAttempts()).toBe(1);
    // The other clients keep their few retries: only SES may not repeat a request.
    expect(await clients.dynamoDb.config.maxAttempts()).toBe(3);
  });
});

describe('stream failures in the logs', () => {
  it('names an integrity failure with its non-personal detail, so an edited invoice reads apart from a decrypt failure', async () => {
    const failures: unknown[] = [];
    await expect(
      processStreamBatch(
        { Records: [{ dynamodb: { SequenceNumber: '7' } }] },
        {
          process: async () => {
            throw new IntegrityError('encryption context mismatch on "digest"');
          },
          onFailure: (failure) => failures.push(failure),
        },
      ),
    ).rejects.toThrow();
    expect(failures).toEqual([
      {
        sequenceNumber: '7',
        errorName: 'IntegrityError',
        detail: 'encryption context mismatch on "digest"',
        retryable: false,
      },
    ]);
  });

  it('names only the cause of any other failure, never its message', async () => {
    const failures: { detail?: string }[] = [];
    await expect(
      processStreamBatch(
        { Records: [{ dynamodb: { SequenceNumber: '8' } }] },
        {
          process: async () => {
            throw new Error('erika@example.com could not be reached', { cause: new RangeError('x') });
          },
          onFailure: (failure) => failures.push(failure),
        },
      ),
    ).rejects.toThrow();
    expect(failures[0]?.detail).toBe('caused by RangeError');
    expect(JSON.stringify(failures)).not.toContain('erika');
  });
});

describe('send-spike', () => {
  it('counts sends refused by a cap for the tenant, like the sends themselves', () => {
    const rule = rules.find((candidate) => candidate.id === 'send-spike');
    expect(
      rule?.match({
        kind: 'signal',
        id: 'r1',
        at: 0,
        signal: 'send-limited',
        reason: 'tenant',
        tenantId: 'ten_abcdefgh',
      }),
    ).toEqual({ subject: 'tenant:ten_abcdefgh' });
  });
});
