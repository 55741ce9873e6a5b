import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackDir, untrackDir } from './child-process';
import { bundleInChild } from './node-bundle';
import { WORKSPACE_ROOT } from './workspace-root';

/** What `npm run build` produces. */
export const DIST_ENTRY = join(WORKSPACE_ROOT, 'dist/apps/persistd/main.js');

/** A runnable daemon script, and how to remove it when it was built for this run only. */
export interface DaemonEntry {
  path: string;
  cleanup(): Promise<void>;
}

/**
 * Bundles apps/persistd/src/main.ts into a temporary directory exactly as `npm run build` does
 * (esbuild.preset.cjs), never over `dist/`, which others may be using. Tests and the chaos
 * harness use it so that `npm test`, which does not build, always runs the daemon of the current
 * tree rather than a stale dist/. The bundle finds its packages through NODE_PATH (the
 * workspace's node_modules), which whoever starts it sets.
 */
export async function bundleDaemon(): Promise<DaemonEntry> {
  const dir = await mkdtemp(join(tmpdir(), 'persistd-bundle-'));
  trackDir(dir);
  const path = join(dir, 'main.js');
  try {
    await bundleInChild('apps/persistd/src/main.ts', path);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    untrackDir(dir);
    throw e;
  }
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

let shared: Promise<DaemonEntry> | undefined;

/**
 * One bundle for every daemon of a test file (jest loads this module once per file), built on
 * first use; `removeDaemonBundle` in the file's afterAll.
 */
export async function daemonBundle(): Promise<string> {
  shared ??= bundleDaemon();
  return (await shared).path;
}

/** Removes the bundle of `daemonBundle`, if one was built. */
export async function removeDaemonBundle(): Promise<void> {
  if (!shared) return;
  const entry = shared;
  shared = undefined;
  await (await entry).cleanup();
}
