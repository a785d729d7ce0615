// test: the Encryption SDK as the Lambda bundles carry it — built with lib/bundling/options.ts, stand-ins included
// (asn1.js, bn.js, and Node's streams for readable-stream) — opens what the SDK from node_modules seals, seals what
// it opens, and refuses what was altered or cut short.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { esbuildOptionsFor, projectRoot } from '../../lib/bundling/options';
import { openWithFixedKey, sealWithFixedKey } from './support/fixed-key-sealing';

const run = promisify(execFile);

describe('sealing in a Lambda bundle', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'ledgerlock-sealed-bundle-'));
  const outfile = path.join(workDir, 'probe.mjs');
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  beforeAll(async () => {
    // The probe opens the message on argv[2] and seals its plaintext again, with the key on argv[3].
    const probe = path.join(workDir, 'probe.ts');
    writeFileSync(
      probe,
      [
        `import { openWithFixedKey, sealWithFixedKey } from ${JSON.stringify(path.join(projectRoot, 'test/infra/support/fixed-key-sealing.ts'))};`,
        `const key = Buffer.from(process.argv[3] ?? '', 'hex');`,
        `const plaintext = await openWithFixedKey(key, Buffer.from(process.argv[2] ?? '', 'hex'));`,
        `const resealed = await sealWithFixedKey(key, plaintext);`,
        `process.stdout.write(JSON.stringify({ plaintext, resealed: Buffer.from(resealed).toString('hex') }));`,
      ].join('\n'),
    );
    await build(esbuildOptionsFor(probe, outfile));
  }, 60_000);

  it('opens a multi-frame message sealed outside the bundle, and seals one that opens outside it', async () => {
    const key = randomBytes(32);
    const plaintext = 'Jane Buyer, 1 High St, London SW1A 2AA — '.repeat(8);
    const sealed = await sealWithFixedKey(key, plaintext);

    const { stdout } = await run(process.execPath, [
      outfile,
      Buffer.from(sealed).toString('hex'),
      key.toString('hex'),
    ]);
    const probe = JSON.parse(stdout) as { plaintext: string; resealed: string };

    expect(probe.plaintext).toBe(plaintext);
    expect(await openWithFixedKey(key, Buffer.from(probe.resealed, 'hex'))).toBe(plaintext);
  }, 60_000);

  it('streams a message of hundreds of frames through in both directions', async () => {
    const key = randomBytes(32);
    const plaintext = randomBytes(15_000).toString('base64');
    const sealed = await sealWithFixedKey(key, plaintext);

    const { stdout } = await run(
      process.execPath,
      [outfile, Buffer.from(sealed).toString('hex'), key.toString('hex')],
      { maxBuffer: 1 << 24 },
    );
    const probe = JSON.parse(stdout) as { plaintext: string; resealed: string };

    expect(probe.plaintext === plaintext).toBe(true);
    expect((await openWithFixedKey(key, Buffer.from(probe.resealed, 'hex'))) === plaintext).toBe(true);
  }, 60_000);

  it('fails closed when the message is cut short', async () => {
    const key = randomBytes(32);
    const sealed = Buffer.from(await sealWithFixedKey(key, 'y'.repeat(300)));

    await expect(
      run(process.execPath, [
        outfile,
        sealed.subarray(0, sealed.length - 30).toString('hex'),
        key.toString('hex'),
      ]),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('Incomplete message') });
  }, 60_000);

  it('fails closed when a frame of the message is altered', async () => {
    const key = randomBytes(32);
    const sealed = Buffer.from(await sealWithFixedKey(key, 'x'.repeat(200)));
    sealed[sealed.length - 40] = (sealed[sealed.length - 40] ?? 0) ^ 1;

    await expect(
      run(process.execPath, [outfile, sealed.toString('hex'), key.toString('hex')]),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unable to authenticate data'),
    });
  }, 60_000);
});
