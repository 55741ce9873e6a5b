import { WorldQueue } from './world-queue';

/** DESIGN §7: saves of one world run one at a time inside a daemon; different worlds side by side. */
describe('WorldQueue', () => {
  /** A task that records when it runs and ends when `release` is called. */
  function gate(log: string[], name: string) {
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    return { release, task: async () => { log.push(`start ${name}`); await done; log.push(`end ${name}`); return name; } };
  }
  const settle = () => new Promise((r) => setImmediate(r));

  it('runs the tasks of one world one at a time, in arrival order, past a failure', async () => {
    const q = new WorldQueue();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const pa = q.run('w', a.task);
    const pFail = q.run('w', async () => {
      log.push('start fail');
      throw new Error('refused');
    });
    const pb = q.run('w', b.task);
    await settle();
    expect(log).toEqual(['start a']);
    a.release();
    await expect(pFail).rejects.toThrow('refused');
    await settle();
    expect(log).toEqual(['start a', 'end a', 'start fail', 'start b']);
    b.release();
    expect(await Promise.all([pa, pb])).toEqual(['a', 'b']);
    await settle();
    expect(q.size).toBe(0);
  });

  it('runs tasks of different worlds side by side', async () => {
    const q = new WorldQueue();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const both = Promise.all([q.run('w1', a.task), q.run('w2', b.task)]);
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    expect(q.size).toBe(2);
    b.release();
    a.release();
    expect(await both).toEqual(['a', 'b']);
  });
});
