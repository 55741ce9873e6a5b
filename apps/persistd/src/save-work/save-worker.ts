import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runWorkerJob } from './worker-job';
import { outcomeMessage, SAVE_WORKER_ROLE, type JobMessage, type ThreadReport } from './worker-protocol';

/** True in a thread the save pool started (main.ts then serves jobs instead of starting a daemon). */
export function isSaveWorkerThread(): boolean {
  return !isMainThread && (workerData as { role?: string } | undefined)?.role === SAVE_WORKER_ROLE;
}

/** A save worker thread's life: one job (a Save's or a Validate's checks) at a time, each answered with its outcome and the thread's heap size. */
export function serveSaveJobs(): void {
  const port = parentPort!;
  port.on('message', (job: JobMessage) => {
    const { message, transfer } = outcomeMessage(() => runWorkerJob(job));
    const report: ThreadReport = { outcome: message, heapBytes: getHeapStatistics().total_heap_size };
    port.postMessage(report, transfer);
  });
}
