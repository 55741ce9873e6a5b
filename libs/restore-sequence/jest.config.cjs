module.exports = { ...require('../../jest.preset.cjs'), displayName: 'restore-sequence', rootDir: __dirname };
