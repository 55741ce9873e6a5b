// One lint run for the whole workspace. The module-boundary rule is the architecture of
// DESIGN §2 written as data: who may import whom.
import { createProjectGraphAsync } from '@nx/devkit';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import { testCodeImports } from './libs/testkit/src/lint/test-code-imports.cjs';

// The boundary rule reads Nx's cached project graph and, when there is none (a fresh clone,
// plain `eslint .`), prints a warning and checks nothing. Building the graph here, before any
// rule runs, means every way of running lint enforces it; if the graph cannot be built, the
// lint run fails instead of passing without the rule.
await createProjectGraphAsync({ exitOnError: false });

const only = (...types) => types.map((t) => `type:${t}`);

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', 'libs/contract/src/gen/**', '.nx/**', 'coverage/**', 'bench/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:ownership', onlyDependOnLibsWithTags: only('contract') },
            { sourceTag: 'type:owner', onlyDependOnLibsWithTags: only('contract', 'ownership') },
            { sourceTag: 'type:validation', onlyDependOnLibsWithTags: only('contract', 'ownership', 'owner', 'testkit') },
            { sourceTag: 'type:sequence', onlyDependOnLibsWithTags: only('contract', 'ownership') },
            { sourceTag: 'type:store', onlyDependOnLibsWithTags: only('contract', 'testkit') },
            { sourceTag: 'type:client', onlyDependOnLibsWithTags: only('contract', 'ownership', 'sequence', 'testkit') },
            { sourceTag: 'type:redis-process', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:testkit', onlyDependOnLibsWithTags: only('contract', 'ownership', 'redis-process') },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: only('contract', 'ownership', 'owner', 'validation', 'sequence', 'store', 'client', 'testkit', 'redis-process') },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: only('contract', 'ownership', 'owner', 'validation', 'sequence', 'store', 'client', 'testkit') },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  testCodeImports,
];
