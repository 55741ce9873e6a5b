import { clone } from '@bufbuild/protobuf';
import { StateSource, WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { type DaemonProcess, FaultProxy, generateWorld, startDaemonProcess } from '@persistd/testkit';
import { isNoChangeBaseError, sectionExpectations } from './changes';
import { PersistdClient, type SaveResult } from './persistd-client';
import { EpochConflictError, PersistdError } from './persistd-error';
import type { RestoreHandlers } from './restore-handlers';

/**
 * The SDK's change sets against a real daemon on a real Redis: when it sends changes and when a
 * whole Save, its expectations, what it forgets after a conflict and learns from a restore, and
 * retries that resend the same request.
 */

const source = StateSource.AUTHORITATIVE_RUNTIME;
let daemon: DaemonProcess;
let client: PersistdClient;

beforeAll(async () => {
  daemon = await startDaemonProcess({}, 'sdkchg');
  client = new PersistdClient(daemon.address, { defaultDeadlineMs: 20_000 });
}, 120_000);

afterAll(async () => {
  client?.close();
  await daemon?.stop();
});

/** A world of 130 records, stamped at `epoch`. */
const world = (worldId: string, epoch: bigint, seed = 7): WorldSnapshot =>
  generateWorld({ worldId, players: 20, zones: 10, npcs: 20, items: 60, quests: 20, epoch, seed });

/** The same records stamped at another epoch. */
function restamp(snapshot: WorldSnapshot, epoch: bigint): WorldSnapshot {
  const s = clone(WorldSnapshotSchema, snapshot);
  for (const key of ['players', 'world', 'npcs', 'items', 'quests'] as const) s[key]!.sourceEpoch = epoch;
  return s;
}

/** One item's durability changed: the smallest real change. */
function touchItem(snapshot: WorldSnapshot, index: number): WorldSnapshot {
  const s = clone(WorldSnapshotSchema, snapshot);
  s.items!.items[index].durability += 1;
  return s;
}

/** Every record changed, and the last `dropItems` items gone: a change set bigger than the snapshot. */
function changeEverything(snapshot: WorldSnapshot, dropItems = 0): WorldSnapshot {
  const s = clone(WorldSnapshotSchema, snapshot);
  for (const p of s.players!.players) p.save!.level += 1;
  for (const z of s.world!.zones) z.flags.touched = 'yes';
  for (const n of s.npcs!.npcs) n.health += 1;
  for (const i of s.items!.items) i.durability += 1;
  for (const q of s.quests!.quests) q.stage += 1;
  s.items!.items.splice(s.items!.items.length - dropItems, dropItems);
  return s;
}

/** What a whole Save of the same records into a fresh world answers: the content digest to match. */
async function twinContentDigest(snapshot: WorldSnapshot, twin: string): Promise<string> {
  const s = restamp(snapshot, 0n);
  s.world!.worldId = twin;
  const saved = await client.save({ worldId: twin, expectedEpoch: 0n, source, snapshot: s }, { mode: 'full' });
  expect(saved.sent.rpc).toBe('Save');
  return saved.contentDigest;
}

const ignore: RestoreHandlers = { player: () => undefined, world: () => undefined, npc: () => undefined, item: () => undefined, quest: () => undefined };

async function refusal(p: Promise<unknown>): Promise<PersistdError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PersistdError);
  return e as PersistdError;
}

describe('PersistdClient sends change sets by itself', () => {
  it('auto sends a change set for a small change and a whole Save for a large one; both commit the same content as a Save', async () => {
    const first = await client.save({ worldId: 'cs-auto', expectedEpoch: 0n, source, snapshot: world('cs-auto', 0n) });
    expect(first.sent).toMatchObject({ rpc: 'Save', records: 130, worldRecords: 130 });
    expect(client.knownEpoch('cs-auto')).toBe(1n);

    const small = touchItem(restamp(world('cs-auto', 0n), 1n), 3);
    const changed = await client.save({ worldId: 'cs-auto', expectedEpoch: 1n, source, snapshot: small });
    expect(changed.sent).toMatchObject({ rpc: 'SaveChanges', records: 1, worldRecords: 130 });
    expect(changed.committedEpoch).toBe(2n);
    expect(changed.sent.requestBytes).toBeLessThan(first.sent.requestBytes / 10);
    expect(changed.contentDigest).toBe(await twinContentDigest(small, 'cs-auto-twin1'));

    const large = changeEverything(restamp(small, 2n), 10); // 120 upserts and 10 deletes outweigh 120 records
    const whole = await client.save({ worldId: 'cs-auto', expectedEpoch: 2n, source, snapshot: large });
    expect(whole.sent).toMatchObject({ rpc: 'Save', records: 120, worldRecords: 120 });
    expect(whole.committedEpoch).toBe(3n);

    // A deletion and an insertion travel as a change set too, and land the same as a Save.
    const edited = restamp(large, 3n);
    edited.quests!.quests.splice(0, 1);
    edited.npcs!.npcs.push({ ...clone(WorldSnapshotSchema, large).npcs!.npcs[0], npcId: 'n-new' });
    const mixed = await client.save({ worldId: 'cs-auto', expectedEpoch: 3n, source, snapshot: edited });
    expect(mixed.sent).toMatchObject({ rpc: 'SaveChanges', records: 2, worldRecords: 120 });
    expect(mixed.contentDigest).toBe(await twinContentDigest(edited, 'cs-auto-twin2'));
  });

  it("mode 'full' always saves whole and mode 'changes' always sends changes, even when larger", async () => {
    await client.save({ worldId: 'cs-mode', expectedEpoch: 0n, source, snapshot: world('cs-mode', 0n) });
    const full = await client.save({ worldId: 'cs-mode', expectedEpoch: 1n, source, snapshot: touchItem(restamp(world('cs-mode', 0n), 1n), 59) }, { mode: 'full' });
    expect(full.sent.rpc).toBe('Save');
    const big = changeEverything(restamp(world('cs-mode', 0n), 2n), 10); // 120 upserts, 10 deletes
    const changes = await client.save({ worldId: 'cs-mode', expectedEpoch: 2n, source, snapshot: big }, { mode: 'changes' });
    expect(changes.sent).toMatchObject({ rpc: 'SaveChanges', records: 130 });
    expect(changes.contentDigest).toBe(await twinContentDigest(big, 'cs-mode-twin'));
  });

  it('a tracked change set that forgot a record is refused PARTIAL_SAVE by its expectations, and nothing commits', async () => {
    const base = world('cs-forgot', 0n);
    await client.save({ worldId: 'cs-forgot', expectedEpoch: 0n, source, snapshot: base });
    // The game server changed two items but its tracker reported one; its own digest of the section says two.
    const now = touchItem(touchItem(restamp(base, 1n), 1), 2);
    const e = await refusal(
      client.saveChanges({
        worldId: 'cs-forgot',
        expectedEpoch: 1n,
        source,
        changes: { items: { upserts: [now.items!.items[1]], ...sectionExpectations('items', now.items!.items) } },
      }),
    );
    expect(e.reason).toBe('PARTIAL_SAVE');
    expect(e.parsedViolations.map((v) => [v.code, v.path])).toEqual([['PARTIAL_SAVE', 'items.expected_digest']]);
    expect((await client.getWorldStatus('cs-forgot')).committedEpoch).toBe(1n);

    // Reported whole, the same change set commits, and the SDK's memory follows it.
    const ok = await client.saveChanges({
      worldId: 'cs-forgot',
      expectedEpoch: 1n,
      source,
      changes: { items: { upserts: [now.items!.items[1], now.items!.items[2]], ...sectionExpectations('items', now.items!.items) } },
    });
    expect(ok.sent).toMatchObject({ rpc: 'SaveChanges', records: 2, worldRecords: 130 });
    expect(ok.contentDigest).toBe(await twinContentDigest(now, 'cs-forgot-twin'));
    const next = await client.save({ worldId: 'cs-forgot', expectedEpoch: 2n, source, snapshot: restamp(now, 2n) });
    expect(next.sent).toMatchObject({ rpc: 'SaveChanges', records: 0 });
  });

  it('tracked changes without expectations get them from the memory, in O(change): a delete and an insert commit', async () => {
    const base = world('cs-tracked', 0n);
    await client.save({ worldId: 'cs-tracked', expectedEpoch: 0n, source, snapshot: base });
    const quest = { ...base.quests!.quests[0], questId: 'q-extra' };
    const saved = await client.saveChanges({ worldId: 'cs-tracked', expectedEpoch: 1n, source, changes: { quests: { upserts: [quest], deletes: ['q000003'] } } });
    expect(saved.committedEpoch).toBe(2n);
    expect(saved.counts?.quests).toBe(20);
    const expected = restamp(base, 2n);
    expected.quests!.quests = expected.quests!.quests.filter((q) => q.questId !== 'q000003').concat([quest]);
    expect(saved.contentDigest).toBe(await twinContentDigest(expected, 'cs-tracked-twin'));
  });

  it('after EPOCH_CONFLICT the SDK forgets the world: the next save goes whole (or is refused), never at epoch 0', async () => {
    const other = new PersistdClient(daemon.address);
    try {
      const base = world('cs-conflict', 0n);
      await client.save({ worldId: 'cs-conflict', expectedEpoch: 0n, source, snapshot: base });
      await other.restore('cs-conflict', {}, ignore);
      const won = await other.save({ worldId: 'cs-conflict', expectedEpoch: 1n, source, snapshot: touchItem(restamp(base, 1n), 4) });
      expect(won.sent.rpc).toBe('SaveChanges');

      const lost = client.save({ worldId: 'cs-conflict', expectedEpoch: 1n, source, snapshot: touchItem(restamp(base, 1n), 5) });
      await expect(lost).rejects.toBeInstanceOf(EpochConflictError);
      expect(client.knownEpoch('cs-conflict')).toBeUndefined();

      // Asked for changes, it refuses to guess: nothing is sent.
      const guessed = await client.save({ worldId: 'cs-conflict', expectedEpoch: 2n, source, snapshot: restamp(base, 2n) }, { mode: 'changes' }).catch((e: unknown) => e);
      expect(isNoChangeBaseError(guessed)).toBe(true);
      const tracked = await client.saveChanges({ worldId: 'cs-conflict', expectedEpoch: 2n, source, changes: {} }).catch((e: unknown) => e);
      expect(isNoChangeBaseError(tracked)).toBe(true);

      // The stale epoch again: refused again, the world untouched (never restarted at epoch 0).
      await expect(client.save({ worldId: 'cs-conflict', expectedEpoch: 1n, source, snapshot: restamp(base, 1n) })).rejects.toBeInstanceOf(EpochConflictError);
      expect((await client.getWorldStatus('cs-conflict')).committedEpoch).toBe(2n);

      // Told the epoch (not restored), auto goes whole; from there on changes again.
      const whole = await client.save({ worldId: 'cs-conflict', expectedEpoch: 2n, source, snapshot: restamp(base, 2n) });
      expect(whole.sent.rpc).toBe('Save');
      const after = await client.save({ worldId: 'cs-conflict', expectedEpoch: 3n, source, snapshot: touchItem(restamp(base, 3n), 6) });
      expect(after.sent).toMatchObject({ rpc: 'SaveChanges', records: 1 });
    } finally {
      other.close();
    }
  });

  it('after a restore the SDK sends changes against the restored epoch', async () => {
    const base = world('cs-restore', 0n, 11);
    await client.save({ worldId: 'cs-restore', expectedEpoch: 0n, source, snapshot: base });
    await client.save({ worldId: 'cs-restore', expectedEpoch: 1n, source, snapshot: touchItem(restamp(base, 1n), 8) });
    const fresh = new PersistdClient(daemon.address);
    try {
      const seen: string[] = [];
      const restored = await fresh.restore('cs-restore', {}, { ...ignore, item: (s) => void seen.push(...s.items.map((i) => i.itemId)) });
      expect(restored.epoch).toBe(2n);
      expect(seen).toHaveLength(60);
      expect(fresh.knownEpoch('cs-restore')).toBe(2n);
      const next = touchItem(touchItem(restamp(base, 2n), 8), 9); // item 8 as stored, item 9 changed
      const saved = await fresh.save({ worldId: 'cs-restore', expectedEpoch: 2n, source, snapshot: next });
      expect(saved.sent).toMatchObject({ rpc: 'SaveChanges', records: 1 });
      expect(saved.contentDigest).toBe(await twinContentDigest(next, 'cs-restore-twin'));
    } finally {
      fresh.close();
    }
  });

  it('a change set whose answer was cut off is resent byte for byte with its request id and answers replayed', async () => {
    const [host, port] = daemon.address.split(':');
    const proxy = new FaultProxy({ host, port: Number(port) });
    const through = new PersistdClient(`127.0.0.1:${await proxy.listen()}`, { retry: { maxAttempts: 4, initialBackoffMs: 50 } });
    try {
      const base = world('cs-retry', 0n);
      await through.save({ worldId: 'cs-retry', expectedEpoch: 0n, source, snapshot: base });
      // The daemon commits and answers; the answer (it names the world) never reaches the SDK.
      proxy.cutOn({ direction: 'down', pattern: 'cs-retry', when: 'before' });
      const before = proxy.counts.bytesUp;
      const saved: SaveResult = await through.save({ worldId: 'cs-retry', expectedEpoch: 1n, requestId: 'cs-retry-1', source, snapshot: touchItem(restamp(base, 1n), 2) });
      expect(proxy.counts.cuts).toBe(1);
      expect(saved).toMatchObject({ committedEpoch: 2n, replayed: true, sent: { rpc: 'SaveChanges', requestId: 'cs-retry-1' } });
      // Two sends of the request's bytes (plus a new connection's preface and headers).
      expect(proxy.counts.bytesUp - before).toBeGreaterThanOrEqual(2 * saved.sent.requestBytes);
      expect((await client.getWorldStatus('cs-retry')).committedEpoch).toBe(2n);
      expect(through.knownEpoch('cs-retry')).toBe(2n);
    } finally {
      through.close();
      await proxy.close();
    }
  });
});
