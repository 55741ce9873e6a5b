// setupFilesAfterEnv of the unit kind (jest.preset.cjs): a unit spec talks to no Redis and
// starts no process. Instead of trusting the classification, make breaking it fail loudly:
// the test Redis address points at a port nothing listens on, and starting a child process
// throws. Both are undone after the file so jest itself is left as it was.
const childProcess = require('node:child_process');

process.env.PERSISTD_TEST_REDIS_URL = 'redis://127.0.0.1:1';

const STARTERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'];
const originals = Object.fromEntries(STARTERS.map((name) => [name, childProcess[name]]));
for (const name of STARTERS) {
  childProcess[name] = (command) => {
    throw new Error(`unit specs start no process (${name} ${command}): this spec belongs to the integration kind (see jest.preset.cjs)`);
  };
}

afterAll(() => {
  for (const name of STARTERS) childProcess[name] = originals[name];
});
