// The one esbuild configuration: how every Node bundle of the workspace is built — the daemon
// (`npm run build`, and the tests and harnesses that run it as a process), persistctl
// (`npm run build:persistctl`), the SDK package and the bench's helper processes. Workspace
// libs are bundled in through tsconfig paths; npm packages stay external, found at run time
// through node_modules (or NODE_PATH for a bundle written to a temporary folder).
//
// As a command: `node esbuild.preset.cjs <entry.ts> <outfile.js> [--shebang]`.
const path = require('node:path');

const ROOT = __dirname;

const NODE_BUNDLE = {
  absWorkingDir: ROOT,
  tsconfig: path.join(ROOT, 'tsconfig.json'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

/** Makes the bundle an executable script (persistctl). */
const SHEBANG = { banner: { js: '#!/usr/bin/env node' } };

/** esbuild options bundling `entry` into `outfile` (both absolute or relative to the workspace root). */
function nodeBundle(entry, outfile, extra = {}) {
  return { ...NODE_BUNDLE, entryPoints: [path.resolve(ROOT, entry)], outfile: path.resolve(ROOT, outfile), ...extra };
}

if (require.main === module) {
  const [entry, outfile, ...flags] = process.argv.slice(2);
  if (!entry || !outfile || flags.some((flag) => flag !== '--shebang')) {
    console.error('usage: node esbuild.preset.cjs <entry.ts> <outfile.js> [--shebang]');
    process.exit(2);
  }
  require('esbuild').buildSync(nodeBundle(entry, outfile, flags.includes('--shebang') ? SHEBANG : {}));
}

module.exports = { NODE_BUNDLE, SHEBANG, nodeBundle };
