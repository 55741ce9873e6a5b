module.exports = { ...require('../../jest.preset.cjs'), displayName: 'redis-process', rootDir: __dirname };
