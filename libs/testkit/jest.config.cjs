const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'testkit', { unit: ['world-generator.spec.ts', 'metrics-scrape.spec.ts', 'world-shape-arbitrary.spec.ts', 'jest/*.spec.ts', 'lint/*.spec.ts', 'history/*.spec.ts'], clusterChaos: ['redis-cluster.spec.ts'] });
