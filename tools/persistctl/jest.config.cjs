const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'persistctl', { unit: ['args.spec.ts', 'metrics/*.spec.ts', 'worlds-progress.spec.ts', 'watch.spec.ts'] });
