module.exports = { ...require('../../jest.preset.cjs'), displayName: 'persistctl', rootDir: __dirname };
