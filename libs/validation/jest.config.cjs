const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'validation', { unit: ['**/*.spec.ts'] });
