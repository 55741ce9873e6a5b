import { runChangeRequestSteps, runChangeResultSteps, type ChangesRequestJob, type ChangesRequestWork, type ChangesResultJob, type ChangesResultWork } from './change-steps';
import { runSnapshotSteps, type SaveJob, type SaveWork, type ValidateWork } from './save-steps';

/** Every job a save worker runs: a Save's or Validate's snapshot, or one of a SaveChanges' two steps. */
export type WorkerJob = SaveJob | ChangesRequestJob | ChangesResultJob;

/** What a job gives back. */
export type WorkerWork = SaveWork | ValidateWork | ChangesRequestWork | ChangesResultWork;

/** Runs a job by its method: the one dispatch both the worker threads and the inline pool use. */
export function runWorkerJob(job: WorkerJob): WorkerWork {
  switch (job.method) {
    case 'ChangesRequest':
      return runChangeRequestSteps(job);
    case 'ChangesResult':
      return runChangeResultSteps(job);
    default:
      return runSnapshotSteps(job);
  }
}
