const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'restore-sequence', { unit: ['**/*.spec.ts'] });
