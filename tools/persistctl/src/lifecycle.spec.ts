import { PersistdClient } from '@persistd/client';
import { StateSource, type WorldSnapshot } from '@persistd/contract';
import { type DaemonProcess, smallWorld, startDaemonProcess, testRedis } from '@persistd/testkit';
import type Redis from 'ioredis';
import { runCliCaptured } from './test/run-cli';

let daemon: DaemonProcess;
let client: PersistdClient;
let redis: Redis;

beforeAll(async () => {
  daemon = await startDaemonProcess({ PERSISTD_RETENTION: '3' }, 'lc');
  client = new PersistdClient(daemon.address);
  redis = testRedis();
}, 120_000);

afterAll(async () => {
  client.close();
  redis.disconnect();
  await daemon?.stop();
});

const conn = () => ['--address', daemon.address];
const store = () => ['--redis-url', daemon.redisUrl, '--key-prefix', daemon.prefix, '--retention', '3'];

const save = (worldId: string, expectedEpoch: bigint, snapshot: WorldSnapshot) =>
  client.save({ worldId, expectedEpoch, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });

/** STRLEN of every chunk and meta key of a world, found by SCAN: the bytes `worlds` should report when every key is retained. */
async function keptBytes(worldId: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${daemon.prefix}:{${worldId}}:*`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) if (/:(chunk|meta):/.test(k)) total += await redis.strlen(k);
  } while (cursor !== '0');
  return total;
}

/** smallWorld without player `p` and everything that refers to it (their items and quests). */
function without(snapshot: WorldSnapshot, p: string): WorldSnapshot {
  snapshot.players!.players = snapshot.players!.players.filter((x) => x.playerId !== p);
  snapshot.items!.items = snapshot.items!.items.filter((i) => !(i.location.case === 'inventory' && i.location.value.playerId === p));
  snapshot.quests!.quests = snapshot.quests!.quests.filter((q) => q.playerId !== p);
  return snapshot;
}

describe('persistctl worlds', () => {
  const names = ['eu-1', 'eu-2', 'eu-3', 'eu-4', 'us-1', 'us-2', 'us-3', 'us-4', 'gone-1'];
  beforeAll(async () => {
    for (const [i, w] of names.entries()) {
      for (let e = 0n; e < BigInt(1 + (i % 3)); e++) await save(w, e, smallWorld(w, e, 1 + Number(e)));
    }
    await client.deleteWorld('gone-1', 3n);
  }, 60_000);

  it('lists and sizes every world: epochs, records, stored form, bytes (as counted), last commit and principal', async () => {
    const run = await runCliCaptured(['worlds', '--json', ...store()]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const doc = JSON.parse(run.stdout) as { stored_bytes_counted_as: string; worlds: Array<Record<string, unknown>> };
    expect(doc.stored_bytes_counted_as).toContain('STRLEN');
    expect(doc.worlds.map((w) => w.world_id)).toEqual([...names].sort());
    for (const [i, name] of names.entries()) {
      const w = doc.worlds.find((x) => x.world_id === name)!;
      if (name === 'gone-1') {
        expect(w).toMatchObject({ committed_epoch: '0', deleted_epoch: '3', retained_epochs: [], stored_bytes: 0 });
        continue;
      }
      const epochs = 1 + (i % 3);
      expect(w).toMatchObject({
        committed_epoch: String(epochs),
        deleted_epoch: '0',
        retained_epochs: Array.from({ length: epochs }, (_, k) => String(k + 1)),
        counts: { players: 4, zones: 6, npcs: 5, items: 12, quests: 4 },
        stored_form: 2,
        principal: 'anonymous',
      });
      expect(w.stored_bytes).toBe(await keptBytes(name));
      expect(Date.now() - Date.parse(w.committed_at as string)).toBeLessThan(10 * 60_000);
    }
  });

  it('--match narrows by world glob; text output has one line per world after a header', async () => {
    const run = await runCliCaptured(['worlds', '--match', 'eu-*', ...store()]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(['world', 'state', 'retained', 'records', 'form', 'bytes', 'last commit', 'principal'].join('\t'));
    expect(lines.slice(1).map((l) => l.split('\t')[0])).toEqual(['eu-1', 'eu-2', 'eu-3', 'eu-4']);
    expect(lines[1]!.split('\t').slice(1, 4)).toEqual(['epoch 1', '1', '4p 6z 5n 12i 4q']);
    const bad = await runCliCaptured(['worlds', '--match', 'eu:{x}', ...store()]);
    expect(bad.code).toBe(2);
  });
});

describe('persistctl delete', () => {
  it('--dry-run deletes nothing; a stale epoch is EPOCH_CONFLICT (exit 1); the right one deletes; a repeat answers the same', async () => {
    for (let e = 0n; e < 2n; e++) await save('del-cli', e, smallWorld('del-cli', e, 1));
    const dry = await runCliCaptured(['delete', 'del-cli', '--epoch', '2', '--dry-run', ...conn()]);
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain('would delete del-cli at epoch 2');
    expect((await client.getWorldStatus('del-cli')).committedEpoch).toBe(2n);
    const stale = await runCliCaptured(['delete', 'del-cli', '--epoch', '1', ...conn()]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('EPOCH_CONFLICT');
    const first = await runCliCaptured(['delete', 'del-cli', '--epoch', '2', ...conn()]);
    expect(first).toMatchObject({ code: 0, stdout: 'deleted del-cli at epoch 2; its next save starts at epoch 3\n' });
    expect(await runCliCaptured(['delete', 'del-cli', '--epoch', '2', ...conn()])).toEqual(first);
    const status = await runCliCaptured(['status', 'del-cli', ...conn()]);
    expect(status.stdout).toMatch(/committed\s+0 \(deleted at epoch 2; a new save starts at 3\)/);
    const gone = await runCliCaptured(['delete', 'del-cli', '--epoch', '1', '--dry-run', ...conn()]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('WORLD_NOT_FOUND');
  });
});

describe('persistctl find-player', () => {
  it('lists the retained epochs that hold a player, until saves without them move retention past', async () => {
    const w = 'erase-1';
    const base = smallWorld(w, 0n, 7);
    const p = base.players!.players[0]!.playerId;
    const held = { items: base.items!.items.filter((i) => i.location.case === 'inventory' && i.location.value.playerId === p).length, quests: base.quests!.quests.filter((q) => q.playerId === p).length };
    await save(w, 0n, base);
    const epochsHolding = async () => {
      const run = await runCliCaptured(['find-player', p, '--world', w, '--json', ...store()]);
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as { epochs: Array<{ epoch: string; player: boolean; items: string[]; quests: string[] }> }).epochs;
    };
    expect(await epochsHolding()).toEqual([{ world_id: w, epoch: '1', player: true, items: expect.any(Array), quests: expect.any(Array) }]);
    expect((await epochsHolding())[0]!.items).toHaveLength(held.items);
    expect((await epochsHolding())[0]!.quests).toHaveLength(held.quests);
    // Retention 3: epoch 1 stays retained through epochs 2 and 3, and leaves with epoch 4.
    for (const e of [1n, 2n]) {
      await save(w, e, without(smallWorld(w, e, 7), p));
      expect((await epochsHolding()).map((h) => h.epoch)).toEqual(['1']);
    }
    await save(w, 3n, without(smallWorld(w, 3n, 7), p));
    expect(await epochsHolding()).toEqual([]);
    // Without --world every world is searched: another world still holds a player of that id, erase-1 no longer does.
    await save('erase-2', 0n, smallWorld('erase-2', 0n, 7));
    const all = await runCliCaptured(['find-player', p, ...store()]);
    expect(all.stdout).toContain(`erase-2\tepoch 1\tplayer yes`);
    expect(all.stdout).not.toContain(w);
    const none = await runCliCaptured(['find-player', 'nobody-here', ...store()]);
    expect(none.stdout).toMatch(/^nobody-here: no retained epoch of \d+ world\(s\) holds this player's records\n$/);
  });
});
