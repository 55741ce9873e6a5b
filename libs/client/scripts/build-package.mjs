// Builds the publishable package of the SDK into dist/libs/client (publish from there:
// `npm publish dist/libs/client`).
//
//   index.cjs / index.mjs   esbuild bundles of libs/client/src/index.ts. The workspace libs it
//                           uses (contract with its generated code, ownership, restore-sequence)
//                           are bundled in; npm packages (@bufbuild/protobuf, @grpc/grpc-js) stay
//                           external and are the package's dependencies.
//   types/                  tsc declarations of the same files, with every `@persistd/<lib>`
//                           import rewritten to a relative path, so the package stands alone.
//   index.d.ts              re-exports types/libs/client/src/index.
//   package.json, README.md copied from libs/client (without `scripts`).
//
// Run from anywhere: `node libs/client/scripts/build-package.mjs` (after `npm run generate`).
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import preset from '../../../esbuild.preset.cjs';
import ts from 'typescript';

const { nodeBundle } = preset;
const libDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(libDir, '../..');
// PERSISTD_CLIENT_OUT (tests) builds elsewhere.
const outDir = resolve(process.env.PERSISTD_CLIENT_OUT || join(root, 'dist/libs/client'));
const entry = join(libDir, 'src/index.ts');
const base = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;

if (!existsSync(join(root, 'libs/contract/src/gen'))) {
  console.error('build-package: libs/contract/src/gen is missing; run `npm run generate` first');
  process.exit(1);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

// 1. JavaScript: one bundle per module format.
for (const [format, file] of [['cjs', 'index.cjs'], ['esm', 'index.mjs']]) {
  // packages external applies after tsconfig paths: @persistd/* is bundled, npm packages are not.
  await build(nodeBundle(entry, join(outDir, file), { format }));
}

// 2. Declarations of every workspace file the entry reaches.
const typesDir = join(outDir, 'types');
const program = ts.createProgram([entry], {
  ...ts.convertCompilerOptionsFromJson({ ...base, types: ['node'] }, root).options,
  declaration: true,
  emitDeclarationOnly: true,
  noEmit: false,
  rootDir: root,
  outDir: typesDir,
});
const emitted = program.emit();
const diagnostics = ts.getPreEmitDiagnostics(program).concat(emitted.diagnostics);
if (diagnostics.length > 0) {
  console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
  process.exit(1);
}

// 3. `@persistd/<lib>` → relative path of that lib's emitted index.
const aliases = Object.entries(base.paths).map(([alias, [target]]) => [alias, join(typesDir, target.replace(/\.ts$/, ''))]);
const dtsFiles = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? dtsFiles(join(dir, n)) : n.endsWith('.d.ts') ? [join(dir, n)] : []));
for (const file of dtsFiles(typesDir)) {
  let text = readFileSync(file, 'utf8');
  for (const [alias, target] of aliases) {
    let rel = relative(dirname(file), target).split(sep).join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    text = text.replaceAll(`'${alias}'`, `'${rel}'`).replaceAll(`"${alias}"`, `"${rel}"`);
  }
  if (/['"]@persistd\//.test(text)) {
    console.error(`build-package: ${relative(root, file)} still imports a workspace alias the client may not use`);
    process.exit(1);
  }
  writeFileSync(file, text);
}
writeFileSync(join(outDir, 'index.d.ts'), "export * from './types/libs/client/src/index';\n");

// 4. Manifest and readme.
const manifest = JSON.parse(readFileSync(join(libDir, 'package.json'), 'utf8'));
delete manifest.scripts;
writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
cpSync(join(libDir, 'README.md'), join(outDir, 'README.md'));
console.log(`built ${manifest.name}@${manifest.version} in ${relative(process.cwd(), outDir) || '.'}`);
