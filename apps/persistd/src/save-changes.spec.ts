import { clone } from '@bufbuild/protobuf';
import { ItemRecordSchema, PlayerRecordSchema, WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { generateWorld, scrapeMetrics, smallWorld } from '@persistd/testkit';
import { captureLogs } from './test/captured-logs';
import { changesRequest, diffSnapshots, expectationsOf, resultOf } from './test/change-sets';
import { canonicalBytes, collect, reassemble } from './test/restore-helpers';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

const none = () => Array.from({ length: 5 }, () => ({ upserts: [] as never[], deletes: [] as string[] }));

describe('SaveChanges', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  /** Saves `base` whole as epoch 1 of `worldId` and returns it. */
  async function based(worldId: string, base: WorldSnapshot = smallWorld(worldId)): Promise<WorldSnapshot> {
    await t.client.save(saveRequest(worldId, base, 0n));
    return base;
  }

  it('commits the base with the changes applied, stored exactly as a Save of the result into a twin world', async () => {
    const base = await based('sc-basic', generateWorld({ worldId: 'sc-basic', players: 6, zones: 8, npcs: 10, items: 40, quests: 6, seed: 3 }));
    const target = clone(WorldSnapshotSchema, base);
    target.items!.items[3].durability += 7;
    target.items!.items.splice(5, 1);
    target.npcs!.npcs[0].health = 1;
    const req = changesRequest('sc-basic', 1n, 'sc-basic-1', diffSnapshots(base, target), { contentVersion: base.world!.contentVersion });
    const res = await t.client.saveChanges(req);
    expect(res).toMatchObject({ committedEpoch: 2n, replayed: false });

    const twin = clone(WorldSnapshotSchema, resultOf(base, req));
    twin.world!.worldId = 'sc-basic-twin';
    for (const s of [twin.players, twin.world, twin.npcs, twin.items, twin.quests]) s!.sourceEpoch = 0n;
    await t.client.save(saveRequest('sc-basic-twin', generateWorld({ worldId: 'sc-basic-twin', players: 1, zones: 1, npcs: 0, items: 0, quests: 0 }), 0n));
    for (const s of [twin.players, twin.world, twin.npcs, twin.items, twin.quests]) s!.sourceEpoch = 1n;
    const whole = await t.client.save(saveRequest('sc-basic-twin', twin, 1n));
    expect(res.contentDigest).toBe(whole.contentDigest);
    expect(res.counts).toEqual(whole.counts);
    expect(canonicalBytes(reassemble(await collect(t.client, 'sc-basic')))).toEqual(canonicalBytes(target));
  });

  it('commits an empty change set as the base again, counted under its own method label', async () => {
    await based('sc-none');
    const status = await t.client.getWorldStatus({ worldId: 'sc-none' });
    const res = await t.client.saveChanges(changesRequest('sc-none', 1n, 'sc-none-1', none(), { contentVersion: smallWorld('sc-none').world!.contentVersion }));
    expect(res).toMatchObject({ committedEpoch: 2n, contentDigest: status.contentDigest, replayed: false });
    const samples = await scrapeMetrics(t.daemon.metricsUrl!);
    expect(samples.value('persistd_rpcs_total', { method: 'SaveChanges', outcome: 'ok', reason: '' })).toBeGreaterThanOrEqual(1);
  });

  it('refuses expected_epoch 0 as INVALID_FIELD', async () => {
    await based('sc-zero');
    const err = await refusalOf(t.client.saveChanges(changesRequest('sc-zero', 0n, 'sc-zero-1', none())));
    expect(err.reason).toBe('INVALID_FIELD');
    expect(err.violations.map((v) => v.field)).toEqual(['expected_epoch']);
  });

  it('answers a stale expected epoch EPOCH_CONFLICT, after the request\'s own violations', async () => {
    await based('sc-stale');
    await t.client.save(saveRequest('sc-stale', smallWorld('sc-stale', 1n, 2), 1n));
    expect((await refusalOf(t.client.saveChanges(changesRequest('sc-stale', 1n, 'sc-stale-1', none())))).reason).toBe('EPOCH_CONFLICT');
    const bad = none();
    bad[3].upserts = [clone(ItemRecordSchema, smallWorld('sc-stale').items!.items[0])] as never[];
    (bad[3].upserts[0] as { quantity: number }).quantity = 0;
    const err = await refusalOf(t.client.saveChanges(changesRequest('sc-stale', 1n, 'sc-stale-2', bad)));
    expect(err.reason).toBe('INVALID_FIELD');
  });

  it('refuses a result that disagrees with the expectations as PARTIAL_SAVE at the section\'s expectation', async () => {
    const base = await based('sc-expect');
    const sections = none();
    const req = changesRequest('sc-expect', 1n, 'sc-expect-1', sections, { contentVersion: base.world!.contentVersion });
    const good = expectationsOf(base, 3);
    Object.assign(req.changes!.items!, { expectedCount: good.expectedCount + 1, expectedDigest: good.expectedDigest.replace(/.$/, (c) => (c === '0' ? '1' : '0')) });
    Object.assign(req.changes!.npcs!, expectationsOf(base, 2));
    const err = await refusalOf(t.client.saveChanges(req));
    expect(err.reason).toBe('PARTIAL_SAVE');
    expect(err.violations.map((v) => v.field)).toEqual(['items.expected_count', 'items.expected_digest']);
    Object.assign(req.changes!.items!, good);
    expect((await t.client.saveChanges(req)).committedEpoch).toBe(2n);
  });
});

describe('SaveChanges in the call log', () => {
  it('writes one line per call naming the method, world, request id and epochs, never a payload value', async () => {
    const logs = captureLogs();
    const t = await startTestDaemon({}, { logger: logs.logger });
    try {
      const base = smallWorld('log-c');
      await t.client.save(saveRequest('log-c', base, 0n, 'log-c-0'));
      const changed = none();
      changed[0].upserts = [{ ...clone(PlayerRecordSchema, base.players!.players[0]), identity: { ...base.players!.players[0].identity!, displayName: 'MARKED-VALUE' } } as never];
      const req = changesRequest('log-c', 1n, 'log-c-1', changed, { contentVersion: base.world!.contentVersion });
      await t.client.saveChanges(req);
      const stale = changesRequest('log-c', 1n, 'log-c-2', none());
      expect((await refusalOf(t.client.saveChanges(stale))).reason).toBe('EPOCH_CONFLICT');
      const calls = logs.entries().filter((e) => e.method === 'SaveChanges');
      expect(calls.map((c) => [c.outcome, c.reason, c.requestId, c.expectedEpoch])).toEqual([
        ['ok', undefined, 'log-c-1', '1'],
        ['refused', 'EPOCH_CONFLICT', 'log-c-2', '1'],
      ]);
      expect(calls[0]).toMatchObject({ worldId: 'log-c', epoch: '2', replayed: false });
      expect(logs.text()).not.toContain('MARKED-VALUE');
    } finally {
      await t.stop();
    }
  });
});
