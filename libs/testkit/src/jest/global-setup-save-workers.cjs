// The globalSetup of projects whose tests run save worker threads in-process: see global-setup.ts.
require('./node-path-aliases.cjs');
module.exports = require('./global-setup.ts').globalSetupWithSaveWorkers;
