import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { testCodeImports } from './test-code-imports.cjs';

// The lint block that keeps test code out of production code, run through ESLint's own API on
// sources placed at real paths of the workspace: it must refuse the imports in production files
// and allow them in tests, or the separation is a convention nobody checks.
const ROOT = join(__dirname, '../../../..');

const IMPORTS_TEST_CODE = [
  "import { generateWorld } from '@persistd/testkit';",
  "import { startTestDaemon } from './test/test-daemon';",
  "import { commitInput } from '../test/fixtures';",
  "import { mutations } from './wire/test';",
  'export const used = [generateWorld, startTestDaemon, commitInput, mutations];',
].join('\n');

async function refusedImports(filePath: string, code = IMPORTS_TEST_CODE): Promise<number> {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, testCodeImports],
  });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  return result.messages.filter((message) => message.ruleId === 'no-restricted-imports').length;
}

describe('only test code imports test code', () => {
  it.each(['apps/persistd/src/daemon.ts', 'libs/store-redis/src/commit.ts', 'libs/client/src/index.ts', 'tools/persistctl/src/cli.ts'])(
    'refuses every test import in production file %s',
    async (file) => {
      expect(await refusedImports(file)).toBe(4);
    },
  );

  it.each([
    'apps/persistd/src/save-changes.spec.ts',
    'apps/persistd/src/test/test-daemon.ts',
    'apps/persistd/src/test/cluster/fleet.ts',
    'libs/store-redis/src/test/fixtures.ts',
    'libs/testkit/src/redis.ts',
    'tools/chaos/src/scenarios/environment.ts',
    'tools/bench/src/main.ts',
  ])('allows them in test code %s', async (file) => {
    expect(await refusedImports(file)).toBe(0);
  });

  it('leaves production imports that merely contain the word alone', async () => {
    const code = "import { a } from './latest';\nimport { b } from './test-utils-free/contest';\nimport { c } from 'node:test';\nexport const used = [a, b, c];";
    expect(await refusedImports('libs/client/src/index.ts', code)).toBe(0);
  });
});
