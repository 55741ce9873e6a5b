// jest.preset.cjs's globalTeardown: see global-teardown.ts.
require('./node-path-aliases.cjs');
module.exports = require('./global-teardown.ts').default;
