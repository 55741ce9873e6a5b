// Shared jest settings: TypeScript transpiled (type-checking is `npm run typecheck`'s job),
// path aliases taken from tsconfig.base.json so there is one list of them.
//
// Every project's tests come in three kinds, chosen by PERSISTD_TESTS (each kind is an Nx
// target of the same name; unset, as in `npm test`, runs all three):
//   unit           no Redis at all and no child process: runs on a fresh clone with nothing
//                  installed but node_modules. libs/testkit/src/jest/unit-guard.cjs makes a
//                  spec that breaks this rule fail instead of quietly passing.
//   cluster-chaos  starts Redis Clusters or drives the chaos suites (kills, cuts, floods).
//   integration    everything else: the shared test Redis, private redis-servers, daemons.
// A project lists the globs of its unit and cluster-chaos specs; integration is the rest, so
// a new spec is integration until someone says otherwise and no spec falls between kinds.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias}$`] = path.join(__dirname, target);
}

const ALL_SPECS = '<rootDir>/src/**/*.spec.ts';
const KINDS = ['unit', 'integration', 'cluster-chaos'];

const preset = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: [ALL_SPECS],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.spec.json'), diagnostics: false }],
  },
  moduleNameMapper,
  // A Redis for the run when none answers at the test address (libs/testkit/src/jest).
  globalSetup: path.join(__dirname, 'libs/testkit/src/jest/global-setup.cjs'),
  globalTeardown: path.join(__dirname, 'libs/testkit/src/jest/global-teardown.cjs'),
  maxWorkers: 1,
  testTimeout: 60000,
};

const underSrc = (glob) => `<rootDir>/src/${glob}`;

/**
 * One project's jest config: `rootDir` and `displayName`, the globs (relative to `src/`) of its
 * unit and cluster-chaos specs, whether its specs run save worker threads in-process (the run
 * then bundles their script once: libs/testkit/src/save-worker-bundle.ts), and any setting of its
 * own. The kind PERSISTD_TESTS names narrows testMatch to that kind's specs.
 */
function projectConfig(rootDir, displayName, { unit = [], clusterChaos = [], saveWorkers = false } = {}, overrides = {}) {
  const kind = process.env.PERSISTD_TESTS;
  const setup = saveWorkers ? { globalSetup: path.join(__dirname, 'libs/testkit/src/jest/global-setup-save-workers.cjs') } : {};
  const config = { ...preset, displayName, rootDir, ...setup, ...overrides };
  if (kind === undefined || kind === '') return config;
  if (!KINDS.includes(kind)) throw new Error(`PERSISTD_TESTS=${kind}: expected one of ${KINDS.join(', ')}`);
  if (kind === 'unit') {
    // No Redis is started or wanted for unit specs; the guard refuses the ones that try.
    const { globalSetup: _setup, globalTeardown: _teardown, ...rest } = config;
    return { ...rest, testMatch: unit.map(underSrc), setupFilesAfterEnv: [path.join(__dirname, 'libs/testkit/src/jest/unit-guard.cjs')] };
  }
  if (kind === 'cluster-chaos') return { ...config, testMatch: clusterChaos.map(underSrc) };
  return { ...config, testMatch: [ALL_SPECS, ...[...unit, ...clusterChaos].map((glob) => `!${underSrc(glob)}`)] };
}

module.exports = { ...preset, projectConfig };
