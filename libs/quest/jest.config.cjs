module.exports = { ...require('../../jest.preset.cjs'), displayName: 'quest', rootDir: __dirname };
