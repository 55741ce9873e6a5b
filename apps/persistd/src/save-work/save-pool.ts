import { join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import { DeadlinePassed } from '../rpc/refusal';
import type { ChangesRequestJob, ChangesRequestWork, ChangesResultJob, ChangesResultWork, IndexBaseJob, IndexBaseWork } from './change-steps';
import type { SaveJob, SaveWork, ValidateWork } from './save-steps';
import { runWorkerJob, type WorkerJob, type WorkerWork } from './worker-job';
import { WARM_UP_LIMITS, WARM_UP_ROUNDS, warmUpRequest } from './warm-up';
import { SAVE_WORKER_ROLE, settleOutcome, type ThreadReport } from './worker-protocol';

type Work = WorkerWork;

/**
 * Each thread's young generation, in MiB (V8's default is 48). A save allocates tens of MB of
 * read views that all die together at its end; with room for them, scavenges find them dead
 * instead of copying them to the old generation and marking them there. Measured on the bench's
 * M world in a worker thread: steps p50 98 -> 75 ms; bench M save c=8 1.37-1.45x -> 1.58-1.77x
 * the decode floor. It costs up to about 256 MiB of RSS per busy thread.
 */
export const SAVE_WORKER_YOUNG_GENERATION_MB = 384;

/**
 * When an idle thread is replaced by a fresh one. A thread's young generation grows to its bound
 * (SAVE_WORKER_YOUNG_GENERATION_MB) during large saves and V8 never gives it back, nor does the
 * system get a thread's freed memory while the thread lives: two idle threads held some 600 MiB
 * after M saves and restores. A thread that reported more than `heapBytes` after its last job
 * and then stayed idle `idleMs` is ended and a warmed one takes its place (0 bytes: never).
 */
export interface RecycleBound {
  heapBytes: number;
  idleMs: number;
}

/**
 * How long a grown thread stays idle before it is replaced: past the gaps between the saves of a
 * daemon whose worlds autosave as often as every 90 s, so such a daemon keeps its grown thread
 * (dispatch takes the thread that ran last) and only a daemon at rest gives the memory back. A
 * replaced thread's first large save pays for the memory it touches anew (measured on a shared
 * 2-core machine: an M Save after an idle spell 380-570 ms on a replaced thread, 330-345 ms on a
 * grown one; an L 1% change set 254-256 ms against 185-222 with 12 s between change sets). At
 * 10 s, a daemon autosaving every 30-60 s paid that on every save.
 */
export const RECYCLE_IDLE_MS = 90_000;

/**
 * How long a hold on background work (holdBackground) outlasts its release: the gap between one
 * restore and the next of a burst is shorter, so the burst's indexing starts after its last restore.
 */
export const BACKGROUND_HOLD_LINGER_MS = 250;

/** When a grown idle thread waits for another's replacement to warm up, how often it looks again. */
const REPLACE_RETRY_MS = 1_000;

interface Pending {
  job: WorkerJob;
  /** The call's deadline (Date.now() instant): a job still waiting when it passes is never run. */
  deadlineMs?: number;
  /** Work no call waits for (BackgroundJob): it runs after every call's job. */
  background?: boolean;
  /** A buffer the job's views are of, moved to the thread instead of cloned (the caller gave it up). */
  moved?: ArrayBuffer;
  resolve(work: Work): void;
  reject(err: unknown): void;
}

/** Work no call waits for, how a call that comes to wait for it moves it ahead, and how it is given up. */
export interface BackgroundJob<W> {
  work: Promise<W>;
  /** Queues it as a call's job if no thread has taken it yet. */
  hurry(): void;
  /** Drops it, `work` failing with BackgroundJobCancelled, if no thread has taken it yet; whether it did. */
  cancel(): boolean;
}

/** What a background job's work fails with when it was cancelled before it ran. */
export class BackgroundJobCancelled extends Error {}

/**
 * Where the test run names its bundle of save-worker-main.ts (libs/testkit/src/save-worker-bundle.ts
 * sets it): from sources, a thread that loads main.ts through tsx's hook takes some 0.7 s, one
 * that loads that bundle 0.2 s, and the tests start hundreds of threads.
 */
const TEST_SAVE_WORKER_SCRIPT_ENV = 'PERSISTD_TEST_SAVE_WORKER_SCRIPT';

/**
 * The script a save worker thread runs: the daemon's own entry (main.ts dispatches on the thread's
 * role). Built, that is the bundle this code is in. From sources (tests, tsx), the test run's
 * bundle of the worker alone when it made one, otherwise main.ts through tsx's require hook.
 */
function workerEntry(): { file: string; execArgv: string[] | undefined } {
  if (!__filename.endsWith('.ts')) return { file: __filename, execArgv: undefined };
  const bundled = process.env[TEST_SAVE_WORKER_SCRIPT_ENV];
  if (bundled) return { file: bundled, execArgv: undefined };
  return { file: join(__dirname, '..', 'main.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] };
}

/**
 * PERSISTD_SAVE_WORKERS threads that run the CPU work of every request carrying a snapshot (read,
 * limits, rules, and a Save's stored form: the library's runSnapshotSteps) off the event loop, so one world's large
 * save does not stall every other call, and a second core does work (DESIGN §7). The event loop
 * keeps the I/O: gRPC, the commit.
 * Jobs wait in arrival order for a free thread; one whose call's deadline passed meanwhile is
 * dropped unrun. Background jobs (indexing an epoch no call waits for) come after every call's
 * job, on one thread less than the pool has (the one thread of a pool of one), and not while a
 * restore holds them back: a burst of restores is neither slowed by its indexing nor makes the
 * saves that follow wait behind it. A thread that dies fails its one job (INTERNAL) and is
 * replaced. A thread that grew past its RecycleBound and then idled is replaced too, by a warmed
 * one, so a daemon at rest gives back what its saves took. With 0 threads the steps run inline,
 * on the event loop.
 */
export class SavePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly waiting: Pending[] = [];
  /** Background jobs not started yet, in arrival order; a call that comes to need one hurries it into `waiting`. */
  private readonly background: Pending[] = [];
  /** Threads started in place of a grown one, running their warm-up before they take jobs. */
  private readonly warming = new Set<Worker>();
  /** Grown idle threads' replacement timers. */
  private readonly recycleTimers = new Map<Worker, NodeJS.Timeout>();
  private threads = 0;
  /** Holds on background work (holdBackground): while any is taken, no background job starts. */
  private holds = 0;
  private closed = false;
  private recycled = 0;
  private warmUps = 0;

  constructor(
    readonly size: number,
    private readonly logger: Logger,
    /** Heap bounds of each thread (tests use them to make one run out of memory). */
    private readonly resourceLimits: ResourceLimits = { maxYoungGenerationSizeMb: SAVE_WORKER_YOUNG_GENERATION_MB },
    private readonly recycle: RecycleBound = { heapBytes: 0, idleMs: RECYCLE_IDLE_MS },
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

  /**
   * An epoch's index (change-steps.ts) as a call's job: a SaveChanges whose base index is not
   * held rebuilds it (rebuild-index.ts). `moved` as for indexBase.
   */
  indexBaseNow(job: Omit<IndexBaseJob, 'method'>, moved: ArrayBuffer, deadlineMs?: number): Promise<IndexBaseWork> {
    return this.enqueue({ ...job, method: 'IndexBase' }, { deadlineMs, moved }).work as Promise<IndexBaseWork>;
  }

  /**
   * An epoch's index (change-steps.ts) as background work: on a thread no call's job waits for.
   * `hurry` makes it a call's job once a call comes to wait for it (a SaveChanges on that epoch).
   * `moved`: the one buffer the sections' bytes are views of, moved to the thread rather than
   * cloned — the caller no longer reads it.
   */
  indexBase(job: Omit<IndexBaseJob, 'method'>, moved?: ArrayBuffer): BackgroundJob<IndexBaseWork> {
    const { work, pending } = this.enqueue({ ...job, method: 'IndexBase' }, { background: true, moved });
    /** Takes the job out of the background queue, if it is still there. */
    const unqueued = () => {
      const at = pending ? this.background.indexOf(pending) : -1;
      if (at < 0) return undefined; // running already, or done
      this.background.splice(at, 1);
      return pending;
    };
    return {
      work: work as Promise<IndexBaseWork>,
      hurry: () => {
        const p = unqueued();
        if (!p) return;
        p.background = false;
        this.waiting.push(p);
        this.dispatch();
      },
      cancel: () => {
        const p = unqueued();
        p?.reject(new BackgroundJobCancelled('background job cancelled before it ran'));
        return p !== undefined;
      },
    };
  }

  /**
   * Keeps background jobs from starting until `lingerMs` after the returned release is called
   * (once; more calls do nothing): a restore takes one for its duration, so the indexing of epochs
   * restored in a burst (a cluster restarting, each game server restoring its worlds one after
   * another) waits for the burst to end instead of taking a core from it. A call's job is not
   * held, nor a background job a call hurried.
   */
  holdBackground(lingerMs = BACKGROUND_HOLD_LINGER_MS): () => void {
    this.holds++;
    let released = false;
    const end = () => {
      this.holds--;
      this.dispatch();
    };
    return () => {
      if (released) return;
      released = true;
      if (lingerMs <= 0) return end();
      setTimeout(end, lingerMs).unref();
    };
  }

  /** A call's job, run when a thread is free for it. */
  private run(job: WorkerJob, deadlineMs: number | undefined): Promise<Work> {
    return this.enqueue(job, { deadlineMs }).work;
  }

  /** Queues a job (a call's, or background work) and runs it when a thread is free for it; its queue entry, unless it ran inline. */
  private enqueue(job: WorkerJob, extra: Pick<Pending, 'deadlineMs' | 'background' | 'moved'>): { work: Promise<Work>; pending?: Pending } {
    if (this.size === 0) return { work: new Promise((resolve) => resolve(runWorkerJob(job))) };
    if (this.closed) return { work: Promise.reject(new Error('save pool: closed')) };
    let pending: Pending | undefined;
    const work = new Promise<Work>((resolve, reject) => {
      pending = { job, ...extra, resolve, reject };
      (pending.background ? this.background : this.waiting).push(pending);
      this.dispatch();
    });
    return { work, pending };
  }

  /**
   * Starts every thread and has each run a small save's steps WARM_UP_ROUNDS times, so the first
   * real save after a (re)start meets loaded, compiled code instead of paying for it (the daemon
   * listens only after this). With 0 threads the steps run inline, warming the event loop's copy.
   * Resolves with the time it took; rejects if a warm-up save does not come out as a Save's work.
   */
  async warm(): Promise<number> {
    const started = performance.now();
    if (this.size === 0) {
      for (let round = 0; round < WARM_UP_ROUNDS; round++) {
        checkWarmUp(await this.save(warmUpJob(round)));
        this.warmUps++;
      }
    } else {
      // Every thread at once, each through its own rounds.
      const threads = this.idle.splice(0);
      await Promise.all(threads.map((w) => this.warmThread(w)));
    }
    return performance.now() - started;
  }

  /**
   * Calls' jobs waiting for a thread and running on one, and background jobs waiting or running
   * (metrics); a replacement thread's warm-up is none of them.
   */
  stats(): { waiting: number; running: number; background: number } {
    let warmingUp = 0;
    for (const w of this.warming) if (this.busy.has(w)) warmingUp++;
    const runningBackground = this.runningBackground();
    return { waiting: this.waiting.length, running: this.busy.size - warmingUp - runningBackground, background: this.background.length + runningBackground };
  }

  private runningBackground(): number {
    let n = 0;
    for (const p of this.busy.values()) if (p.background) n++;
    return n;
  }

  /** Threads replaced because they grew (RecycleBound). */
  get recycles(): number {
    return this.recycled;
  }

  /** Warm-up saves threads have run (WARM_UP_ROUNDS per thread warmed). */
  get warmUpSaves(): number {
    return this.warmUps;
  }

  /** Stops every thread; jobs still waiting or running fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.waiting.splice(0), ...this.background.splice(0)]) p.reject(new Error('save pool: closed'));
    for (const timer of this.recycleTimers.values()) clearTimeout(timer);
    this.recycleTimers.clear();
    const all = [...this.idle, ...this.busy.keys(), ...[...this.warming].filter((w) => !this.busy.has(w))];
    this.idle.length = 0;
    this.warming.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }

  /**
   * Gives free threads the calls' jobs first, then background jobs, these on one thread less
   * than the pool has (none while a replacement thread warms up: the one left is for calls), or
   * on the one thread of a pool of one, and none while a hold is taken.
   */
  private dispatch(): void {
    for (;;) {
      const backgroundThreads = this.size > 1 ? this.size - 1 - this.warming.size : 1;
      const queue = this.waiting.length > 0 ? this.waiting : this.background.length > 0 && this.holds === 0 && this.runningBackground() < backgroundThreads ? this.background : undefined;
      if (!queue) return;
      const worker = this.idle.pop() ?? (this.threads < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const pending = queue.shift()!;
      if (pending.deadlineMs !== undefined && Date.now() >= pending.deadlineMs) {
        // Under overload saves queue here; one whose caller has given up is not worth a thread.
        this.idle.push(worker);
        pending.reject(new DeadlinePassed('deadline passed while the save waited for a save worker; nothing was done'));
        continue;
      }
      this.post(worker, pending);
    }
  }

  /** Hands `pending`'s job to `worker`, which is free. */
  private post(worker: Worker, pending: Pending): void {
    // Busy again: no longer idle, so not to be replaced.
    clearTimeout(this.recycleTimers.get(worker));
    this.recycleTimers.delete(worker);
    this.busy.set(worker, pending);
    // A typed array is cloned with its whole ArrayBuffer, and grpc-js's request may be a view of
    // a larger one: copy exactly the request's bytes, and move that copy instead of cloning it.
    if (!('bytes' in pending.job)) {
      worker.postMessage(pending.job, pending.moved ? [pending.moved] : []);
      return;
    }
    const bytes = new Uint8Array(pending.job.bytes);
    worker.postMessage({ ...pending.job, bytes }, [bytes.buffer]);
  }

  /** Runs `job` on `worker` itself (a thread outside the idle list: one warming up). */
  private runOn(worker: Worker, job: WorkerJob): Promise<Work> {
    return new Promise((resolve, reject) => this.post(worker, { job, resolve, reject }));
  }

  /**
   * A thread's warm-up: WARM_UP_ROUNDS small saves, so its first real save meets compiled code;
   * then it takes jobs. A thread that dies meanwhile is replaced as any other (lost).
   */
  private async warmThread(worker: Worker): Promise<void> {
    this.warming.add(worker);
    try {
      for (let round = 0; round < WARM_UP_ROUNDS; round++) {
        checkWarmUp(await this.runOn(worker, { ...warmUpJob(round), method: 'Save' }));
        this.warmUps++;
      }
    } catch (e) {
      // Still listed: the thread lives but answered wrongly; it takes no job (a dead one was handled by lost).
      if (this.warming.delete(worker)) {
        this.threads--;
        void worker.terminate();
        if (!this.closed) this.dispatch();
      }
      throw e;
    }
    this.warming.delete(worker);
    if (this.closed) return;
    this.free(worker);
  }

  /** A thread done with a job: idle, with its replacement timer set when it grew past the bound; then the queue moves. */
  private free(worker: Worker, heapBytes = 0): void {
    this.idle.push(worker);
    if (this.recycle.heapBytes > 0 && heapBytes > this.recycle.heapBytes) {
      const timer = setTimeout(() => this.replace(worker, heapBytes), this.recycle.idleMs);
      timer.unref();
      this.recycleTimers.set(worker, timer);
    }
    this.dispatch();
  }

  /**
   * Ends a grown idle thread and starts a fresh one, warmed before it takes jobs. One at a time:
   * while a replacement warms, the others stay, so a save arriving then finds a ready thread
   * (unless the pool has one thread only).
   */
  private replace(worker: Worker, heapBytes: number): void {
    this.recycleTimers.delete(worker);
    const at = this.idle.indexOf(worker);
    if (this.closed || at < 0) return;
    if (this.warming.size > 0) {
      // Soon again: a warm-up takes about a second.
      const timer = setTimeout(() => this.replace(worker, heapBytes), Math.min(this.recycle.idleMs, REPLACE_RETRY_MS));
      timer.unref();
      this.recycleTimers.set(worker, timer);
      return;
    }
    this.idle.splice(at, 1);
    this.threads--;
    this.recycled++;
    this.logger.debug({ heapMiB: Math.round(heapBytes / 2 ** 20) }, 'replacing a grown idle save worker thread');
    void worker.terminate();
    this.warmThread(this.spawn()).catch((err: unknown) => this.logger.warn({ err }, 'a replacement save worker thread failed its warm-up'));
  }

  private spawn(): Worker {
    const { file, execArgv } = workerEntry();
    const worker = new Worker(file, { execArgv, workerData: { role: SAVE_WORKER_ROLE }, resourceLimits: this.resourceLimits });
    this.threads++;
    worker.on('message', ({ outcome, heapBytes }: ThreadReport) => {
      const pending = this.busy.get(worker);
      if (!pending) return;
      this.busy.delete(worker);
      try {
        pending.resolve(settleOutcome(outcome));
      } catch (e) {
        pending.reject(e);
      }
      // A warming thread's rounds go on by themselves (warmThread).
      if (!this.warming.has(worker)) this.free(worker, heapBytes);
    });
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) => this.lost(worker, new Error(`save worker exited with code ${code}`)));
    return worker;
  }

  /** A thread died: its job fails, and another takes its place when there is work. */
  private lost(worker: Worker, err: Error): void {
    const known = this.busy.has(worker) || this.idle.includes(worker) || this.warming.has(worker);
    if (!known) return;
    const pending = this.busy.get(worker);
    this.busy.delete(worker);
    this.warming.delete(worker);
    clearTimeout(this.recycleTimers.get(worker));
    this.recycleTimers.delete(worker);
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

/** The warm-up save of round `round`: records in id order and not, by turns. */
function warmUpJob(round: number): Omit<SaveJob, 'method'> {
  return { bytes: warmUpRequest(round % 2 === 1), limits: WARM_UP_LIMITS, principal: 'warm-up' };
}

function checkWarmUp(work: Work): void {
  if (work.method !== 'Save' || work.prepared.chunks.length === 0) throw new Error('save pool: the warm-up save did not prepare an epoch');
}

