import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT } from './workspace-root';

/** esbuild options of the workspace's one configuration, for a harness that runs esbuild's synchronous API itself (the bench). */
// The preset is a root build file like jest.preset.cjs, not another project's code.
// eslint-disable-next-line @nx/enforce-module-boundaries
export { nodeBundle } from '../../../esbuild.preset.cjs';

/**
 * Bundles `entry` into `outfile` (both absolute or relative to the workspace root) with the
 * workspace's one esbuild configuration, esbuild.preset.cjs, run as a command in a child process:
 * what `npm run build` does, for specs and harnesses that bundle the daemon or a CLI.
 *
 * Never esbuild's JS API in the test process: it keeps its service process as a child of the
 * caller, and a jest process that had one was seen spinning at 100% CPU in Node's exit cleanup
 * (its esbuild a zombie) instead of exiting, which would hold CI to its timeout. The child's
 * esbuild ends with the child, and none of its buffers live in a process whose heap specs measure.
 */
export async function bundleInChild(entry: string, outfile: string, options: { shebang?: boolean } = {}): Promise<void> {
  const args = [join(WORKSPACE_ROOT, 'esbuild.preset.cjs'), entry, outfile, ...(options.shebang ? ['--shebang'] : [])];
  await promisify(execFile)(process.execPath, args, { cwd: WORKSPACE_ROOT });
}
