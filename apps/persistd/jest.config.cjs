module.exports = { ...require('../../jest.preset.cjs'), displayName: 'persistd', rootDir: __dirname };
