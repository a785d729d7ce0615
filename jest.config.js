// Five projects, each runnable alone (`npm run test:fast`, `--selectProjects infra`, …):
// - fast:        use cases and handlers through makeHandler with in-memory adapters, plus pure domain code.
//                No network, no child process.
// - infra:       CDK assertions and the cdk-nag packs.
// - tooling:     the local emulators and the stream poller on their own (they start their own processes).
// - integration: HTTP against one local stack (the global setup starts it), for what only real emulators show.
// - fuzz:        the schema-driven fuzz run against a stack of its own, with a fixed, printed seed.
// - detection:   normal traffic and attacks against a stack of its own, whose alerts nothing else pollutes.
// Each of the last three runs in a jest run of its own (npm run test:stack): jest runs every selected project's
// global setup before any test, so one run over several of them would point every suite at the last stack.
// The project is ESM (middy and fauxqs ship ESM only), so jest runs with --experimental-vm-modules (see .npmrc).
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false, tsconfig: { module: 'esnext' } }],
};
const common = { transform, extensionsToTreatAsEsm: ['.ts'], testEnvironment: 'node' };
const againstTheLocalStack = {
  globalSetup: '<rootDir>/test/integration/global-setup.ts',
  globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
};
export default {
  // A bound, not a speed target: the concurrency tests push 50 issues through one local process.
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'fast',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/unit/setup.ts'],
    },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    { ...common, displayName: 'tooling', testMatch: ['<rootDir>/test/tooling/**/*.test.ts'] },
    {
      ...common,
      ...againstTheLocalStack,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    { ...common, ...againstTheLocalStack, displayName: 'fuzz', testMatch: ['<rootDir>/test/fuzz/**/*.test.ts'] },
    {
      ...common,
      ...againstTheLocalStack,
      displayName: 'detection',
      testMatch: ['<rootDir>/test/detection/**/*.test.ts'],
    },
  ],
};
