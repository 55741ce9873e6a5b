import { status } from '@grpc/grpc-js';
import { Refusal } from '../rpc/refusal';
import { RestoreBudget } from './restore-budget';

/** What a reserve settled with, without letting a rejection go unhandled. */
function settled(p: Promise<void>): { readonly state: 'pending' | 'held' | Refusal | unknown } {
  const box: { state: 'pending' | 'held' | unknown } = { state: 'pending' };
  p.then(
    () => (box.state = 'held'),
    (e: unknown) => (box.state = e),
  );
  return box;
}

const tick = () => new Promise((r) => setImmediate(r));

function expectBudgetRefusal(e: unknown, max: number): void {
  expect(e).toBeInstanceOf(Refusal);
  const r = e as Refusal;
  expect(r.code).toBe('LIMIT_EXCEEDED');
  expect(r.options.status).toBe(status.RESOURCE_EXHAUSTED);
  expect(r.options.metadata).toEqual({ limit: 'max_restore_bytes', max: String(max) });
}

describe('RestoreBudget', () => {
  it('holds what fits at once and gives it back on release, once', async () => {
    const b = new RestoreBudget(100);
    const h = b.holding();
    await h.reserve(60);
    expect(b.inUse).toBe(60);
    await h.reserve(40); // a read that started over asks for its new total: only the difference
    await h.reserve(30);
    expect(b.inUse).toBe(60);
    h.release();
    h.release();
    expect(b.inUse).toBe(0);
  });

  it('refuses at once a restore larger than the whole budget', async () => {
    const b = new RestoreBudget(100);
    const e = await b.holding().reserve(101).catch((x: unknown) => x);
    expectBudgetRefusal(e, 100);
    expect(b.inUse).toBe(0);
  });

  it('a restore past the budget waits, and goes on when another releases, in arrival order', async () => {
    const b = new RestoreBudget(100, 60_000);
    const first = b.holding();
    await first.reserve(80);
    const second = b.holding();
    const third = b.holding();
    const s2 = settled(second.reserve(50));
    const s3 = settled(third.reserve(10)); // would fit now, but waits behind the second
    await tick();
    expect([s2.state, s3.state, b.waiting]).toEqual(['pending', 'pending', 2]);
    first.release();
    await tick();
    expect([s2.state, s3.state, b.inUse, b.waiting]).toEqual(['held', 'held', 60, 0]);
    second.release();
    third.release();
    expect(b.inUse).toBe(0);
  });

  it('a wait is bounded: refused RESOURCE_EXHAUSTED/LIMIT_EXCEEDED after the wait, holding nothing', async () => {
    const b = new RestoreBudget(100, 50);
    const first = b.holding();
    await first.reserve(100);
    const e = await b.holding().reserve(1).catch((x: unknown) => x);
    expectBudgetRefusal(e, 100);
    expect([b.inUse, b.waiting]).toEqual([100, 0]);
    first.release();
  });

  it('a wait ends at the call deadline when that comes sooner', async () => {
    const b = new RestoreBudget(100, 60_000);
    await b.holding().reserve(100);
    const started = Date.now();
    const e = await b
      .holding({ deadlineMs: Date.now() + 50 })
      .reserve(1)
      .catch((x: unknown) => x);
    expectBudgetRefusal(e, 100);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a call cancelled while it waits leaves the queue and holds nothing', async () => {
    const b = new RestoreBudget(100, 60_000);
    const first = b.holding();
    await first.reserve(100);
    const abort = new AbortController();
    const waiting = settled(b.holding({ signal: abort.signal }).reserve(10));
    await tick();
    expect(b.waiting).toBe(1);
    abort.abort();
    await tick();
    expect(waiting.state).toBeInstanceOf(Refusal);
    expect([b.inUse, b.waiting]).toEqual([100, 0]);
    first.release();
    expect(b.inUse).toBe(0);
  });

  it('a holding released while its reserve waits fails that reserve and takes no room later', async () => {
    const b = new RestoreBudget(100, 60_000);
    const first = b.holding();
    await first.reserve(100);
    const h = b.holding();
    const waiting = settled(h.reserve(10));
    await tick();
    h.release();
    await tick();
    expect(waiting.state).toBeInstanceOf(Refusal);
    first.release();
    await tick();
    expect([b.inUse, b.waiting]).toEqual([0, 0]);
    await expect(h.reserve(1)).rejects.toBeInstanceOf(Refusal);
    expect(b.inUse).toBe(0);
  });

  it('a large waiter that gives up lets the smaller ones behind it in', async () => {
    const b = new RestoreBudget(100, 60_000);
    const first = b.holding();
    await first.reserve(50);
    const abort = new AbortController();
    const big = settled(b.holding({ signal: abort.signal }).reserve(90));
    const small = settled(b.holding().reserve(40));
    await tick();
    expect([big.state, small.state]).toEqual(['pending', 'pending']);
    abort.abort();
    await tick();
    expect(small.state).toBe('held');
    expect(b.inUse).toBe(90);
  });
});
