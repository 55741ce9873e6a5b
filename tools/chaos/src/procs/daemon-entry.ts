import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nodeBundle, trackDir, untrackDir } from '@persistd/testkit';

/** The workspace root (tools/chaos/src/procs → four levels up). */
export const WORKSPACE_ROOT = resolve(__dirname, '../../../..');

/** What `npm run build` produces: the daemon the long form drives. */
export const DIST_ENTRY = join(WORKSPACE_ROOT, 'dist/apps/persistd/main.js');

/** A runnable daemon script, and how to remove it when it was built for this run only. */
export interface DaemonEntry {
  path: string;
  cleanup(): Promise<void>;
}

/**
 * Bundles apps/persistd/src/main.ts into a temporary directory exactly as `npm run build` does
 * (esbuild, node20, packages external). The specs use this so that `npm test`, which does not
 * build, always drives the daemon of the current tree rather than a stale dist/. The bundle
 * finds its packages through NODE_PATH (PersistdProcess sets it).
 */
export async function bundleDaemon(): Promise<DaemonEntry> {
  const { build } = await import('esbuild');
  const dir = await mkdtemp(join(tmpdir(), 'persistd-chaos-daemon-'));
  trackDir(dir);
  const path = join(dir, 'main.js');
  await build(nodeBundle('apps/persistd/src/main.ts', path, { logLevel: 'silent' }));
  return {
    path,
    cleanup: async () => {
      await rm(dir, { recursive: true, force: true });
      untrackDir(dir);
    },
  };
}

/** The built daemon of `npm run build`, checked to exist. */
export function distEntry(path = DIST_ENTRY): DaemonEntry {
  if (!existsSync(path)) throw new Error(`${path} does not exist: run \`npm run build\` first (or pass --entry)`);
  return { path, cleanup: async () => undefined };
}
