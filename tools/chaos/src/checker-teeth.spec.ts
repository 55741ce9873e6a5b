import { createClient, PersistenceService, type WorldSnapshot } from '@persistd/contract';
import { worldKeys } from '@persistd/store-redis';
import { bundleDaemon, checkHistory, type CheckResult, type DaemonChildProcess, type DaemonEntry, HistoryRecorder, uniquePrefix } from '@persistd/testkit';
import Redis from 'ioredis';
import { observeStore } from './observe/observe-store';
import { RedisServerProcess } from './procs/redis-server';
import { Rng } from './rng';
import { startChaosDaemon } from './scenarios/environment';
import { forgeEpoch, mixSections } from './test/forge-epoch';
import { recordedSave, type RawClient, type SaveOp } from './workload/save-call';
import { contentDigestOf, restamp, SMALL_WORLD, uniqueSnapshot } from './workload/snapshots';

/**
 * The checker has teeth: real saves through a real persistd, then the store broken from the test
 * side (direct writes to Redis, key layout of libs/store-redis/src/keys.ts), and the checker must
 * report each break under its kind. The daemon is never weakened.
 */

const RETENTION = 50;
let entry: DaemonEntry;
let redis: RedisServerProcess;
let daemon: DaemonChildProcess;
let client: RawClient;
let raw: Redis;
const prefix = uniquePrefix('teeth');
const rng = new Rng(7);
let opNumber = 0;

beforeAll(async () => {
  entry = await bundleDaemon();
  redis = await RedisServerProcess.start();
  daemon = await startChaosDaemon(entry.path, redis.url, prefix, RETENTION);
  client = createClient(PersistenceService, daemon.address);
  raw = new Redis(redis.url);
});

afterAll(async () => {
  client?.close();
  raw?.disconnect();
  await daemon?.stop();
  await redis?.stop();
  await entry?.cleanup();
});

/** `n` acknowledged saves to a fresh world; returns the history and each save. */
async function series(world: string, n: number): Promise<{ history: HistoryRecorder; ops: SaveOp[] }> {
  const history = new HistoryRecorder();
  const ops: SaveOp[] = [];
  for (let e = 0n; e < BigInt(n); e++) {
    const snapshot = uniqueSnapshot(world, e, ++opNumber, rng, SMALL_WORLD, true);
    const op: SaveOp = { world, requestId: `teeth-${opNumber}`, expectedEpoch: e, snapshot, contentDigest: contentDigestOf(snapshot, world) };
    const rec = await recordedSave(client, history, op, 10_000);
    expect(rec.outcome).toMatchObject({ kind: 'acknowledged', epoch: e + 1n });
    ops.push(op);
  }
  return { history, ops };
}

async function check(history: HistoryRecorder): Promise<CheckResult> {
  const observation = await observeStore({
    redisUrl: redis.url,
    keyPrefix: prefix,
    retention: RETENTION,
    persistdAddress: daemon.address,
    worlds: history.requestIdsByWorld().keys(),
    requestIds: history.requestIdsByWorld(),
  });
  // other tests' worlds share the prefix: judge only this history's
  const mine = new Set(history.requestIdsByWorld().keys());
  return checkHistory(history.ops, { ...observation, worlds: observation.worlds.filter((w) => mine.has(w.world)) });
}

const kindsOf = (r: CheckResult) => r.violations.map((v) => v.kind);

describe('the history checker against a real store', () => {
  it('finds nothing wrong with saves persistd made and nobody touched', async () => {
    const { history } = await series('teeth-clean', 3);
    const result = await check(history);
    expect(result.violations).toEqual([]);
    expect(result.epochsChecked).toBe(3);
  });

  it('reports a lost acknowledged save', async () => {
    const { history, ops } = await series('teeth-lost', 3);
    const keys = worldKeys(prefix, 'teeth-lost');
    await raw.multi().set(keys.epoch, '2').del(keys.meta(3n)).exec(); // as if the last commit never reached disk
    const result = await check(history);
    expect(result.violations).toContainEqual(expect.objectContaining({ kind: 'lost-ack', world: 'teeth-lost', epoch: 3n, requestId: ops[2]!.requestId }));
  });

  it("reports an epoch mixing two saves' sections", async () => {
    const { history, ops } = await series('teeth-mix', 3);
    const mixed = mixSections(restamp(ops[0]!.snapshot, 2n), restamp(ops[1]!.snapshot, 2n));
    // a well-formed epoch (meta, chunks, digests, every structural rule pass): only its content is wrong
    await forgeEpoch(raw, prefix, 'teeth-mix', 2n, mixed, ops[1]!.requestId);
    const result = await check(history);
    expect(result.violations).toContainEqual(expect.objectContaining({ kind: 'foreign-content', world: 'teeth-mix', epoch: 2n }));
    expect(kindsOf(result)).not.toContain('damaged-epoch');
  });

  it('reports a request id committed twice', async () => {
    const { history, ops } = await series('teeth-twice', 3);
    await forgeEpoch(raw, prefix, 'teeth-twice', 4n, restamp(ops[1]!.snapshot, 3n), ops[1]!.requestId, { movePointer: true });
    const result = await check(history);
    expect(result.violations).toContainEqual(expect.objectContaining({ kind: 'duplicate-commit', world: 'teeth-twice', requestId: ops[1]!.requestId }));
  });

  it('reports an epoch gap', async () => {
    const { history } = await series('teeth-gap', 4);
    await raw.del(worldKeys(prefix, 'teeth-gap').meta(2n));
    const result = await check(history);
    expect(result.violations).toContainEqual(expect.objectContaining({ kind: 'epoch-sequence', world: 'teeth-gap', epoch: 2n }));
  });

  it('reports a refused save that landed anyway', async () => {
    const { history } = await series('teeth-refused', 2);
    // a save from a stale epoch: persistd refuses it (EPOCH_CONFLICT), and it is recorded so
    const stale: WorldSnapshot = uniqueSnapshot('teeth-refused', 1n, ++opNumber, rng);
    const op: SaveOp = { world: 'teeth-refused', requestId: `teeth-${opNumber}`, expectedEpoch: 1n, snapshot: stale, contentDigest: contentDigestOf(stale, 'teeth-refused') };
    const rec = await recordedSave(client, history, op, 10_000);
    expect(rec.outcome).toMatchObject({ kind: 'refused', code: 'EPOCH_CONFLICT' });
    await forgeEpoch(raw, prefix, 'teeth-refused', 3n, restamp(stale, 2n), op.requestId, { movePointer: true, writeRecord: true });
    const result = await check(history);
    expect(result.violations).toContainEqual(expect.objectContaining({ kind: 'refused-landed', world: 'teeth-refused', requestId: op.requestId, epoch: 3n }));
  });

  it('reports a chunk damaged at rest, and a meta written above the pointer', async () => {
    const { history } = await series('teeth-damage', 2);
    const keys = worldKeys(prefix, 'teeth-damage');
    const [, chunkKeys] = await raw.scan('0', 'MATCH', keys.chunk('x').replace(/x$/, '*'), 'COUNT', 10_000);
    expect(chunkKeys.length).toBeGreaterThan(0);
    await raw.append(chunkKeys[0]!, 'x');
    await raw.set(keys.meta(3n), (await raw.getBuffer(keys.meta(2n)))!);
    const kinds = kindsOf(await check(history));
    expect(kinds).toContain('damaged-epoch');
    expect(kinds).toContain('epoch-sequence');
  });
});
