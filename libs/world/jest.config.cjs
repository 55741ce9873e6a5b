const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'world', { unit: ['**/*.spec.ts'] });
