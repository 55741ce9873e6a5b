module.exports = { ...require('../../jest.preset.cjs'), displayName: 'persist-validate', rootDir: __dirname };
