module.exports = { ...require('../../jest.preset.cjs'), displayName: 'example-game-server', rootDir: __dirname };
