/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': 'ts-jest' },
  // @fastify/static (which serves /docs) requires content-disposition 3, an
  // ES module jest cannot load from CommonJS; its CommonJS 2.x (same API,
  // used only for file downloads, which nothing here does) stands in.
  moduleNameMapper: {
    '^content-disposition$': require.resolve('content-disposition'),
  },
  testEnvironment: 'node',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  maxWorkers: 2,
  testTimeout: 60_000,
  // Entities and DTOs are declarations: their only "branches" are the
  // decorator-metadata guards the compiler emits, which no test can take.
  collectCoverageFrom: [
    'src/**/*.ts',
    '!src/main.ts',
    '!src/**/*.entity.ts',
    '!src/**/dto/*.ts',
  ],
  coverageDirectory: 'coverage',
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: {
    './src/economy/': { lines: 90, branches: 90 },
  },
};
