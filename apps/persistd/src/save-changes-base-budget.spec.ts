import { clone } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { generateWorld, type WorldShape } from '@persistd/testkit';
import { changesRequest, diffSnapshots } from './test/change-sets';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * A SaveChanges reads its base epoch inside PERSISTD_MAX_RESTORE_BYTES (rpc/base-read-budget.ts):
 * reserved before the chunks are read, given back when the call ends however it ends, and past
 * the budget the same wait and refusal as a restore. The bases are saved by another daemon on the
 * same prefix, so the budgeted one holds no index of them and must read them from Redis.
 */

const BUDGET = 64 * 1024;
const SMALL: Omit<WorldShape, 'worldId'> = { players: 4, zones: 4, npcs: 6, items: 40, quests: 4, seed: 21 };
const LARGE: Omit<WorldShape, 'worldId'> = { ...SMALL, items: 3000, seed: 22 };

/** Resolves once `check` holds, polling; fails after `timeoutMs`. */
async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('SaveChanges base read inside the stored-bytes budget', () => {
  let writer: TestDaemon;
  let budgeted: TestDaemon;
  beforeAll(async () => {
    writer = await startTestDaemon();
    budgeted = await startTestDaemon({ PERSISTD_MAX_RESTORE_BYTES: String(BUDGET), PERSISTD_KEY_PREFIX: writer.prefix });
  });
  afterAll(async () => {
    await budgeted.stop();
    await writer.stop();
  });
  afterEach(() => eventually(() => budgeted.daemon.restoreBudget.waiting === 0));

  /** World `worldId` saved whole at epoch 1 by the other daemon; a change request on it (one item changed). */
  async function based(worldId: string, shape: Omit<WorldShape, 'worldId'>) {
    const base = generateWorld({ worldId, ...shape });
    await writer.client.save(saveRequest(worldId, clone(WorldSnapshotSchema, base), 0n));
    const target: WorldSnapshot = clone(WorldSnapshotSchema, base);
    target.items!.items[0].durability += 1;
    const stored = await budgeted.daemon.store.readEpoch(worldId, 1n);
    const bytes = [...stored.chunks.values()].reduce((n, c) => n + c.byteLength, 0);
    return { bytes, req: changesRequest(worldId, 1n, `${worldId}-1`, diffSnapshots(base, target), { contentVersion: base.world!.contentVersion }) };
  }

  it('a base that fits is read, committed on, and its bytes given back', async () => {
    const { bytes, req } = await based('bb-fits', SMALL);
    expect(bytes).toBeLessThan(BUDGET);
    expect(await budgeted.client.saveChanges(req)).toMatchObject({ committedEpoch: 2n, replayed: false });
    expect(budgeted.daemon.restoreBudget.inUse).toBe(0);
  });

  it('a base larger than the whole budget is refused RESOURCE_EXHAUSTED/LIMIT_EXCEEDED at once, nothing committed', async () => {
    const { bytes, req } = await based('bb-large', LARGE);
    expect(bytes).toBeGreaterThan(BUDGET);
    const refusal = await refusalOf(budgeted.client.saveChanges(req));
    expect([refusal.code, refusal.reason]).toEqual([grpc.status.RESOURCE_EXHAUSTED, 'LIMIT_EXCEEDED']);
    expect(refusal.metadata).toMatchObject({ limit: 'max_restore_bytes', max: String(BUDGET) });
    expect((await writer.client.getWorldStatus({ worldId: 'bb-large' })).committedEpoch).toBe(1n);
    expect(budgeted.daemon.restoreBudget.inUse).toBe(0);
    // The daemon with room reads the same base and commits.
    expect(await writer.client.saveChanges(req)).toMatchObject({ committedEpoch: 2n });
  });

  it('past the budget the read waits for room, and goes on once another call gives its bytes back', async () => {
    const { req } = await based('bb-wait', SMALL);
    const other = budgeted.daemon.restoreBudget.holding();
    await other.reserve(BUDGET);
    let answer: Promise<unknown>;
    try {
      answer = budgeted.client.saveChanges(req);
      await eventually(() => budgeted.daemon.restoreBudget.waiting === 1);
      expect((await writer.client.getWorldStatus({ worldId: 'bb-wait' })).committedEpoch).toBe(1n);
    } finally {
      other.release();
    }
    expect(await answer).toMatchObject({ committedEpoch: 2n, replayed: false });
    expect(budgeted.daemon.restoreBudget.inUse).toBe(0);
  });

  it('a call whose deadline passes while it waits leaves the queue and commits nothing', async () => {
    const { req } = await based('bb-deadline', SMALL);
    const other = budgeted.daemon.restoreBudget.holding();
    await other.reserve(BUDGET);
    try {
      const late = budgeted.client.saveChanges(req, { deadline: Date.now() + 1500 });
      await eventually(() => budgeted.daemon.restoreBudget.waiting === 1);
      await expect(late).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
      await eventually(() => budgeted.daemon.restoreBudget.waiting === 0 && budgeted.daemon.calls.count === 0);
      expect(budgeted.daemon.restoreBudget.inUse).toBe(BUDGET);
    } finally {
      other.release();
    }
    expect(budgeted.daemon.restoreBudget.inUse).toBe(0);
    expect((await writer.client.getWorldStatus({ worldId: 'bb-deadline' })).committedEpoch).toBe(1n);
  });
});
