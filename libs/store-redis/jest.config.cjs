const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'store-redis', { unit: ['keys.spec.ts', 'redis-failures.spec.ts', 'request-record.spec.ts'], clusterChaos: ['cluster.spec.ts', 'lifecycle-cluster.spec.ts'] });
