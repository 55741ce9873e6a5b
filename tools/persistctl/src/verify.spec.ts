import { fromBinary } from '@bufbuild/protobuf';
import { PersistdClient } from '@persistd/client';
import { EpochMetaSchema, StateSource } from '@persistd/contract';
import { worldKeys } from '@persistd/store-redis';
import { type DaemonProcess, freePort, generateWorld, startDaemonProcess, testRedis } from '@persistd/testkit';
import { prepareEpoch, recordChunkIdsOf, sealEpochMeta } from '@persistd/validation';
import type Redis from 'ioredis';
import { runCliCaptured } from './test/run-cli';

let daemon: DaemonProcess;
let client: PersistdClient;
let redis: Redis;

beforeAll(async () => {
  daemon = await startDaemonProcess();
  client = new PersistdClient(daemon.address);
  redis = testRedis();
}, 120_000);

afterAll(async () => {
  client.close();
  redis.disconnect();
  await daemon?.stop();
});

const redisArgs = () => ['--redis-url', daemon.redisUrl, '--key-prefix', daemon.prefix];
const worldOf = (worldId: string, epoch: bigint, seed: number) => generateWorld({ worldId, players: 8, zones: 5, npcs: 10, items: 30, quests: 6, epoch, seed });

/** Three epochs of different content. */
async function seed(worldId: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await client.save({ worldId, expectedEpoch: BigInt(i), source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: worldOf(worldId, BigInt(i), 40 + i) });
  }
}

/** A chunk id that epoch 2 lists and epochs 1 and 3 do not. */
async function chunkOnlyIn2(worldId: string): Promise<string> {
  const keys = worldKeys(daemon.prefix, worldId);
  const ids = async (e: bigint) => {
    const meta = fromBinary(EpochMetaSchema, (await redis.getBuffer(keys.meta(e)))!);
    const index = new Map<string, Uint8Array>();
    for (const id of meta.sections.flatMap((s) => s.indexChunkIds)) index.set(id, (await redis.getBuffer(keys.chunk(id)))!);
    return recordChunkIdsOf(meta, index).flat();
  };
  const others = new Set([...(await ids(1n)), ...(await ids(3n))]);
  return (await ids(2n)).find((id) => !others.has(id))!;
}

describe('persistctl verify', () => {
  it('reports every retained epoch intact (exit 0)', async () => {
    await seed('v-ok');
    const run = await runCliCaptured(['verify', 'v-ok', ...redisArgs()]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(['epoch 1 ok', 'epoch 2 ok', 'epoch 3 ok']);
  });

  it('reports a chunk damaged in Redis as DIGEST_MISMATCH of the epochs that list it (exit 1)', async () => {
    await seed('v-flip');
    const key = worldKeys(daemon.prefix, 'v-flip').chunk(await chunkOnlyIn2('v-flip'));
    const bytes = (await redis.getBuffer(key))!;
    bytes[bytes.length >> 1] ^= 0x40;
    await redis.set(key, bytes);
    const run = await runCliCaptured(['verify', 'v-flip', ...redisArgs()]);
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^epoch 1 {2}ok /);
    expect(lines[1]).toMatch(/^epoch 2 {2}DAMAGED {2}DIGEST_MISMATCH: chunk [0-9a-f]{64} does not hash to its id/);
    expect(lines[2]).toMatch(/^epoch 3 {2}ok /);
  });

  it('reports a chunk gone from Redis as MISSING_COMPONENT (exit 1), in JSON too', async () => {
    await seed('v-gone');
    await redis.del(worldKeys(daemon.prefix, 'v-gone').chunk(await chunkOnlyIn2('v-gone')));
    const run = await runCliCaptured(['verify', 'v-gone', '--json', ...redisArgs()]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ world_id: 'v-gone', intact: false });
    expect(report.epochs.map((e: { epoch: string; ok: boolean; code?: string }) => [e.epoch, e.ok, e.code])).toEqual([
      ['1', true, undefined],
      ['2', false, 'MISSING_COMPONENT'],
      ['3', true, undefined],
    ]);
  });

  it('runs every structural rule: an epoch whose digests hold but whose records break a rule is damaged', async () => {
    await seed('v-rules');
    // Epoch 2 rewritten with a quest of a player who is not in the snapshot, sealed with correct digests.
    const bad = worldOf('v-rules', 2n, 41);
    bad.quests!.quests[0].playerId = 'p-nobody';
    const prepared = prepareEpoch(bad, { worldId: 'v-rules', requestId: 'forged', principal: 'test', committedAtMs: 1n });
    const { bytes } = sealEpochMeta(prepared.unsealed, 2n);
    const keys = worldKeys(daemon.prefix, 'v-rules');
    for (const c of prepared.chunks) await redis.set(keys.chunk(c.id), Buffer.from(c.bytes));
    await redis.set(keys.meta(2n), Buffer.from(bytes));
    const run = await runCliCaptured(['verify', 'v-rules', ...redisArgs()]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^epoch 2 {2}DAMAGED {2}DANGLING_REFERENCE: /m);
    expect(run.stdout).toMatch(/^ {2}quests\[q000000\]\.player_id: DANGLING_REFERENCE: /m);
    expect(run.stdout).toMatch(/^epoch 1 {2}ok /m);
  });

  it('refuses a world with no retained epoch (exit 1)', async () => {
    const run = await runCliCaptured(['verify', 'never-saved', ...redisArgs()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('WORLD_NOT_FOUND');
  });

  it('exits 2 with a --redis-url that is not a Redis URL or when Redis cannot be reached', async () => {
    expect((await runCliCaptured(['verify', 'v-ok', '--redis-url', 'http://127.0.0.1:6379'])).code).toBe(2);
    const down = await runCliCaptured(['verify', 'v-ok', '--redis-url', `redis://127.0.0.1:${await freePort()}`, '--key-prefix', daemon.prefix]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('STORE_UNAVAILABLE');
  });
});
