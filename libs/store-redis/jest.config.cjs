module.exports = { ...require('../../jest.preset.cjs'), displayName: 'store-redis', rootDir: __dirname };
