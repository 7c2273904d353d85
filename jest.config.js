/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  // Crawls and child processes take seconds, not milliseconds.
  testTimeout: 120_000,
  // The suites start servers and crawls; two at a time suits a 2-core machine.
  maxWorkers: 2,
};
