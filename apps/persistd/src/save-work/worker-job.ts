import {
  runChangeRequestSteps,
  runChangeResultSteps,
  runIndexBaseSteps,
  runSaveSteps,
  type ChangesRequestJob,
  type ChangesRequestWork,
  type ChangesResultJob,
  type ChangesResultWork,
  type IndexBaseJob,
  type IndexBaseWork,
  type IndexedSaveJob,
  type IndexedSaveWork,
} from './change-steps';
import type { ValidateWork } from './save-steps';

/** Every job a save worker runs: a Save's or Validate's snapshot, one of a SaveChanges' two steps, or a restored epoch's index. */
export type WorkerJob = IndexedSaveJob | ChangesRequestJob | ChangesResultJob | IndexBaseJob;

/** What a job gives back. */
export type WorkerWork = IndexedSaveWork | ValidateWork | ChangesRequestWork | ChangesResultWork | IndexBaseWork;

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
      return runSaveSteps(job);
  }
}
