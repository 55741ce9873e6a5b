import { serveSaveJobs } from './save-worker';

/**
 * A save worker thread's script by itself, without the daemon around it: what the test run bundles
 * once (libs/testkit/src/save-worker-bundle.ts) so that the threads of the hundreds of in-process
 * daemons and pools that tests start load one file, not the whole daemon through tsx's hook
 * (workerEntry in save-pool.ts). The built daemon's threads run its own bundle (main.ts).
 */
serveSaveJobs();
