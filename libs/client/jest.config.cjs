const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'client', { unit: ['capture-snapshot.spec.ts', 'persistd-client.spec.ts', 'restore-driver.spec.ts', 'retries.spec.ts'] });
