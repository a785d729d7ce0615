// test: the AWS SDK as the Lambda bundles carry it — built with lib/bundling/options.ts, whose sdk-schema-keys
// plugin lets esbuild drop the schemas of operations no function calls — sends the same requests and reads the
// same answers (errors included) as the SDK in node_modules, for every kind of call the functions make.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { esbuildOptionsFor, projectRoot } from '../../lib/bundling/options';
import { withLiteralSchemaKeys } from '../../lib/bundling/sdk-schema-keys';

const run = promisify(execFile);

interface Recorded {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Headers that differ between any two runs (time, signature, random ids, the user agent's build). */
const volatile = new Set([
  'authorization',
  'x-amz-date',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
  'user-agent',
  'x-amz-user-agent',
  'host',
  'connection',
]);

type Answer = readonly [status: number, headers: Record<string, string>, body: string];

const xml = { 'content-type': 'application/xml' };
const json = { 'content-type': 'application/x-amz-json-1.0' };

/** A minimal answer per call, as AWS gives it; unknown calls get a 500 so a missing case shows. */
function answer(service: string, request: IncomingMessage, body: string): Answer {
  const target = String(request.headers['x-amz-target'] ?? '');
  const url = request.url ?? '';
  if (service === 'dynamodb' && target.endsWith('.GetItem')) {
    return [200, json, '{"Item":{"pk":{"S":"a"},"sk":{"S":"b"},"total":{"N":"1250"}}}'];
  }
  if (service === 'dynamodb' && target.endsWith('.TransactWriteItems')) {
    return [
      400,
      json,
      '{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled [ConditionalCheckFailed]","CancellationReasons":[{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}]}',
    ];
  }
  if (service === 'kms' && target.endsWith('.Sign')) {
    return [
      200,
      json,
      '{"KeyId":"arn:aws:kms:eu-central-1:000000000000:key/k","Signature":"AQID","SigningAlgorithm":"ECDSA_SHA_256"}',
    ];
  }
  if (service === 'kms' && target.endsWith('.GenerateMac')) {
    return [200, json, '{"KeyId":"k","Mac":"BAU=","MacAlgorithm":"HMAC_SHA_256"}'];
  }
  const object = { etag: '"0f343b0931126a20f133d67c2b018a3b"', 'x-amz-version-id': 'v1' };
  if (service === 's3' && request.method === 'PUT') {
    return [
      200,
      {
        ...object,
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': 'k',
      },
      '',
    ];
  }
  if (service === 's3' && url.startsWith('/b/missing')) {
    return [
      404,
      xml,
      '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>missing</Key></Error>',
    ];
  }
  if (service === 's3' && url.startsWith('/b/documents/v1/a.pdf')) {
    const lock = {
      'x-amz-object-lock-mode': 'COMPLIANCE',
      'x-amz-object-lock-retain-until-date': '2033-01-01T00:00:00.000Z',
    };
    const headers = {
      ...object,
      ...lock,
      'content-type': 'application/pdf',
      'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT',
    };
    return [200, headers, request.method === 'HEAD' ? '' : '%PDF-1.7'];
  }
  if (service === 's3' && url.startsWith('/b/?prefix=changes%2F&versions')) {
    return [
      200,
      xml,
      '<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>changes/</Prefix><IsTruncated>false</IsTruncated><Version><Key>changes/1</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest><LastModified>2026-01-01T00:00:00.000Z</LastModified><Size>8</Size></Version></ListVersionsResult>',
    ];
  }
  if (service === 'ses' && url === '/v2/email/outbound-emails') {
    return body.includes('rejected@')
      ? [
          400,
          { 'content-type': 'application/json', 'x-amzn-errortype': 'MessageRejected' },
          '{"message":"Email address is not verified."}',
        ]
      : [200, { 'content-type': 'application/json' }, '{"MessageId":"m-1"}'];
  }
  if (service === 'sns') {
    return String(request.headers['content-type']).includes('json')
      ? [200, json, '{"MessageId":"sns-1"}']
      : [
          200,
          xml,
          '<PublishResponse><PublishResult><MessageId>sns-1</MessageId></PublishResult></PublishResponse>',
        ];
  }
  if (service === 'lambda' && url === '/2015-03-31/functions/render/invocations') {
    return [
      200,
      { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' },
      '{"outcome":"not-found"}',
    ];
  }
  return [500, {}, `no canned answer for ${service} ${request.method} ${url}`];
}

describe('the AWS SDK in a Lambda bundle', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'ledgerlock-sdk-bundle-'));
  const probe = path.join(projectRoot, 'test', 'infra', 'support', 'sdk-probe.ts');
  const bundled = path.join(workDir, 'probe.mjs');
  const recorded: Recorded[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(
        String(request.headers.authorization),
      )?.[1];
      const service = scope ?? 'unsigned';
      const headers = Object.fromEntries(
        Object.entries(request.headers)
          .filter(([name]) => !volatile.has(name))
          .map(([name, value]) => [name, String(value)]),
      );
      recorded.push({ service, method: request.method ?? '', url: request.url ?? '', headers, body });
      const [status, answerHeaders, answerBody] = answer(service, request, body);
      response.writeHead(status, { 'x-amzn-requestid': 'r-1', ...answerHeaders });
      response.end(answerBody);
    });
  });
  let endpoint = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await build(esbuildOptionsFor(probe, bundled));
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs the probe one way; what it printed and the requests the server saw, in order. */
  async function probeWith(args: readonly string[]) {
    recorded.length = 0;
    const { stdout } = await run(process.execPath, [...args, endpoint], { cwd: projectRoot });
    return { results: JSON.parse(stdout) as Record<string, unknown>, requests: [...recorded] };
  }

  it('makes the same requests and reads the same answers as the SDK in node_modules', async () => {
    const source = await probeWith(['--import', 'tsx', probe]);
    const bundle = await probeWith([bundled]);

    expect(bundle.requests).toEqual(source.requests);
    expect(bundle.results).toEqual(source.results);
    // What both read is what the server answered, so the comparison is not of two failures.
    expect(source.results).toMatchObject({
      get: { Item: { pk: 'a', sk: 'b', total: 1250 } },
      transaction: {
        error: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
      },
      sign: { SigningAlgorithm: 'ECDSA_SHA_256', Signature: [1, 2, 3] },
      mac: { Mac: [4, 5] },
      put: { ETag: '"0f343b0931126a20f133d67c2b018a3b"', VersionId: 'v1', ServerSideEncryption: 'aws:kms' },
      read: { Body: '%PDF-1.7', ContentType: 'application/pdf' },
      missing: { error: 'NoSuchKey' },
      head: { ObjectLockMode: 'COMPLIANCE' },
      versions: { Versions: [{ Key: 'changes/1', VersionId: 'v1', IsLatest: true }] },
      email: { MessageId: 'm-1' },
      rejected: { error: 'MessageRejected', message: 'Email address is not verified.' },
      alert: { MessageId: 'sns-1' },
      invoke: { StatusCode: 200, ExecutedVersion: '$LATEST' },
    });
    expect(source.results.link).toMatch(/X-Amz-Expires=300&.*X-Amz-Signature=[0-9a-f]{64}/);
    expect(source.requests.map((request) => request.service)).toEqual([
      'dynamodb',
      'dynamodb',
      'kms',
      'kms',
      's3',
      's3',
      's3',
      's3',
      's3',
      'ses',
      'ses',
      'sns',
      'lambda',
    ]);
  }, 60_000);

  it('drops the schemas of the operations no function calls', () => {
    const code = readFileSync(bundled, 'utf8');

    // SESv2's BatchGetMetricData and S3's SelectObjectContent are operations nothing here calls.
    expect({ ses: code.includes('BatchGetMetricData'), s3: code.includes('SelectObjectContent') }).toEqual({
      ses: false,
      s3: false,
    });
    expect(code).toContain('outbound-emails');
  }, 60_000);

  it('writes computed schema keys as literals, except one spelt __proto__', () => {
    const source = [
      'const _h = "http";',
      'const _p = "__proto__";',
      'export var A$ = [9, n0, _A, { [_h]: ["POST", "/a", 200] }, 0, 0];',
      'export var B$ = [3, n0, _B, { [_p]: 1 }, [_h], [0]];',
    ].join('\n');

    expect(withLiteralSchemaKeys(source).split('\n').slice(2)).toEqual([
      'export var A$ = [9, n0, _A, { "http": ["POST", "/a", 200] }, 0, 0];',
      'export var B$ = [3, n0, _B, { [_p]: 1 }, [_h], [0]];',
    ]);
  });
});
