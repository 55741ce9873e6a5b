import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { nodeBundle, WORKSPACE_ROOT } from '@persistd/testkit';

/**
 * Helper processes of the bench (the in-process measurement, the stream limit server) are
 * bundled with esbuild exactly as `npm run build` bundles the daemon, so what they measure runs
 * as the daemon's code runs (no per-call module getters of a TypeScript loader).
 */
export class Bundles {
  private readonly dir = mkdtempSync(join(tmpdir(), 'persistd-bench-'));

  /** Bundles `tools/bench/src/<entry>.ts`; returns the script path. */
  build(entry: string): string {
    const outfile = join(this.dir, `${entry.replace(/\//g, '-')}.js`);
    buildSync(nodeBundle(`tools/bench/src/${entry}.ts`, outfile, { logLevel: 'error' }));
    return outfile;
  }

  /** What a bundled script needs to find the workspace's packages from a temporary folder. */
  static env(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, NODE_PATH: join(WORKSPACE_ROOT, 'node_modules') };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
