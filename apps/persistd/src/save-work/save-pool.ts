import { join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import { DeadlinePassed } from '../rpc/refusal';
import type { ChangesRequestJob, ChangesRequestWork, ChangesResultJob, ChangesResultWork, IndexBaseJob, IndexBaseWork } from './change-steps';
import type { SaveJob, SaveWork, ValidateWork } from './save-steps';
import { runWorkerJob, type WorkerJob, type WorkerWork } from './worker-job';
import { WARM_UP_LIMITS, WARM_UP_ROUNDS, warmUpRequest } from './warm-up';
import { SAVE_WORKER_ROLE, settleOutcome, type OutcomeMessage } from './worker-protocol';

type Work = WorkerWork;

/**
 * Each thread's young generation, in MiB (V8's default is 48). A save allocates tens of MB of
 * read views that all die together at its end; with room for them, scavenges find them dead
 * instead of copying them to the old generation and marking them there. Measured on the bench's
 * M world in a worker thread: steps p50 98 -> 75 ms; bench M save c=8 1.37-1.45x -> 1.58-1.77x
 * the decode floor. It costs up to about 256 MiB of RSS per busy thread.
 */
export const SAVE_WORKER_YOUNG_GENERATION_MB = 384;

interface Pending {
  job: WorkerJob;
  /** The call's deadline (Date.now() instant): a job still waiting when it passes is never run. */
  deadlineMs?: number;
  resolve(work: Work): void;
  reject(err: unknown): void;
}

/**
 * The script a save worker thread runs: the daemon's own entry (main.ts dispatches on the thread's
 * role). Built, that is the bundle this code is in; from sources (tests, tsx), main.ts through
 * tsx's require hook.
 */
function workerEntry(): { file: string; execArgv: string[] | undefined } {
  if (__filename.endsWith('.ts')) return { file: join(__dirname, '..', 'main.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] };
  return { file: __filename, execArgv: undefined };
}

/**
 * PERSISTD_SAVE_WORKERS threads that run the CPU work of every request carrying a snapshot (read,
 * limits, rules, and a Save's stored form: the library's runSnapshotSteps) off the event loop, so one world's large
 * save does not stall every other call, and a second core does work (DESIGN §7). The event loop
 * keeps the I/O: gRPC, the commit.
 * Jobs wait in arrival order for a free thread; one whose call's deadline passed meanwhile is
 * dropped unrun. A thread that dies fails its one job (INTERNAL) and is replaced. With 0 threads
 * the steps run inline, on the event loop.
 */
export class SavePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly waiting: Pending[] = [];
  private threads = 0;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly logger: Logger,
    /** Heap bounds of each thread (tests use them to make one run out of memory). */
    private readonly resourceLimits: ResourceLimits = { maxYoungGenerationSizeMb: SAVE_WORKER_YOUNG_GENERATION_MB },
  ) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  /** runSnapshotSteps(job) on a free thread: a Save's work, its SaveRefused, or DeadlinePassed. */
  save(job: Omit<SaveJob, 'method'>, deadlineMs?: number): Promise<SaveWork> {
    return this.run({ ...job, method: 'Save' }, deadlineMs) as Promise<SaveWork>;
  }

  /** runSnapshotSteps(job) on a free thread: a Validate's violations, its SaveRefused, or DeadlinePassed. */
  validate(job: Omit<SaveJob, 'method'>, deadlineMs?: number): Promise<ValidateWork> {
    return this.run({ ...job, method: 'Validate' }, deadlineMs) as Promise<ValidateWork>;
  }

  /** A SaveChanges' request checks (change-steps.ts) on a free thread. */
  changesRequest(job: Omit<ChangesRequestJob, 'method'>, deadlineMs?: number): Promise<ChangesRequestWork> {
    return this.run({ ...job, method: 'ChangesRequest' }, deadlineMs) as Promise<ChangesRequestWork>;
  }

  /** A SaveChanges' result, formed on its base, checked and prepared (change-steps.ts) on a free thread. */
  changesResult(job: Omit<ChangesResultJob, 'method'>, deadlineMs?: number): Promise<ChangesResultWork> {
    return this.run({ ...job, method: 'ChangesResult' }, deadlineMs) as Promise<ChangesResultWork>;
  }

  /** A restored epoch's index (change-steps.ts) on a free thread. */
  indexBase(job: Omit<IndexBaseJob, 'method'>): Promise<IndexBaseWork> {
    return this.run({ ...job, method: 'IndexBase' }, undefined) as Promise<IndexBaseWork>;
  }

  private run(job: WorkerJob, deadlineMs: number | undefined): Promise<Work> {
    if (this.size === 0) return new Promise((resolve) => resolve(runWorkerJob(job)));
    if (this.closed) return Promise.reject(new Error('save pool: closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ job, deadlineMs, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Starts every thread and has each run a small save's steps WARM_UP_ROUNDS times, so the first
   * real save after a (re)start meets loaded, compiled code instead of paying for it (the daemon
   * listens only after this). With 0 threads the steps run inline, warming the event loop's copy.
   * Resolves with the time it took; rejects if a warm-up save does not come out as a Save's work.
   */
  async warm(): Promise<number> {
    const started = performance.now();
    const requests = [warmUpRequest(false), warmUpRequest(true)];
    for (let round = 0; round < WARM_UP_ROUNDS; round++) {
      // One job per thread at once (dispatch gives each idle thread one), in id order and not, by turns.
      const bytes = requests[round % 2]!;
      const works = await Promise.all(Array.from({ length: Math.max(1, this.size) }, () => this.save({ bytes: bytes.slice(), limits: WARM_UP_LIMITS, principal: 'warm-up' })));
      if (works.some((w) => w.method !== 'Save' || w.prepared.chunks.length === 0)) throw new Error('save pool: the warm-up save did not prepare an epoch');
    }
    return performance.now() - started;
  }

  /** Jobs waiting for a thread, and running on one (metrics). */
  stats(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.busy.size };
  }

  /** Stops every thread; jobs still waiting or running fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.waiting.splice(0)) p.reject(new Error('save pool: closed'));
    const all = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const worker = this.idle.pop() ?? (this.threads < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const pending = this.waiting.shift()!;
      if (pending.deadlineMs !== undefined && Date.now() >= pending.deadlineMs) {
        // Under overload saves queue here; one whose caller has given up is not worth a thread.
        this.idle.push(worker);
        pending.reject(new DeadlinePassed('deadline passed while the save waited for a save worker; nothing was done'));
        continue;
      }
      this.busy.set(worker, pending);
      // A typed array is cloned with its whole ArrayBuffer, and grpc-js's request may be a view of
      // a larger one: copy exactly the request's bytes, and move that copy instead of cloning it.
      if (!('bytes' in pending.job)) {
        worker.postMessage(pending.job);
        continue;
      }
      const bytes = new Uint8Array(pending.job.bytes);
      worker.postMessage({ ...pending.job, bytes }, [bytes.buffer]);
    }
  }

  private spawn(): Worker {
    const { file, execArgv } = workerEntry();
    const worker = new Worker(file, { execArgv, workerData: { role: SAVE_WORKER_ROLE }, resourceLimits: this.resourceLimits });
    this.threads++;
    worker.on('message', (message: OutcomeMessage) => {
      const pending = this.busy.get(worker);
      if (!pending) return;
      this.busy.delete(worker);
      this.idle.push(worker);
      try {
        pending.resolve(settleOutcome(message));
      } catch (e) {
        pending.reject(e);
      }
      this.dispatch();
    });
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) => this.lost(worker, new Error(`save worker exited with code ${code}`)));
    return worker;
  }

  /** A thread died: its job fails, and another takes its place when there is work. */
  private lost(worker: Worker, err: Error): void {
    const known = this.busy.has(worker) || this.idle.includes(worker);
    if (!known) return;
    const pending = this.busy.get(worker);
    this.busy.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    this.threads--;
    if (this.closed) {
      pending?.reject(new Error('save pool: closed'));
      return;
    }
    this.logger.error({ err }, 'save worker thread died; replacing it');
    pending?.reject(new Error(`save worker died: ${err.message}`));
    this.dispatch();
  }
}
