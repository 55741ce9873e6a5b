import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { toBinary, toJsonString } from '@bufbuild/protobuf';
import { WorldSnapshotSchema } from '@persistd/contract';
import { RedisStore, worldKeys } from '@persistd/store-redis';
import { deletePrefix, generateWorld, refusedWorld, smallWorld, TEST_REDIS_URL, testRedis, uniquePrefix } from '@persistd/testkit';
import { prepareEpoch, recordChunkIdsOf, sealEpochMeta } from '@persistd/validation';
import type Redis from 'ioredis';
import { commitSnapshot } from './test/commit-snapshot';
import { runCliCaptured } from './test/run-cli';
import type { Report } from './validate/report';

const WORKSPACE = resolve(__dirname, '../../..');

/** What one in-process run wrote, kept for the assertions; relative paths resolve against `cwd`. */
interface Captured {
  cwd: string;
  stdout: () => string;
  stderr: () => string;
}

function captured(cwd: string): Captured {
  return { cwd, stdout: () => '', stderr: () => '' };
}

/** `persistctl validate` in-process; no PERSISTD_* variable leaks in from the test's environment. */
async function run(argv: string[], io: Captured): Promise<number> {
  const result = await runCliCaptured(['validate', ...argv], { cwd: io.cwd });
  io.stdout = () => result.stdout;
  io.stderr = () => result.stderr;
  return result.code;
}

/** A port nothing listens on: bound, read, closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Runs a real process to its end: exit code and output. */
function spawnCli(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERSISTD_')));
  return new Promise((done) => {
    execFile(command, args, { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe('persistctl validate', () => {
  let redis: Redis;
  let store: RedisStore;
  let prefix: string;
  let dir: string;
  const stored = (worldId: string, ...more: string[]) => ['--redis-url', TEST_REDIS_URL, '--key-prefix', prefix, worldId, ...more];

  beforeAll(async () => {
    redis = testRedis();
    prefix = uniquePrefix('pv');
    store = new RedisStore({ redis: { url: TEST_REDIS_URL }, settings: { prefix, retention: 3, requestTtlSeconds: 60, stageTtlSeconds: 60 } });
    dir = await mkdtemp(join(tmpdir(), 'persist-validate-'));
  });
  afterAll(async () => {
    await store.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  /** Two committed epochs of a world (different records, so different chunks). */
  async function healthyWorld(worldId: string): Promise<{ digests: string[] }> {
    const digests = [await commitSnapshot(store, worldId, smallWorld(worldId, 0n, 1), 0n), await commitSnapshot(store, worldId, smallWorld(worldId, 1n, 2), 1n)];
    return { digests };
  }

  describe('a stored world', () => {
    it('a history mixing stored forms 1 and 2: every retained epoch checked in full and accepted', async () => {
      const digests = [
        await commitSnapshot(store, 'pv-forms', smallWorld('pv-forms', 0n, 1), 0n, 1),
        await commitSnapshot(store, 'pv-forms', smallWorld('pv-forms', 1n, 2), 1n, 2),
        await commitSnapshot(store, 'pv-forms', smallWorld('pv-forms', 2n, 3), 2n, 1),
      ];
      const io = captured(dir);
      expect(await run(stored('pv-forms', '--json'), io)).toBe(0);
      const report = JSON.parse(io.stdout()) as Report;
      expect(report.checks.map((c) => [c.epoch, c.status, c.contentDigest])).toEqual([
        ['1', 'accepted', digests[0]],
        ['2', 'accepted', digests[1]],
        ['3', 'accepted', digests[2]],
      ]);
    });

    it('healthy: every retained epoch accepted, exit 0, a readable report and a JSON one', async () => {
      const { digests } = await healthyWorld('pv-healthy');
      const io = captured(dir);
      expect(await run(stored('pv-healthy'), io)).toBe(0);
      expect(io.stdout()).toMatch(/^persistctl validate: world pv-healthy, key prefix \S+ at redis:\/\/\S+, committed epoch 2\n/);
      expect(io.stdout()).toContain(`epoch 1  accepted  4 players, 6 zones, 5 npcs, 12 items, 4 quests`);
      expect(io.stdout()).toContain(`content_digest ${digests[1]}`);
      expect(io.stdout()).toMatch(/\nresult: ACCEPTED\n$/);
      expect(io.stderr()).toBe('');

      const json = captured(dir);
      expect(await run(stored('pv-healthy', '--json'), json)).toBe(0);
      const report = JSON.parse(json.stdout()) as Report;
      expect(report.accepted).toBe(true);
      expect(report.target).toMatchObject({ kind: 'stored', worldId: 'pv-healthy', keyPrefix: prefix, committedEpoch: '2' });
      expect(report.checks.map((c) => [c.epoch, c.status, c.contentDigest])).toEqual([
        ['1', 'accepted', digests[0]],
        ['2', 'accepted', digests[1]],
      ]);
    });

    it('a chunk byte altered in one epoch: exit 1, the report names the code and the epoch, the other epoch still accepted', async () => {
      await healthyWorld('pv-altered');
      const keys = worldKeys(prefix, 'pv-altered');
      const recordChunks = async (e: bigint) => {
        const { meta, chunks } = await store.readEpoch('pv-altered', e);
        return recordChunkIdsOf(meta, chunks).flat();
      };
      const older = new Set(await recordChunks(1n));
      const own = (await recordChunks(2n)).find((id) => !older.has(id) && id !== 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')!;
      const bytes = (await redis.getBuffer(keys.chunk(own)))!;
      bytes[0] ^= 0x80;
      await redis.set(keys.chunk(own), bytes);
      const before = await redis.getBuffer(keys.chunk(own));

      const io = captured(dir);
      expect(await run(stored('pv-altered'), io)).toBe(1);
      expect(io.stdout()).toContain('epoch 1  accepted');
      expect(io.stdout()).toContain(`epoch 2  REJECTED  DIGEST_MISMATCH: chunk ${own} does not hash to its id`);
      expect(io.stdout()).toMatch(/\nresult: REJECTED \(1 of 2 rejected\)\n$/);
      expect(await redis.getBuffer(keys.chunk(own))).toEqual(before); // nothing repaired

      const json = captured(dir);
      expect(await run(stored('pv-altered', '--json'), json)).toBe(1);
      const report = JSON.parse(json.stdout()) as Report;
      expect(report.checks.map((c) => [c.epoch, c.status, c.code])).toEqual([
        ['1', 'accepted', undefined],
        ['2', 'rejected', 'DIGEST_MISMATCH'],
      ]);
    });

    it('a meta missing between retained epochs, and the committed meta missing: MISSING_COMPONENT, exit 1', async () => {
      await healthyWorld('pv-gap');
      await commitSnapshot(store, 'pv-gap', smallWorld('pv-gap', 2n, 3), 2n);
      const keys = worldKeys(prefix, 'pv-gap');
      await redis.del(keys.meta(2n));
      const io = captured(dir);
      expect(await run(stored('pv-gap', '--json'), io)).toBe(1);
      expect((JSON.parse(io.stdout()) as Report).checks.map((c) => [c.epoch, c.status, c.code])).toEqual([
        ['1', 'accepted', undefined],
        ['2', 'rejected', 'MISSING_COMPONENT'],
        ['3', 'accepted', undefined],
      ]);

      await redis.del(keys.meta(3n));
      const last = captured(dir);
      expect(await run(stored('pv-gap'), last)).toBe(1);
      expect(last.stdout()).toContain('epoch 3  REJECTED  MISSING_COMPONENT: meta of retained epoch 3 is absent');
    });

    it('an intact epoch that breaks a structural rule: exit 1 with the violation listed', async () => {
      const worldId = 'pv-dangling';
      const keys = worldKeys(prefix, worldId);
      const snapshot = smallWorld(worldId);
      const quest = snapshot.quests!.quests[2];
      quest.playerId = 'nobody';
      const prepared = prepareEpoch(snapshot, { worldId, requestId: 'forged', principal: 'test', committedAtMs: 1n });
      for (const c of prepared.chunks) await redis.set(keys.chunk(c.id), Buffer.from(c.bytes));
      await redis.set(keys.meta(1n), Buffer.from(sealEpochMeta(prepared.unsealed, 1n).bytes));
      await redis.set(keys.epoch, '1');

      const io = captured(dir);
      expect(await run(stored(worldId), io)).toBe(1);
      expect(io.stdout()).toContain('epoch 1  REJECTED  DANGLING_REFERENCE: epoch 1 breaks 1 structural rule(s)');
      expect(io.stdout()).toContain(`DANGLING_REFERENCE  quest ${quest.questId}  quests[${quest.questId}].player_id: player_id names PlayerRecord "nobody", which is not in the snapshot`);
      const json = captured(dir);
      expect(await run(stored(worldId, '--json'), json)).toBe(1);
      expect((JSON.parse(json.stdout()) as Report).checks[0].violations).toEqual([
        { code: 'DANGLING_REFERENCE', system: 'OWNER_SYSTEM_QUEST', recordId: quest.questId, path: `quests[${quest.questId}].player_id`, message: expect.stringContaining('"nobody"') },
      ]);
    });

    it('an epoch pointer that is not a number: exit 1, the pointer named', async () => {
      await redis.set(worldKeys(prefix, 'pv-pointer').epoch, 'two');
      const io = captured(dir);
      expect(await run(stored('pv-pointer'), io)).toBe(1);
      expect(io.stdout()).toContain('epoch pointer  REJECTED  DIGEST_MISMATCH');
    });

    it('a world never saved: exit 1 (a world that does not exist, as in every persistctl command), no report', async () => {
      const io = captured(dir);
      expect(await run(stored('pv-never'), io)).toBe(1);
      expect(io.stdout()).toBe('');
      expect(io.stderr()).toBe(`persistctl validate: WORLD_NOT_FOUND: world pv-never was never saved under key prefix ${prefix} at ${TEST_REDIS_URL}\n`);
    });

    it('an unreachable Redis: exit 2, and no credential in the message', async () => {
      const io = captured(dir);
      const url = `redis://admin:s3cret@127.0.0.1:${await closedPort()}`;
      expect(await run(['--redis-url', url, '--key-prefix', prefix, 'pv-healthy'], io)).toBe(2);
      expect(io.stdout()).toBe('');
      expect(io.stderr()).toMatch(/^persistctl validate: cannot read Redis at redis:\/\/127\.0\.0\.1:\d+: /);
      expect(io.stderr()).not.toContain('s3cret');
    });
  });

  describe('a snapshot file', () => {
    const write = async (name: string, bytes: Uint8Array | string) => {
      await writeFile(join(dir, name), bytes);
      return name;
    };

    it('a valid world in binary and in JSON form: exit 0 with its counts and content_digest', async () => {
      const world = generateWorld({ worldId: 'pv-file', players: 7, zones: 3, npcs: 4, items: 9, quests: 5, epoch: 4n, seed: 9 });
      const digest = prepareEpoch(generateWorld({ worldId: 'pv-file', players: 7, zones: 3, npcs: 4, items: 9, quests: 5, epoch: 4n, seed: 9 }), { worldId: 'pv-file', requestId: 'r', principal: 'p', committedAtMs: 0n }).contentDigest;
      for (const name of [await write('valid.bin', toBinary(WorldSnapshotSchema, world)), await write('valid.json', toJsonString(WorldSnapshotSchema, world, { prettySpaces: 2 }))]) {
        const io = captured(dir);
        expect(await run(['--file', name], io)).toBe(0);
        expect(io.stdout()).toContain(`as a save of world pv-file from epoch 4`);
        expect(io.stdout()).toContain(`snapshot  accepted  7 players, 3 zones, 4 npcs, 9 items, 5 quests  content_digest ${digest}`);
      }
      const io = captured(dir);
      expect(await run(['--file', join(dir, 'valid.json'), '--json'], io)).toBe(0);
      expect(JSON.parse(io.stdout())).toMatchObject({ accepted: true, target: { kind: 'file', format: 'json', worldId: 'pv-file', expectedEpoch: '4' } });
    });

    it('an invalid world: exit 1, every violation listed in canonical order', async () => {
      const world = smallWorld('pv-file');
      world.quests!.quests[0].playerId = 'nobody';
      world.items!.items[0].quantity = 0;
      world.npcs!.npcs[0].aiState = 'chasing'; // runtime-only
      const name = await write('invalid.json', toJsonString(WorldSnapshotSchema, world));
      const io = captured(dir);
      expect(await run(['--file', name, '--json'], io)).toBe(1);
      const report = JSON.parse(io.stdout()) as Report;
      expect(report.checks[0].code).toBe('RUNTIME_STATE');
      expect(report.checks[0].violations.map((v) => v.code)).toEqual(['RUNTIME_STATE', 'INVALID_FIELD', 'DANGLING_REFERENCE']);

      const text = captured(dir);
      expect(await run(['--file', name], text)).toBe(1);
      expect(text.stdout()).toContain('snapshot  REJECTED  RUNTIME_STATE: ');
      expect(text.stdout()).toContain(`DANGLING_REFERENCE  quest ${world.quests!.quests[0].questId}  quests[${world.quests!.quests[0].questId}].player_id`);
      expect(text.stdout()).toContain('      showing 3 of 3 violations\n');
    });

    it('a world with 5,000 violations: the readable report lists the first 1,000 and says how many there were; JSON keeps them all', async () => {
      const name = await write('flood.pb', toBinary(WorldSnapshotSchema, refusedWorld('dangling-items', 'pv-file', 5_000).snapshot));
      const text = captured(dir);
      expect(await run(['--file', name], text)).toBe(1);
      expect(text.stdout().split('\n').filter((l) => l.startsWith('      DANGLING_REFERENCE  item '))).toHaveLength(1_000);
      expect(text.stdout()).toContain('      showing 1000 of 5000 violations\n');
      const json = captured(dir);
      expect(await run(['--file', name, '--json'], json)).toBe(1);
      expect((JSON.parse(json.stdout()) as Report).checks[0].violations).toHaveLength(5_000);
    });

    it('judged as a save of another world or epoch when asked: WORLD_MISMATCH, MIXED_EPOCH', async () => {
      const name = await write('other.pb', toBinary(WorldSnapshotSchema, smallWorld('pv-file', 2n)));
      const io = captured(dir);
      expect(await run(['--file', name, '--world-id', 'another', '--expected-epoch', '3', '--json'], io)).toBe(1);
      expect((JSON.parse(io.stdout()) as Report).checks[0].violations.map((v) => v.code)).toEqual(['MIXED_EPOCH', 'MIXED_EPOCH', 'MIXED_EPOCH', 'MIXED_EPOCH', 'MIXED_EPOCH', 'WORLD_MISMATCH']);
    });

    it('a file that is missing, does not parse, or is of another format: exit 2', async () => {
      const cases: [string[], RegExp][] = [
        [['--file', 'absent.bin'], /^persistctl validate: cannot read absent\.bin: ENOENT/],
        // A players section promising 5 bytes, holding 1.
        [['--file', await write('garbage.bin', Buffer.from([0x12, 0x05, 0x01]))], /does not parse as a binary WorldSnapshot/],
        [['--file', await write('broken.json', '{"schemaVersion": 1, ')], /does not parse as a json WorldSnapshot/],
        [['--file', await write('unknown-field.json', '{"schemaVersion": 1, "notAField": 2}')], /does not parse as a json WorldSnapshot/],
        [['--file', await write('world.bin.txt', '{}')], /cannot tell the format/],
      ];
      for (const [argv, message] of cases) {
        const io = captured(dir);
        expect([argv, await run(argv, io)]).toEqual([argv, 2]);
        expect(io.stderr()).toMatch(message);
        expect(io.stdout()).toBe('');
      }
    });
  });

  describe('the real process', () => {
    it('npx tsx main.ts validate: exit 0 on a healthy world, 1 on a damaged one, 2 on a bad file', async () => {
      await healthyWorld('pv-proc');
      const main = 'tools/persistctl/src/main.ts';
      const healthy = await spawnCli('npx', ['tsx', main, 'validate', ...stored('pv-proc')], WORKSPACE);
      expect([healthy.code, healthy.stderr]).toEqual([0, '']);
      expect(healthy.stdout).toMatch(/result: ACCEPTED\n$/);

      await redis.del(worldKeys(prefix, 'pv-proc').meta(2n));
      const damaged = await spawnCli('npx', ['tsx', main, 'validate', ...stored('pv-proc')], WORKSPACE);
      expect(damaged.code).toBe(1);
      expect(damaged.stdout).toContain('epoch 2  REJECTED  MISSING_COMPONENT');

      const badFile = await spawnCli('npx', ['tsx', main, 'validate', '--file', join(dir, 'nothing-here.json')], WORKSPACE);
      expect(badFile.code).toBe(2);
      expect(badFile.stderr).toMatch(/cannot read .*nothing-here\.json/);
    });
  });
});
