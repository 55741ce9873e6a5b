import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleInChild } from './node-bundle';
import { WORKSPACE_ROOT } from './workspace-root';

/** The variable apps/persistd/src/save-work/save-pool.ts reads (running from sources) for the script of its threads. */
const SAVE_WORKER_SCRIPT_ENV = 'PERSISTD_TEST_SAVE_WORKER_SCRIPT';

/**
 * Bundles apps/persistd/src/save-work/save-worker-main.ts for this test run and names it in
 * SAVE_WORKER_SCRIPT_ENV, so the save threads of in-process daemons and pools load one file
 * instead of the whole daemon through tsx's hook (some 0.5 s less per thread). The bundle is
 * written under the workspace's node_modules/.cache, where it finds the npm packages it leaves
 * out, one per jest process (projects run side by side). The returned function removes it.
 */
export async function bundleSaveWorker(): Promise<() => Promise<void>> {
  const dir = join(WORKSPACE_ROOT, 'node_modules/.cache/persistd-tests');
  const path = join(dir, `save-worker-${process.pid}.js`);
  await mkdir(dir, { recursive: true });
  await bundleInChild('apps/persistd/src/save-work/save-worker-main.ts', path);
  process.env[SAVE_WORKER_SCRIPT_ENV] = path;
  return async () => {
    delete process.env[SAVE_WORKER_SCRIPT_ENV];
    await rm(path, { force: true });
    await rm(`${path}.map`, { force: true });
  };
}
