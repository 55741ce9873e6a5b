const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'chaos', { unit: ['cli-args.spec.ts', 'hostile/judge.spec.ts'], clusterChaos: ['chaos-*.spec.ts', 'checker-teeth.spec.ts', 'hostile/hostile-change-sets.spec.ts'] }, { testTimeout: 120000 });
