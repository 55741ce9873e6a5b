module.exports = { ...require('../../jest.preset.cjs'), displayName: 'world', rootDir: __dirname };
