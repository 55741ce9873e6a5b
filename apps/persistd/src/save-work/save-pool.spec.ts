import { create, toBinary } from '@bufbuild/protobuf';
import { SaveRequestSchema, ValidateRequestSchema, type WorldSnapshot } from '@persistd/contract';
import { generateWorld, smallWorld } from '@persistd/testkit';
import pino from 'pino';
import { DeadlinePassed, Refusal } from '../rpc/refusal';
import { saveRequest } from '../test/test-daemon';
import { BackgroundJobCancelled, SavePool } from './save-pool';
import { WARM_UP_ROUNDS } from './warm-up';
import { runSnapshotSteps, SaveRefused, type SaveJob, type SaveWork, type ValidateWork } from './save-steps';
import { runIndexBaseSteps } from './change-steps';

type Job = Omit<SaveJob, 'method'>;
const runSaveSteps = (job: Job) => runSnapshotSteps({ ...job, method: 'Save' }) as SaveWork;
const runValidateSteps = (job: Job) => runSnapshotSteps({ ...job, method: 'Validate' }) as ValidateWork;

const LIMITS = { maxRecordsPerSection: 250_000, maxStringBytes: 4096, maxMapEntries: 1024 };
const silent = pino({ level: 'silent' });

const jobOf = (snapshot: WorldSnapshot, extra: Partial<Job> = {}): Job => ({
  bytes: toBinary(SaveRequestSchema, create(SaveRequestSchema, saveRequest('pool-w', snapshot, 0n, 'req-pool'))),
  limits: LIMITS,
  principal: 'tester',
  ...extra,
});

/** An IndexBase job of one small world's chunks, as epoch `epoch`; and that index built inline. */
const indexed = (() => {
  const world = generateWorld({ worldId: 'pool-w', players: 20, zones: 30, npcs: 200, items: 1500, quests: 100, seed: 6 });
  const prepared = runSaveSteps(jobOf(world)).prepared;
  const job = (epoch: bigint) => ({ worldId: 'pool-w', epoch, digest: `digest-${epoch}`, sections: prepared.sections.map((s) => s.chunks.map((c) => ({ id: c.id, bytes: c.bytes }))) });
  const inline = runIndexBaseSteps({ method: 'IndexBase', ...job(1n) }).index;
  return { world, prepared, job, indexOf: (epoch: bigint) => ({ ...inline, epoch, digest: `digest-${epoch}` }) };
})();

/** Runs `body` on a fresh pool of `size` threads, closed after whatever happens. */
async function withPool(size: number, body: (pool: SavePool) => Promise<void>): Promise<void> {
  const pool = new SavePool(size, silent);
  try {
    await body(pool);
  } finally {
    await pool.close();
  }
}

/** What a refused job threw, as comparable fields. */
async function refusalOf(p: Promise<unknown> | (() => unknown)): Promise<{ code: string; message: string; options: Refusal['options']; worldId?: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (!(e instanceof SaveRefused)) throw e;
    expect(e.refusal).toBeInstanceOf(Refusal);
    return { code: e.refusal.code, message: e.refusal.message, options: e.refusal.options, worldId: e.header?.worldId };
  }
  throw new Error('the job was not refused');
}

describe('save pool: worker threads give what the steps give inline', () => {
  const pool = new SavePool(2, silent);
  afterAll(() => pool.close());

  it('prepares byte-identical chunks, digests and counts', async () => {
    const job = jobOf(generateWorld({ worldId: 'pool-w', players: 20, zones: 30, npcs: 200, items: 1500, quests: 100, seed: 5 }));
    const inline = runSaveSteps(job);
    const threaded = await pool.save(job);
    expect(threaded.header).toEqual(inline.header);
    expect(threaded.prepared.contentDigest).toBe(inline.prepared.contentDigest);
    expect(threaded.prepared.chunks.map((c) => c.id)).toEqual(inline.prepared.chunks.map((c) => c.id));
    threaded.prepared.chunks.forEach((c, i) => expect(Buffer.compare(Buffer.from(c.bytes), Buffer.from(inline.prepared.chunks[i].bytes))).toBe(0));
    expect(threaded.prepared.unsealed).toEqual(inline.prepared.unsealed);
    expect(threaded.prepared.unsealed.principal).toBe('tester');
    expect(threaded.stats).toEqual(inline.stats);
  });

  it('refuses with the same code, message and details as inline, request fields included', async () => {
    const dangling = smallWorld('pool-w');
    dangling.quests!.quests[0].playerId = 'nobody';
    const limited = smallWorld('pool-w');
    limited.npcs!.npcs[0].flags = { a: '1', b: '2' };
    const cases: [string, Job][] = [
      ['MALFORMED_REQUEST', { ...jobOf(smallWorld('pool-w')), bytes: Buffer.from([0x0a, 0xff]) }],
      ['CLIENT_AUTHORED', jobOf(smallWorld('pool-w'), { checkedWorld: 'another-world' })],
      ['LIMIT_EXCEEDED', jobOf(limited, { limits: { ...LIMITS, maxMapEntries: 1 } })],
      ['DANGLING_REFERENCE', jobOf(dangling)],
    ];
    for (const [code, job] of cases) {
      const inline = await refusalOf(() => runSaveSteps(job));
      const threaded = await refusalOf(pool.save(job));
      expect(threaded.code).toBe(code);
      expect(threaded).toEqual(inline);
    }
    expect((await refusalOf(pool.save(jobOf(dangling)))).options.violations?.[0]).toMatchObject({ code: 'DANGLING_REFERENCE', recordId: dangling.quests!.quests[0].questId });
    expect((await refusalOf(pool.save(cases[0][1]))).worldId).toBeUndefined();
    expect((await refusalOf(pool.save(cases[1][1]))).worldId).toBe('pool-w');
  });

  it('answers a Validate with the violations the inline steps find, and refuses what Save refuses before the rules', async () => {
    const dangling = smallWorld('pool-w');
    dangling.quests!.quests[0].playerId = 'nobody';
    const { worldId, expectedEpoch, source, snapshot } = saveRequest('pool-w', dangling);
    const job = { ...jobOf(dangling), bytes: toBinary(ValidateRequestSchema, create(ValidateRequestSchema, { worldId, expectedEpoch, source, snapshot })) };
    const threaded = await pool.validate(job);
    expect(threaded).toEqual(runValidateSteps(job));
    expect(threaded.violations.map((v) => v.code)).toEqual(['DANGLING_REFERENCE']);
    expect(threaded.header.worldId).toBe('pool-w');
    const malformed = await refusalOf(pool.validate({ ...job, bytes: Buffer.from([0x0a, 0xff]) }));
    expect(malformed).toEqual(await refusalOf(() => runValidateSteps({ ...job, bytes: Buffer.from([0x0a, 0xff]) })));
    expect(malformed.message).toMatch(/ValidateRequest/);
  });

  it('runs more jobs than threads, each answered with its own work', async () => {
    const worlds = Array.from({ length: 6 }, (_, i) => smallWorld(`pool-w`, 0n, i + 1));
    const running = worlds.map((w) => pool.save(jobOf(w)));
    expect(pool.stats()).toEqual({ waiting: 4, running: 2, background: 0 });
    const results = await Promise.all(running);
    expect(pool.stats()).toEqual({ waiting: 0, running: 0, background: 0 });
    results.forEach((r, i) => expect(r.prepared.contentDigest).toBe(runSaveSteps(jobOf(worlds[i])).prepared.contentDigest));
    expect(new Set(results.map((r) => r.prepared.contentDigest)).size).toBe(6);
  });
});

describe('save pool: background indexing yields to calls', () => {
  const { world, prepared, job: indexJob, indexOf } = indexed;

  it("runs a call's job before background jobs queued earlier, and leaves a thread of two to calls", () =>
    withPool(2, async (pool) => {
      const background = [1n, 2n, 3n].map((e) => pool.indexBase(indexJob(e)).work);
      // One background job runs; the other thread stays free, so the save starts at once.
      expect(pool.stats()).toEqual({ waiting: 0, running: 0, background: 3 });
      const save = pool.save(jobOf(world));
      expect(pool.stats()).toEqual({ waiting: 0, running: 1, background: 3 });
      const saved = await save;
      expect(saved.prepared.contentDigest).toBe(prepared.contentDigest);
      const indexes = await Promise.all(background);
      indexes.forEach(({ index }, i) => expect(index).toEqual(indexOf(BigInt(i + 1))));
      expect(pool.stats()).toEqual({ waiting: 0, running: 0, background: 0 });
    }));

  it('moves a background job a call comes to wait for ahead of the other background jobs', () =>
    withPool(2, async (pool) => {
      const jobs = [1n, 2n, 3n].map((e) => pool.indexBase(indexJob(e)));
      jobs[2].hurry();
      // The hurried one is a call's job now, on the thread background work leaves free.
      expect(pool.stats()).toEqual({ waiting: 0, running: 1, background: 2 });
      jobs[2].hurry(); // taken already: nothing moves
      expect(pool.stats()).toEqual({ waiting: 0, running: 1, background: 2 });
      const indexes = await Promise.all(jobs.map((j) => j.work));
      indexes.forEach(({ index }, i) => expect(index).toEqual(indexOf(BigInt(i + 1))));
    }));

  it('runs background work on the one thread of a pool of one, a call taking the thread next', () =>
    withPool(1, async (pool) => {
      const index = pool.indexBase(indexJob(1n)).work;
      const later = pool.indexBase(indexJob(2n)).work;
      const save = pool.save(jobOf(world));
      expect(pool.stats()).toEqual({ waiting: 1, running: 0, background: 2 });
      const done: string[] = [];
      await Promise.all([index.then(() => done.push('index 1')), save.then(() => done.push('save')), later.then(() => done.push('index 2'))]);
      expect(done).toEqual(['index 1', 'save', 'index 2']);
    }));

  it('moves the buffer it is given to the thread instead of cloning it', () =>
    withPool(1, async (pool) => {
      const job = indexJob(5n);
      const all = new Uint8Array(job.sections.flat().reduce((n, c) => n + c.bytes.byteLength, 0));
      let at = 0;
      const sections = job.sections.map((chunks) => chunks.map(({ id, bytes }) => (all.set(bytes, at), (at += bytes.byteLength), { id, bytes: all.subarray(at - bytes.byteLength, at) })));
      const { work } = pool.indexBase({ ...job, sections }, all.buffer);
      expect(all.buffer.byteLength).toBe(0); // detached: the thread holds the only copy
      expect((await work).index).toEqual(indexOf(5n));
    }));

  it('cancels a background job no thread has taken, and only such a one', () =>
    withPool(1, async (pool) => {
      const jobs = [1n, 2n, 3n].map((e) => pool.indexBase(indexJob(e)));
      const third = jobs[2].work.then(() => 'ran', (e: unknown) => e);
      expect(jobs[2].cancel()).toBe(true);
      expect(jobs[2].cancel()).toBe(false);
      expect(jobs[0].cancel()).toBe(false); // running
      expect(pool.stats()).toEqual({ waiting: 0, running: 0, background: 2 });
      expect(await third).toBeInstanceOf(BackgroundJobCancelled);
      expect((await jobs[1].work).index).toEqual(indexOf(2n));
      expect((await jobs[0].work).index).toEqual(indexOf(1n));
    }));

  it('starts no background job while a hold is taken, calls and hurried jobs going on', () =>
    withPool(1, async (pool) => {
      const release = pool.holdBackground(0);
      const held = pool.indexBase(indexJob(1n));
      const hurried = pool.indexBase(indexJob(2n));
      for (const j of [held, hurried]) j.work.catch(() => undefined); // failed by close() if an assertion fails first
      // The one thread stays free: a save starts at once, the background jobs wait.
      const saved = pool.save(jobOf(world));
      expect(pool.stats()).toEqual({ waiting: 0, running: 1, background: 2 });
      await saved;
      hurried.hurry();
      expect((await hurried.work).index).toEqual(indexOf(2n));
      expect(pool.stats()).toEqual({ waiting: 0, running: 0, background: 1 });
      release();
      release(); // once only: the second call releases nothing
      expect((await held.work).index).toEqual(indexOf(1n));
      const second = pool.holdBackground(0);
      const third = pool.indexBase(indexJob(3n));
      third.work.catch(() => undefined);
      const again = pool.save(jobOf(world));
      expect(pool.stats()).toEqual({ waiting: 0, running: 1, background: 1 });
      await again;
      second();
      expect((await third.work).index).toEqual(indexOf(3n));
    }));

  it('keeps background jobs waiting a while after a hold is released, so a burst of restores ends first', () =>
    withPool(1, async (pool) => {
      pool.holdBackground(300)();
      const job = pool.indexBase(indexJob(1n));
      job.work.catch(() => undefined); // failed by close() if an assertion fails first
      const saved = pool.save(jobOf(world));
      expect(pool.stats()).toEqual({ waiting: 0, running: 1, background: 1 });
      await saved;
      expect((await job.work).index).toEqual(indexOf(1n));
    }));

  it('fails background jobs still queued when it closes', async () => {
    const pool = new SavePool(2, silent);
    const failed = [1n, 2n].map((e) => pool.indexBase(indexJob(e)).work.then(() => undefined, (e: Error) => e.message));
    await pool.close();
    expect(await Promise.all(failed)).toEqual(['save pool: closed', 'save pool: closed']);
  });
});

describe('save pool: failures', () => {
  it('runs inline with 0 threads', async () => {
    const pool = new SavePool(0, silent);
    const job = jobOf(smallWorld('pool-w'));
    expect((await pool.save(job)).prepared.contentDigest).toBe(runSaveSteps(job).prepared.contentDigest);
    expect((await refusalOf(pool.save(jobOf(smallWorld('pool-w'), { checkedWorld: 'x' })))).code).toBe('CLIENT_AUTHORED');
    await pool.close();
  });

  it('fails the job of a thread that dies (out of memory) and replaces the thread', async () => {
    const pool = new SavePool(1, silent, { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 });
    try {
      const big = jobOf(generateWorld({ worldId: 'pool-w', players: 500, zones: 500, npcs: 5_000, items: 40_000, quests: 4_000, seed: 12 }));
      await expect(pool.save(big)).rejects.toThrow(/save worker died/);
      const small = jobOf(smallWorld('pool-w'));
      expect((await pool.save(small)).prepared.contentDigest).toBe(runSaveSteps(small).prepared.contentDigest);
    } finally {
      await pool.close();
    }
  });

  it('drops a job whose deadline passed before a thread took it, and runs the next', async () => {
    const pool = new SavePool(1, silent);
    try {
      await expect(pool.save(jobOf(smallWorld('pool-w')), Date.now() - 1)).rejects.toBeInstanceOf(DeadlinePassed);
      const job = jobOf(smallWorld('pool-w', 0n, 3));
      expect((await pool.save(job, Date.now() + 60_000)).prepared.contentDigest).toBe(runSaveSteps(job).prepared.contentDigest);
    } finally {
      await pool.close();
    }
  });

  it('fails jobs waiting or running when it closes, and refuses new ones', async () => {
    const pool = new SavePool(1, silent);
    const jobs = [pool.save(jobOf(smallWorld('pool-w'))), pool.save(jobOf(smallWorld('pool-w', 0n, 2)))].map((j) => expect(j).rejects.toThrow(/save pool: closed/));
    await pool.close();
    await Promise.all(jobs);
    await expect(pool.save(jobOf(smallWorld('pool-w')))).rejects.toThrow(/save pool: closed/);
  });
});

describe('save pool: grown idle threads replaced', () => {
  const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
  async function until(done: () => boolean, ms = 20_000): Promise<void> {
    for (const end = Date.now() + ms; !done(); await sleep(20)) if (Date.now() > end) throw new Error('timed out');
  }
  const digestOf = (job: Job) => runSaveSteps(job).prepared.contentDigest;
  // Any heap is past a 1-byte bound: every thread that ran a job is replaced once it idles.
  const always = (idleMs: number) => new SavePool(1, silent, undefined, { heapBytes: 1, idleMs });

  it('replaces a thread idle past the delay after a large job, and the fresh one answers as the steps do inline', async () => {
    const pool = always(100);
    try {
      const large = jobOf(generateWorld({ worldId: 'pool-w', players: 100, zones: 100, npcs: 1_000, items: 8_000, quests: 800, seed: 7 }));
      expect((await pool.save(large)).prepared.contentDigest).toBe(digestOf(large));
      await until(() => pool.recycles === 1);
      // The replacement takes jobs only once warm: a job sent now waits for its rounds.
      const after = jobOf(smallWorld('pool-w', 0n, 4));
      const answered = pool.save(after);
      expect(pool.stats()).toEqual({ waiting: 1, running: 0, background: 0 });
      expect((await answered).prepared.contentDigest).toBe(digestOf(after));
      expect(pool.warmUpSaves).toBe(WARM_UP_ROUNDS);
      expect((await pool.save(after)).prepared.contentDigest).toBe(digestOf(after));
      expect((await pool.save(large)).prepared.contentDigest).toBe(digestOf(large));
    } finally {
      await pool.close();
    }
  });

  it('keeps a thread that a job reaches before the delay, and one that stayed under the bound', async () => {
    // Jobs 100 ms apart for longer than the delay: a thread is kept while they keep coming. The
    // delay leaves a loaded machine (CI runs two suites at once) a wide margin for each save.
    const busy = always(1_000);
    const small = new SavePool(1, silent, undefined, { heapBytes: 2 ** 40, idleMs: 50 });
    try {
      const job = jobOf(smallWorld('pool-w'));
      await Promise.all([busy.save(job), small.save(job)]);
      for (const end = Date.now() + 1_500; Date.now() < end; await sleep(100)) await busy.save(job);
      await small.save(job);
      await sleep(300);
      expect(busy.recycles).toBe(0);
      expect(small.recycles).toBe(0);
      await until(() => busy.recycles === 1);
      expect(small.recycles).toBe(0);
    } finally {
      await Promise.all([busy.close(), small.close()]);
    }
  });

  it('still replaces a grown thread that a job past its deadline reached but never ran on', async () => {
    const pool = always(300);
    try {
      await pool.save(jobOf(smallWorld('pool-w')));
      await expect(pool.save(jobOf(smallWorld('pool-w')), Date.now() - 1)).rejects.toBeInstanceOf(DeadlinePassed);
      await until(() => pool.recycles === 1);
    } finally {
      await pool.close();
    }
  });

  it('replaces one thread at a time: while one warms up, a save runs at once on another', async () => {
    const pool = new SavePool(2, silent, undefined, { heapBytes: 1, idleMs: 50 });
    try {
      // Warm first, so both threads end their jobs together and their delays run out together.
      await pool.warm();
      const job = jobOf(smallWorld('pool-w'));
      await Promise.all([pool.save(job), pool.save(job)]);
      await until(() => pool.recycles === 1);
      // The one thread ready while the other warms up is left to calls: background work waits,
      // and a save sent after it runs at once.
      const indexing = pool.indexBase(indexed.job(1n)).work;
      indexing.catch(() => undefined); // failed by close() if an assertion below fails first
      const answered = pool.save(job);
      expect(pool.stats()).toEqual({ waiting: 0, running: 1, background: 1 });
      await sleep(200);
      expect(pool.recycles).toBe(1);
      expect((await answered).prepared.contentDigest).toBe(digestOf(job));
      expect((await indexing).index).toEqual(indexed.indexOf(1n));
      await until(() => pool.recycles === 2);
    } finally {
      await pool.close();
    }
  });

  it('loses no job while threads are being replaced: each is answered with its own work', async () => {
    const pool = new SavePool(2, silent, undefined, { heapBytes: 1, idleMs: 5 });
    try {
      const worlds = Array.from({ length: 5 }, (_, i) => jobOf(smallWorld('pool-w', 0n, i + 1)));
      const digests = worlds.map(digestOf);
      for (let round = 0; round < 6; round++) {
        // Pauses around the delay, so jobs arrive while a thread is ended, started or warming.
        const works = await Promise.all(worlds.map((w) => pool.save(w)));
        expect(works.map((w) => w.prepared.contentDigest)).toEqual(digests);
        await sleep(round % 3 === 0 ? 0 : round * 6);
      }
      expect(pool.recycles).toBeGreaterThan(0);
      expect(pool.stats()).toEqual({ waiting: 0, running: 0, background: 0 });
    } finally {
      await pool.close();
    }
  });

  it('closes while a replacement warms up, failing what comes after', async () => {
    const pool = always(5);
    await pool.save(jobOf(smallWorld('pool-w')));
    await until(() => pool.recycles === 1);
    await pool.close();
    await expect(pool.save(jobOf(smallWorld('pool-w')))).rejects.toThrow(/save pool: closed/);
  });
});
