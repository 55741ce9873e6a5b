import { setTimeout as sleep } from 'node:timers/promises';
import { create, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { fromServiceError, SaveRequestSchema, StateSource, type WorldSnapshot } from '@persistd/contract';
import { FaultProxy, generateWorld, smallWorld, TEST_REDIS_URL } from '@persistd/testkit';
import { firstLimitBreach } from '@persistd/validation';
import { InflightBudget } from './limits/inflight-budget';
import { dumpStore, refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

const LIMITS = { maxRecordsPerSection: 5, maxStringBytes: 256, maxMapEntries: 4 };

describe('input limits (unit)', () => {
  const ok = smallWorld('w');
  const breachOf = (mutate: (s: WorldSnapshot) => void) => {
    const s = smallWorld('w');
    mutate(s);
    return firstLimitBreach(SaveRequestSchema, create(SaveRequestSchema, saveRequest('w', s)), { ...LIMITS, maxRecordsPerSection: 100 });
  };

  it('passes a request inside every bound', () => {
    expect(firstLimitBreach(SaveRequestSchema, create(SaveRequestSchema, saveRequest('w', ok)), { ...LIMITS, maxRecordsPerSection: 100 })).toBeUndefined();
  });

  it('names the limit, the bound, the size and the field', () => {
    expect(firstLimitBreach(SaveRequestSchema, create(SaveRequestSchema, saveRequest('w', ok)), LIMITS)).toEqual({ limit: 'max_records_per_section', max: 5, actual: 6, field: 'snapshot.world.zones' });
    expect(breachOf((s) => (s.world!.contentVersion = 'v'.repeat(257)))).toEqual({ limit: 'max_string_bytes', max: 256, actual: 257, field: 'snapshot.world.content_version' });
    expect(breachOf((s) => (s.npcs!.npcs[1].flags = { a: '1', b: '2', c: '3', d: '4', e: '5' }))).toMatchObject({ limit: 'max_map_entries', actual: 5, field: 'snapshot.npcs.npcs[1].flags' });
    expect(breachOf((s) => (s.players!.players[0].save!.attributes = { ['k'.repeat(300)]: 1n }))).toMatchObject({ limit: 'max_string_bytes', field: 'snapshot.players.players[0].save.attributes.key' });
    expect(breachOf((s) => (s.npcs!.npcs[0].flags = { mood: 'é'.repeat(129) }))).toMatchObject({ limit: 'max_string_bytes', actual: 258, field: 'snapshot.npcs.npcs[0].flags[mood]' });
    expect(breachOf((s) => (s.npcs!.npcs[0].flags = { mood: 'é'.repeat(128) }))).toBeUndefined();
  });

  it('the in-flight budget refuses what does not fit and gives back what is released, once', () => {
    const b = new InflightBudget(100);
    const r1 = b.acquire(60);
    expect(() => b.acquire(50)).toThrow(/max_inflight_bytes/);
    const r2 = b.acquire(40);
    expect(b.inUse).toBe(100);
    r1();
    r1();
    expect(b.inUse).toBe(40);
    expect(() => b.acquire(101)).toThrow(/can never fit/);
    r2();
    expect(b.inUse).toBe(0);
  });
});

describe('bounded input through gRPC', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon({
      PERSISTD_MAX_RECORDS_PER_SECTION: '20',
      PERSISTD_MAX_STRING_BYTES: '256',
      PERSISTD_MAX_MAP_ENTRIES: '8',
      PERSISTD_MAX_MESSAGE_BYTES: '8192',
    });
    await t.client.save(saveRequest('lim', smallWorld('lim')));
  });
  afterAll(() => t.stop());

  async function expectLimit(snapshot: WorldSnapshot, limit: string, extra: Partial<ReturnType<typeof saveRequest>> = {}) {
    const before = await dumpStore(t.redis, t.prefix);
    const err = await refusalOf(t.client.save({ ...saveRequest('lim', snapshot, 1n), ...extra }));
    expect({ code: err.code, reason: err.reason, limit: err.metadata.limit }).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'LIMIT_EXCEEDED', limit });
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
    return err;
  }

  it('too many records in a section: LIMIT_EXCEEDED, limit max_records_per_section, nothing stored', async () => {
    const s = generateWorld({ worldId: 'lim', players: 2, zones: 2, npcs: 2, items: 21, quests: 1, epoch: 1n });
    const err = await expectLimit(s, 'max_records_per_section');
    expect(err.metadata).toEqual({ limit: 'max_records_per_section', max: '20', field: 'snapshot.items.items' });
  });

  it('a string over max_string_bytes, a map over max_map_entries: LIMIT_EXCEEDED naming each', async () => {
    const long = smallWorld('lim', 1n);
    long.npcs!.npcs[0].disposition = 'x'.repeat(257);
    await expectLimit(long, 'max_string_bytes');
    const wide = smallWorld('lim', 1n);
    wide.world!.zones[0].flags = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, 'y']));
    await expectLimit(wide, 'max_map_entries');
  });

  it('limits come before the snapshot rules: an over-limit save from a forbidden source is LIMIT_EXCEEDED', async () => {
    const s = smallWorld('lim', 1n);
    s.items!.items[0].templateId = 't'.repeat(300);
    await expectLimit(s, 'max_string_bytes', { source: StateSource.CLIENT });
  });

  it('Validate answers a limit as a status too', async () => {
    const s = generateWorld({ worldId: 'lim', players: 21, zones: 1, npcs: 0, items: 0, quests: 0, epoch: 1n });
    const err = await refusalOf(t.client.validate({ worldId: 'lim', expectedEpoch: 1n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: s }));
    expect({ reason: err.reason, limit: err.metadata.limit }).toEqual({ reason: 'LIMIT_EXCEEDED', limit: 'max_records_per_section' });
  });

  it('a message over PERSISTD_MAX_MESSAGE_BYTES is grpc-js RESOURCE_EXHAUSTED without details, and nothing is stored', async () => {
    const big = generateWorld({ worldId: 'lim', players: 40, zones: 20, npcs: 40, items: 60, quests: 40, epoch: 1n });
    expect(toBinary(SaveRequestSchema, create(SaveRequestSchema, saveRequest('lim', big, 1n))).byteLength).toBeGreaterThan(8192);
    const before = await dumpStore(t.redis, t.prefix);
    let err: grpc.ServiceError | undefined;
    try {
      await t.client.save(saveRequest('lim', big, 1n));
    } catch (e) {
      err = e as grpc.ServiceError;
    }
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(fromServiceError(err!)).toBeUndefined();
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
  });
});

describe('in-flight byte budget', () => {
  let proxy: FaultProxy;
  let t: TestDaemon;
  const world = (seed: number, epoch = 0n, worldId = 'busy') => generateWorld({ worldId, players: 10, zones: 5, npcs: 10, items: 20, quests: 5, epoch, seed });
  const sizeOf = (s: WorldSnapshot, epoch = 0n) => toBinary(SaveRequestSchema, create(SaveRequestSchema, saveRequest('busy', s, epoch, 'req-xxxxxxxxxx'))).byteLength;

  beforeAll(async () => {
    const target = new URL(TEST_REDIS_URL);
    proxy = new FaultProxy({ host: target.hostname, port: Number(target.port) });
    await proxy.listen();
    const size = sizeOf(world(1));
    t = await startTestDaemon({ PERSISTD_REDIS_URL: proxy.url, PERSISTD_MAX_INFLIGHT_BYTES: String(Math.floor(size * 1.5)) });
  });
  afterAll(async () => {
    proxy.stall(false);
    await t.stop();
    await proxy.close();
  });

  it('while one save holds the budget, another is RESOURCE_EXHAUSTED/LIMIT_EXCEEDED (max_inflight_bytes) and stores nothing; the first still commits', async () => {
    await t.client.save(saveRequest('busy', world(1), 0n, 'warm-up')); // pool and read connection ready
    const before = await dumpStore(t.redis, t.prefix);
    proxy.stall(true);
    const first = t.client.save(saveRequest('busy', world(2, 1n), 1n, 'holder'));
    for (let i = 0; i < 2000 && t.daemon.budget.inUse === 0; i++) await sleep(5);
    expect(t.daemon.budget.inUse).toBeGreaterThan(0);

    const err = await refusalOf(t.client.save(saveRequest('other', world(3, 0n, 'other'), 0n, 'squeezed')));
    proxy.stall(false);
    expect({ code: err.code, reason: err.reason, limit: err.metadata.limit }).toEqual({ code: grpc.status.RESOURCE_EXHAUSTED, reason: 'LIMIT_EXCEEDED', limit: 'max_inflight_bytes' });

    expect((await first).committedEpoch).toBe(2n);
    await t.daemon.calls.idle();
    expect(t.daemon.budget.inUse).toBe(0);
    const after = await dumpStore(t.redis, t.prefix);
    expect(Object.keys(after).filter((k) => k.includes('{other}'))).toEqual([]);
    expect(Object.keys(after).length).toBeGreaterThan(Object.keys(before).length);
    // The budget is free again: the refused save goes through now.
    expect((await t.client.save(saveRequest('other', world(3, 0n, 'other'), 0n, 'squeezed'))).committedEpoch).toBe(1n);
  });
});
