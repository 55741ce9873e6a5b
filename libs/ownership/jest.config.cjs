module.exports = { ...require('../../jest.preset.cjs'), displayName: 'ownership', rootDir: __dirname };
