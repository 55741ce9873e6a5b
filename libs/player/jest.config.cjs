const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'player', { unit: ['**/*.spec.ts'] });
