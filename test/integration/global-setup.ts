// test: starts one in-memory local stack (`local/start.ts`, the same entry as `npm start`) for the suite.
import { type StackProcess, startStackProcess } from '../../local/stack-process';

declare global {
  var ledgerlockStack: StackProcess | undefined;
}

export default async function globalSetup(): Promise<void> {
  // Jest runs the global setup of every selected project before any test: a second stack would silently take
  // over the first one's suites (and their alerts, sellers and mail) through the environment below.
  if (globalThis.ledgerlockStack !== undefined) {
    throw new Error(
      'one local-stack project per jest run: npm run test:integration, test:fuzz and test:detection each start their own',
    );
  }
  const stack = await startStackProcess({ testHooks: true });
  globalThis.ledgerlockStack = stack;
  // Test workers are started after this and inherit the environment.
  process.env.LEDGERLOCK_TEST_STATE_DIR = stack.stateDir;
  process.env.LEDGERLOCK_TEST_API = stack.apiBaseUrl;
}
