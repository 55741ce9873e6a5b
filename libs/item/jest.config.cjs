const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'item', { unit: ['**/*.spec.ts'] });
