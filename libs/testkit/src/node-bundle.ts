/** The workspace's one esbuild configuration (esbuild.preset.cjs), for specs and harnesses that bundle the daemon or a CLI. */
// The preset is a root build file like jest.preset.cjs, not another project's code.
// eslint-disable-next-line @nx/enforce-module-boundaries
export { nodeBundle, SHEBANG } from '../../../esbuild.preset.cjs';
