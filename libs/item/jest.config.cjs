module.exports = { ...require('../../jest.preset.cjs'), displayName: 'item', rootDir: __dirname };
