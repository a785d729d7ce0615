// local: `npx tsx local/check-prerequisites.ts` — says which runtimes the local stack and the tests need that this
// machine lacks (Java 17+ for DynamoDB Local, moto's server for the backup bucket), and exits 1 if any.
import { pathToFileURL } from 'node:url';
import { findJavaRuntime } from './emulators/dynamodb';
import { findMotoServer } from './emulators/moto-s3';

export interface PrerequisiteResult {
  readonly name: string;
  readonly ok: boolean;
  /** What was found, or what is missing and how to install it. */
  readonly detail: string;
}

export async function checkPrerequisites(): Promise<PrerequisiteResult[]> {
  const checks: [string, () => Promise<string>][] = [
    ['Java 17+ (DynamoDB Local)', async () => (await findJavaRuntime()).versionLine],
    [
      'moto server (backup bucket S3)',
      async () => {
        const moto = await findMotoServer();
        return `moto ${moto.motoVersion} via ${moto.pythonCommand}`;
      },
    ],
  ];
  return Promise.all(
    checks.map(async ([name, check]) => {
      try {
        return { name, ok: true, detail: await check() };
      } catch (error) {
        return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await checkPrerequisites();
  for (const result of results) {
    const line = `${result.ok ? 'ok     ' : 'MISSING'} ${result.name}: ${result.detail}\n`;
    (result.ok ? process.stdout : process.stderr).write(line);
  }
  process.exitCode = results.every((result) => result.ok) ? 0 : 1;
}
