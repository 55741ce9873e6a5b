// Shared jest settings: TypeScript transpiled (type-checking is `npm run typecheck`'s job),
// path aliases taken from tsconfig.base.json so there is one list of them.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias}$`] = path.join(__dirname, target);
}

module.exports = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.spec.json'), diagnostics: false }],
  },
  moduleNameMapper,
  // A Redis for the run when none answers at the test address (tools/testkit/src/jest).
  globalSetup: path.join(__dirname, 'tools/testkit/src/jest/global-setup.cjs'),
  globalTeardown: path.join(__dirname, 'tools/testkit/src/jest/global-teardown.cjs'),
  maxWorkers: 1,
  testTimeout: 60000,
};
