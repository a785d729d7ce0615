// Three projects so `npm test` runs them all and each can be run alone (`--selectProjects unit`).
// The project is ESM (middy and fauxqs ship ESM only), so jest runs with --experimental-vm-modules (see .npmrc).
const transform = { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false, tsconfig: { module: 'esnext' } }] };
const common = { transform, extensionsToTreatAsEsm: ['.ts'], testEnvironment: 'node' };
export default {
  // A bound, not a speed target: the concurrency tests push 50 issues through one local process.
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
  ],
};
