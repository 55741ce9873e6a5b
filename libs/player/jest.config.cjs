module.exports = { ...require('../../jest.preset.cjs'), displayName: 'player', rootDir: __dirname };
