module.exports = { ...require('../../jest.preset.cjs'), displayName: 'npc', rootDir: __dirname };
