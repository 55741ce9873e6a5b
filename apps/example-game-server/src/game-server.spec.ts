import { EpochConflictError, PersistdClient } from '@persistd/client';
import { WorldInactiveError } from './game/activation';
import type { GameWorld } from './game/world-state';
import { GameServer } from './game-server';
import type { Log } from './log';
import { startDaemonProcess, type DaemonProcess } from '@persistd/testkit';

let daemon: DaemonProcess;
const clients: PersistdClient[] = [];

beforeAll(async () => {
  daemon = await startDaemonProcess();
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await daemon?.stop();
});

function serverFor(worldId: string, log?: Log): GameServer {
  const client = new PersistdClient(daemon.address, { defaultDeadlineMs: 10_000 });
  clients.push(client);
  return new GameServer({ client, worldId, contentVersion: 'example-content-1', log });
}

/** Everything of a world that persists (runtime-only state left out), in id order, as JSON. */
function persistentView(w: GameWorld): string {
  const sorted = <T extends { id: string }>(m: Map<string, T>, pick: (x: T) => unknown) => [...m.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map(pick);
  const entries = (m: Map<string, unknown>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(
    {
      worldId: w.worldId,
      contentVersion: w.contentVersion,
      players: sorted(w.players, ({ sessionId: _s, attributes, ...p }) => ({ ...p, attributes: entries(attributes) })),
      zones: sorted(w.zones, ({ flags, ...z }) => ({ ...z, flags: entries(flags) })),
      npcs: sorted(w.npcs, ({ aiState: _a, flags, ...n }) => ({ ...n, flags: entries(flags) })),
      items: sorted(w.items, (i) => i),
      quests: sorted(w.quests, ({ objectives, ...q }) => ({ ...q, objectives: entries(objectives) })),
    },
    (_k, v) => (typeof v === 'bigint' ? `${v}n` : v),
  );
}

describe('the example game server', () => {
  it('starts a never-saved world fresh, refuses ticks until it is activated, then ticks and saves', async () => {
    const server = serverFor('fresh-start');
    expect((await server.load()).kind).toBe('fresh');
    expect(server.isActive).toBe(false);
    expect(() => server.tick()).toThrow(WorldInactiveError);
    expect(server.ticks).toBe(0);
    server.activate();
    for (let i = 0; i < 5; i++) server.tick();
    const saved = await server.save();
    expect(saved.committedEpoch).toBe(1n);
    expect(server.epoch).toBe(1n);
    await server.stop();
    expect(() => server.tick()).toThrow(WorldInactiveError); // stopped: out of play again
  });

  it('saves what changed as a change set once it knows an epoch, and logs how many records each save carried', async () => {
    const saves: Record<string, unknown>[] = [];
    const server = serverFor('change-sets', (event, fields) => event === 'saved' && saves.push(fields!));
    await server.load();
    server.activate();
    const first = await server.save();
    const unchanged = await server.save();
    server.tick();
    const ticked = await server.save();
    await server.stop();

    expect(first.sent).toMatchObject({ rpc: 'Save' });
    expect(unchanged.sent).toMatchObject({ rpc: 'SaveChanges', records: 0 });
    expect(ticked.sent.rpc).toBe('SaveChanges');
    expect(ticked.sent.records).toBeGreaterThan(0);
    expect(ticked.sent.records).toBeLessThan(ticked.sent.worldRecords);
    expect(saves.slice(0, 3).map((f) => [f.epoch, f.change_set, f.records, f.world_records])).toEqual([
      [1n, false, first.sent.worldRecords, first.sent.worldRecords],
      [2n, true, 0, first.sent.worldRecords],
      [3n, true, ticked.sent.records, ticked.sent.worldRecords],
    ]);
  });

  it('restores after a restart exactly what it saved, inactive until activated', async () => {
    const first = serverFor('restart');
    await first.load();
    first.activate();
    for (let i = 0; i < 20; i++) first.tick();
    await first.save();
    for (let i = 0; i < 20; i++) first.tick(); // changes after the timed save...
    const final = await first.stop(); // ...are in the save on shutdown
    expect(final?.committedEpoch).toBe(2n);
    const savedView = persistentView(first.world);

    const second = serverFor('restart');
    const origin = await second.load();
    expect(origin.kind).toBe('restored');
    if (origin.kind !== 'restored') return;
    expect(origin.restored).toMatchObject({ epoch: 2n, contentDigest: final!.contentDigest, isActive: false });
    expect(persistentView(second.world)).toBe(savedView);
    expect(() => second.tick()).toThrow(/tick refused: the world is not active/);
    expect(persistentView(second.world)).toBe(savedView); // the refused tick changed nothing
    second.activate();
    expect(origin.restored.isActive).toBe(true);
    second.tick();
    expect(second.ticks).toBe(1);
    const next = await second.save();
    expect(next.committedEpoch).toBe(3n); // saves descend from the restored epoch
    await second.stop();
  });

  it('fences itself on EPOCH_CONFLICT when another server saved the same world', async () => {
    const a = serverFor('contested');
    await a.load();
    a.activate();
    await a.save(); // epoch 1
    const b = serverFor('contested');
    await b.load(); // restores epoch 1
    b.activate();
    const c = serverFor('contested');
    await c.load();
    c.activate();
    await c.save(); // epoch 2: b is now behind
    b.tick();
    const fenced = b.fenced();
    await expect(b.save()).rejects.toBeInstanceOf(EpochConflictError);
    expect(await fenced).toBeInstanceOf(EpochConflictError);
    expect(b.isActive).toBe(false);
    expect(() => b.tick()).toThrow(WorldInactiveError);
    expect(await b.stop()).toBeUndefined(); // no save from a fenced server
    await a.stop().catch(() => undefined);
    await c.stop();
  });
});
