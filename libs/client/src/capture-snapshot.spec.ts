import { create, fromBinary } from '@bufbuild/protobuf';
import { QuestStatus, SaveRequestSchema, SaveResponseSchema, StateSource, type ItemRecord, type PlayerRecord, type SaveRequest, type ZoneRecord, type NpcRecord } from '@persistd/contract';
import { smallWorld } from '@persistd/testkit';
import { captureSnapshot, SNAPSHOT_SCHEMA_VERSION, type SnapshotOwners } from './capture-snapshot';
import { PersistdClient } from './persistd-client';
import { startTestServer, type TestServer } from './test/grpc-test-server';

/** A game's live state: protobuf messages for players, zones, NPCs and items; plain objects for quests. */
interface Runtime {
  players: PlayerRecord[];
  zones: ZoneRecord[];
  npcs: NpcRecord[];
  items: ItemRecord[];
  quests: { questId: string; playerId: string; templateId: string; stage: number; status: QuestStatus; objectives: Record<string, number> }[];
}

function runtimeWorld(): Runtime {
  const w = smallWorld('w1');
  return {
    players: w.players!.players,
    zones: w.world!.zones,
    npcs: w.npcs!.npcs,
    items: w.items!.items,
    quests: [{ questId: 'q1', playerId: w.players!.players[0].playerId, templateId: 'quest-tpl-1', stage: 2, status: QuestStatus.ACTIVE, objectives: { kill_wolves: 3 } }],
  };
}

const ownersOf = (rt: Runtime, epoch = 7n): SnapshotOwners => ({
  worldId: 'w1',
  contentVersion: 'content-1.0.0',
  epoch,
  players: () => rt.players,
  world: () => rt.zones,
  npcs: () => rt.npcs,
  items: () => rt.items,
  quests: () => rt.quests,
});

let server: TestServer;
let client: PersistdClient;
let saved: SaveRequest | undefined;

beforeAll(async () => {
  server = await startTestServer({
    save: (call, callback) => {
      saved = fromBinary(SaveRequestSchema, call.request);
      callback(null, create(SaveResponseSchema, { worldId: saved.worldId, committedEpoch: saved.expectedEpoch + 1n }));
    },
  });
  client = new PersistdClient(server.address);
});

afterAll(async () => {
  client.close();
  await server.stop();
});

/** Lets every queued microtask, nextTick, promise job and immediate run. */
const drain = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe('captureSnapshot', () => {
  it('stamps all five sections with the epoch, the schema version and the world', () => {
    const rt = runtimeWorld();
    const s = captureSnapshot(ownersOf(rt, 7n));
    expect(s.schemaVersion).toBe(SNAPSHOT_SCHEMA_VERSION);
    for (const section of [s.players, s.world, s.npcs, s.items, s.quests]) expect(section).toMatchObject({ sourceEpoch: 7n, schemaVersion: 1 });
    expect(s.world).toMatchObject({ worldId: 'w1', contentVersion: 'content-1.0.0' });
    expect([s.players!.players.length, s.world!.zones.length, s.npcs!.npcs.length, s.items!.items.length, s.quests!.quests.length]).toEqual([4, 6, 5, 12, 1]);
  });

  it('keeps out of the saved snapshot every mutation scheduled while it ran', async () => {
    const rt = runtimeWorld();
    const p0 = rt.players[0];
    const before = { level: p0.save!.level, x: p0.save!.position!.x, strength: p0.save!.attributes.strength, item0: rt.items[0].quantity, npcs: rt.npcs.length, objective: rt.quests[0].objectives.kill_wolves };
    const owners = ownersOf(rt);
    const players = owners.players;
    owners.players = () => {
      // The game loop queues work while the snapshot is being taken: none of it may run in between.
      queueMicrotask(() => (p0.save!.level = 99));
      process.nextTick(() => (p0.save!.position!.x = -1));
      void Promise.resolve().then(() => (p0.save!.attributes.strength = 1234n));
      setImmediate(() => (rt.items[0].quantity = 777));
      setTimeout(() => rt.npcs.pop(), 0);
      void Promise.resolve().then(() => (rt.quests[0].objectives.kill_wolves = 50));
      return players();
    };
    const snapshot = captureSnapshot(owners);
    await drain();
    // the runtime did change...
    expect([p0.save!.level, p0.save!.position!.x, p0.save!.attributes.strength, rt.items[0].quantity, rt.npcs.length, rt.quests[0].objectives.kill_wolves]).toEqual([99, -1, 1234n, 777, before.npcs - 1, 50]);
    // ...and the save, sent afterwards, carries the state of the moment of the capture.
    await client.save({ worldId: 'w1', expectedEpoch: 7n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
    const sent = saved!.snapshot!;
    const sp0 = sent.players!.players.find((p) => p.playerId === p0.playerId)!;
    expect(sp0.save!.level).toBe(before.level);
    expect(sp0.save!.position!.x).toBe(before.x);
    expect(sp0.save!.attributes.strength).toBe(before.strength);
    expect(sent.items!.items.find((i) => i.itemId === rt.items[0].itemId)!.quantity).toBe(before.item0);
    expect(sent.npcs!.npcs).toHaveLength(before.npcs);
    expect(sent.quests!.quests[0].objectives.kill_wolves).toBe(before.objective);
  });

  it('shares no object with the runtime, for messages and plain fields alike', () => {
    const rt = runtimeWorld();
    const s = captureSnapshot(ownersOf(rt));
    rt.players[0].identity!.displayName = 'Changed';
    rt.zones[0].flags.pvp = 'on';
    const held = rt.items.find((i) => i.location.case === 'inventory')!.location;
    if (held.case === 'inventory') held.value.slot = 999;
    rt.quests[0].objectives.kill_wolves = 9;
    rt.players.push(rt.players[0]);
    expect(s.players!.players[0].identity!.displayName).not.toBe('Changed');
    expect(s.world!.zones[0].flags.pvp).not.toBe('on');
    expect(s.items!.items.some((i) => i.location.case === 'inventory' && i.location.value.slot === 999)).toBe(false);
    expect(s.quests!.quests[0].objectives.kill_wolves).toBe(3);
    expect(s.players!.players).toHaveLength(4);
  });

  it('refuses a provider that returns a promise or no records', () => {
    const rt = runtimeWorld();
    const asyncItems = { ...ownersOf(rt), items: (() => Promise.resolve(rt.items)) as unknown as SnapshotOwners['items'] };
    expect(() => captureSnapshot(asyncItems)).toThrow(/owners\.items returned a promise/);
    const none = { ...ownersOf(rt), quests: (() => undefined) as unknown as SnapshotOwners['quests'] };
    expect(() => captureSnapshot(none)).toThrow(/owners\.quests must return an iterable/);
  });

  it('takes every provider in one pass, in restore order', () => {
    const rt = runtimeWorld();
    const order: string[] = [];
    const owners = ownersOf(rt);
    for (const key of ['quests', 'items', 'npcs', 'world', 'players'] as const) {
      const inner = owners[key] as () => unknown;
      (owners as unknown as Record<string, unknown>)[key] = () => (order.push(key), inner());
    }
    captureSnapshot(owners);
    expect(order).toEqual(['players', 'world', 'npcs', 'items', 'quests']);
  });
});
