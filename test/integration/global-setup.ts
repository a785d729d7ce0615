// test: starts one in-memory local stack (`local/start.ts`, the same entry as `npm start`) for the suite.
import { type StackProcess, startStackProcess } from '../../local/stack-process';

declare global {
  var ledgerlockStack: StackProcess | undefined;
}

export default async function globalSetup(): Promise<void> {
  const stack = await startStackProcess({ testHooks: true });
  globalThis.ledgerlockStack = stack;
  // Test workers are started after this and inherit the environment.
  process.env.LEDGERLOCK_TEST_STATE_DIR = stack.stateDir;
  process.env.LEDGERLOCK_TEST_API = stack.apiBaseUrl;
}
