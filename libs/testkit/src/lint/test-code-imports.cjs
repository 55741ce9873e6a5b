// Test code and production code are kept apart: only tests may import the test kit or a `test/`
// folder, so nothing a test needs can leak into what the daemon, the SDK or the operator CLI
// ship. Tests are spec files, `test/` folders beside them, the test kit itself, and the
// harness tools (chaos, bench, demo) that drive a daemon and ship nothing.
// eslint.config.mjs applies this block; test-code-imports.spec.ts proves it bites.
const TEST_CODE = ['**/*.spec.ts', '**/test/**', 'libs/testkit/**', 'tools/chaos/**', 'tools/bench/**', 'tools/demo/**'];

const testCodeImports = {
  files: ['**/*.ts'],
  ignores: TEST_CODE,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [{ name: '@persistd/testkit', message: 'the test kit is for specs and test/ folders only.' }],
        patterns: [{ regex: '(^|/)test(/|$)', message: 'test/ folders are for specs and other test code only.' }],
      },
    ],
  },
};

module.exports = { TEST_CODE, testCodeImports };
