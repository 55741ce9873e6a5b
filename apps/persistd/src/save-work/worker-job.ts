import {
  runChangeRequestSteps,
  runChangeResultSteps,
  runIndexBaseSteps,
  type ChangesRequestJob,
  type ChangesRequestWork,
  type ChangesResultJob,
  type ChangesResultWork,
  type IndexBaseJob,
  type IndexBaseWork,
} from './change-steps';
import { runSnapshotSteps, type SaveJob, type SaveWork, type ValidateWork } from './save-steps';

/** Every job a save worker runs: a Save's or Validate's snapshot, one of a SaveChanges' two steps, or a restored epoch's index. */
export type WorkerJob = SaveJob | ChangesRequestJob | ChangesResultJob | IndexBaseJob;

/** What a job gives back. */
export type WorkerWork = SaveWork | ValidateWork | ChangesRequestWork | ChangesResultWork | IndexBaseWork;

/** Runs a job by its method: the one dispatch both the worker threads and the inline pool use. */
export function runWorkerJob(job: WorkerJob): WorkerWork {
  switch (job.method) {
    case 'ChangesRequest':
      return runChangeRequestSteps(job);
    case 'ChangesResult':
      return runChangeResultSteps(job);
    case 'IndexBase':
      return runIndexBaseSteps(job);
    default:
      return runSnapshotSteps(job);
  }
}
