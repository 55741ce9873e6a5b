// Jest loads globalSetup/globalTeardown outside its module system: TypeScript is transformed,
// but moduleNameMapper is not applied, so `@persistd/*` imports would not resolve. This makes
// Node's own resolver map them, from the same tsconfig.base.json list the jest preset uses.
// Jest's test runtime resolves modules itself and is unaffected.
const Module = require('node:module');
const path = require('node:path');
const { compilerOptions } = require('../../../../tsconfig.base.json');

const root = path.join(__dirname, '../../../..');
const targets = new Map(Object.entries(compilerOptions.paths).map(([alias, [target]]) => [alias, path.join(root, target)]));
const resolve = Module._resolveFilename;
if (!resolve.persistdAliases) {
  Module._resolveFilename = Object.assign(function (request, ...rest) {
    return resolve.call(this, targets.get(request) ?? request, ...rest);
  }, { persistdAliases: true });
}
