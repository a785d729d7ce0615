// test: starts one in-memory local stack (`local/start.ts`, the same entry as `npm start`) for the suite.
import { type StackProcess, startStackProcess } from '../../local/stack-process';

/**
 * Delivery retries and sweeps at test pace: 1 s, then 2 s between attempts (the default starts at 5 s and doubles
 * to 5 min, for 30 min), a 15 s lease and a sweep every half second, so a retried or killed delivery settles in
 * seconds. The retry window stays the default: outages are ridden out, not shortened.
 */
export const testDeliveryTuning = {
  DELIVERY_RETRY_FIRST_DELAY_SECONDS: '1',
  DELIVERY_RETRY_MAX_DELAY_SECONDS: '2',
  DELIVERY_LEASE_SECONDS: '15',
  LEDGERLOCK_SWEEP_INTERVAL_MS: '500',
} as const;

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
  const stack = await startStackProcess({ testHooks: true, env: testDeliveryTuning });
  globalThis.ledgerlockStack = stack;
  // Test workers are started after this and inherit the environment.
  process.env.LEDGERLOCK_TEST_STATE_DIR = stack.stateDir;
  process.env.LEDGERLOCK_TEST_API = stack.apiBaseUrl;
}
