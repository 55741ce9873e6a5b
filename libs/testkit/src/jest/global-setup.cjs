// jest.preset.cjs's globalSetup: see global-setup.ts.
require('./node-path-aliases.cjs');
module.exports = require('./global-setup.ts').default;
