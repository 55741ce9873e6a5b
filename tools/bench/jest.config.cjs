const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'bench', { unit: ['bench-parts.spec.ts'] });
