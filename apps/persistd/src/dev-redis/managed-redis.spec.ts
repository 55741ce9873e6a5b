import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, PersistenceService } from '@persistd/contract';
import { processRuns } from '@persistd/redis-process';
import { daemonBundle, DaemonChildProcess, exited, type LogEntry, openPrivateNetwork, type PrivateNetwork, removeDaemonBundle, smallWorld, track } from '@persistd/testkit';
import { canonicalBytes, collect, reassemble } from '../test/restore-helpers';
import { saveRequest } from '../test/test-daemon';

/**
 * PERSISTD_DEV_REDIS (what `npm start` passes), with real processes in a private network where
 * nothing answers on 127.0.0.1:6379: the daemon runs a durable Redis of its own whose data
 * survives a restart, never outlives the daemon however it ends, and is never started without
 * the flag, in strict mode, or without a binary.
 */

const ROOT = join(__dirname, '../../../..');

/** The daemon's arguments in `npm start`, which must be what asks for the development Redis. */
const npmStartArgs = (): string[] => {
  const start: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  return start.split('dist/apps/persistd/main.js')[1]!.trim().split(/\s+/);
};
const startedLine = (e: LogEntry) => String(e.msg).startsWith('development Redis: started');

/** Waits (bounded: a loaded machine is slow) until the process no longer runs. */
async function gone(pid: number, withinMs = 10_000): Promise<boolean> {
  for (const end = Date.now() + withinMs; Date.now() < end; await sleep(50)) if (!processRuns(pid)) return true;
  return !processRuns(pid);
}

/** The pids of a process's children (all threads': save workers are threads, not processes). */
function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number),
  );
}

describe('development Redis (PERSISTD_DEV_REDIS, child processes in a private network)', () => {
  let net: PrivateNetwork;
  const dirs: string[] = [];
  const daemons: DaemonChildProcess[] = [];

  beforeAll(async () => {
    net = await openPrivateNetwork();
  });
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop();
  });
  afterAll(async () => {
    await net.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await removeDaemonBundle();
  });

  const checkout = () => {
    const dir = mkdtempSync(join(tmpdir(), 'persistd-devredis-'));
    dirs.push(dir);
    return dir;
  };
  const daemon = async (env: Record<string, string>, cwd: string, inNet = net, args: string[] = []) => {
    const d = DaemonChildProcess.launch({ entry: await daemonBundle(), env: { PERSISTD_LISTEN: '127.0.0.1:0', PERSISTD_SAVE_WORKERS: '0', ...env }, cwd, wrap: (argv) => inNet.wrap([...argv, ...args]) });
    daemons.push(d);
    return d;
  };
  const managedPid = async (d: DaemonChildProcess) => Number((await d.waitForLog(startedLine)).redisPid);

  it('npm start asks for it; the production image and compose file never do', () => {
    expect(npmStartArgs()).toEqual(['--dev-redis', 'true']);
    const dockerfile = readFileSync(join(ROOT, 'apps/persistd/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^CMD \["node", "--enable-source-maps", "\/app\/dist\/main.js"\]$/m);
    for (const text of [dockerfile, readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')]) expect(text).not.toMatch(/DEV_REDIS|dev-redis/);
  });

  it("from a clean data folder, npm start's Redis keeps a saved world across a restart of the daemon", async () => {
    const cwd = checkout();
    const world = smallWorld('dev-redis-world');

    const first = await daemon({}, cwd, net, npmStartArgs());
    const firstRedis = await managedPid(first);
    const started = first.logs().find(startedLine)!;
    expect(started.dataDir).toBe(join(cwd, '.persistd/redis'));
    expect(first.logs().filter(startedLine)).toHaveLength(1);
    const port = Number((await first.listening()).split(':').pop());
    const client = createClient(PersistenceService, `unix://${await net.relay(port)}`);
    const saved = await client.save(saveRequest('dev-redis-world', world), { deadline: Date.now() + 20_000 });
    client.close();
    expect(saved.committedEpoch).toBe(1n);
    expect(await first.stop()).toEqual({ code: 0, signal: null, escalated: false });
    expect(await gone(firstRedis)).toBe(true);
    expect(existsSync(join(cwd, '.persistd/redis/appendonlydir'))).toBe(true);

    // A new network as well: nothing of the first run answers anywhere.
    const net2 = await openPrivateNetwork();
    try {
      const second = await daemon({}, cwd, net2, npmStartArgs());
      const secondRedis = await managedPid(second);
      expect(secondRedis).not.toBe(firstRedis);
      const port2 = Number((await second.listening()).split(':').pop());
      const client2 = createClient(PersistenceService, `unix://${await net2.relay(port2)}`);
      try {
        const status = await client2.getWorldStatus({ worldId: 'dev-redis-world' }, { deadline: Date.now() + 20_000 });
        expect(status.committedEpoch).toBe(1n);
        const restored = reassemble(await collect(client2, 'dev-redis-world'));
        expect(canonicalBytes(restored)).toEqual(canonicalBytes(world));
      } finally {
        client2.close();
      }
      expect(await second.stop()).toEqual({ code: 0, signal: null, escalated: false });
      expect(await gone(secondRedis)).toBe(true);
    } finally {
      await net2.close();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: the daemon stops gracefully and its Redis is gone after it', async (signal) => {
    const d = await daemon({ PERSISTD_DEV_REDIS: 'true' }, checkout());
    const redisPid = await managedPid(d);
    await d.listening();
    expect(processRuns(redisPid)).toBe(true);
    d.signal(signal);
    expect(await d.exited).toEqual({ code: 0, signal: null });
    expect(await gone(redisPid)).toBe(true);
  });

  it('SIGKILL: the killed daemon runs no code, and its Redis exits by itself; the next start takes the folder over', async () => {
    const cwd = checkout();
    const d = await daemon({ PERSISTD_DEV_REDIS: 'true' }, cwd);
    const redisPid = await managedPid(d);
    await d.listening();
    d.signal('SIGKILL');
    expect(await d.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await gone(redisPid)).toBe(true);
    // The killed daemon's lock is still on disk; its owner is gone, so it does not block.
    expect(existsSync(join(cwd, '.persistd/redis/persistd.lock'))).toBe(true);
    const next = await daemon({ PERSISTD_DEV_REDIS: 'true' }, cwd);
    await managedPid(next);
    await next.listening();
  });

  it('if its Redis dies, the daemon exits saying so', async () => {
    const d = await daemon({ PERSISTD_DEV_REDIS: 'true' }, checkout());
    const redisPid = await managedPid(d);
    await d.listening();
    process.kill(redisPid, 'SIGKILL');
    expect(await d.exited).toEqual({ code: 1, signal: null });
    expect(d.logs().some((e) => e.level === 60 && String(e.msg).startsWith(`development Redis (pid ${redisPid}) exited (SIGKILL): persistd stops with it`))).toBe(true);
  });

  it('a daemon that fails after starting its Redis (its port is taken) takes that Redis with it', async () => {
    const holder = await daemon({}, checkout());
    const taken = await holder.listening();
    const d = await daemon({ PERSISTD_DEV_REDIS: 'true', PERSISTD_LISTEN: taken }, checkout());
    const redisPid = await managedPid(d);
    expect(await d.exited).toEqual({ code: 1, signal: null });
    expect(await gone(redisPid)).toBe(true);
  });

  it('one daemon at a time per data folder: a second is refused (exit 2) and the first keeps its Redis', async () => {
    const cwd = checkout();
    const first = await daemon({ PERSISTD_DEV_REDIS: 'true' }, cwd);
    const redisPid = await managedPid(first);
    await first.listening();
    const second = await daemon({ PERSISTD_DEV_REDIS: 'true' }, cwd);
    expect(await second.exited).toEqual({ code: 2, signal: null });
    expect(second.stderr()).toBe(`persistd: PERSISTD_DEV_REDIS: ${join(cwd, '.persistd/redis')} is in use by persistd pid ${first.child.pid}; stop that daemon first (or remove ${join(cwd, '.persistd/redis/persistd.lock')} if that pid is not persistd)\n`);
    expect(processRuns(redisPid)).toBe(true);
  });

  it('with no redis-server on PATH, exits 2 with one line saying how to get one', async () => {
    const emptyBin = checkout();
    const d = await daemon({ PERSISTD_DEV_REDIS: 'true', PATH: emptyBin }, checkout());
    expect(await d.exited).toEqual({ code: 2, signal: null });
    expect(d.stderr()).toBe(
      'persistd: PERSISTD_DEV_REDIS: no redis-server on PATH; install one (Debian/Ubuntu: apt-get install redis-server; Homebrew: brew install redis) or run docker compose up\n',
    );
  });

  it('strict durability refuses the flag (exit 2), starting nothing', async () => {
    const cwd = checkout();
    const d = await daemon({ PERSISTD_DEV_REDIS: 'true', PERSISTD_DURABILITY: 'strict' }, cwd);
    expect(await d.exited).toEqual({ code: 2, signal: null });
    expect(d.stderr()).toMatch(/^persistd: PERSISTD_DEV_REDIS is for development and PERSISTD_DURABILITY=strict refuses it: point PERSISTD_REDIS_URL or PERSISTD_REDIS_CLUSTER at a Redis set up for durability\n$/);
    expect(d.logs().some(startedLine)).toBe(false);
    expect(existsSync(join(cwd, '.persistd'))).toBe(false);
  });

  it('with a Redis answering at the default address, uses it and starts none', async () => {
    const own = await openPrivateNetwork();
    const [cmd, ...args] = own.wrap([process.env.REDIS_SERVER ?? '/usr/bin/redis-server', '--port', '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', checkout()]);
    const redis = track(spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'ignore'] }));
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        redis.stdout!.on('data', (b: Buffer) => (out += b.toString()).includes('Ready to accept connections') && resolve());
        redis.once('exit', () => reject(new Error(`redis-server exited: ${out}`)));
      });
      const d = await daemon({}, checkout(), own, npmStartArgs());
      await d.listening();
      expect(d.logs().some((e) => e.msg === 'development Redis not needed: a Redis answers at 127.0.0.1:6379')).toBe(true);
      expect(d.logs().find((e) => String(e.msg).startsWith('persistd listening'))?.redis).toBe('redis://127.0.0.1:6379');
      expect(d.logs().some(startedLine)).toBe(false);
      expect(childrenOf(d.child.pid!)).toEqual([]);
      expect(await d.stop()).toEqual({ code: 0, signal: null, escalated: false });
    } finally {
      redis.kill('SIGKILL');
      await exited(redis);
      await own.close();
    }
  });

  it('without the flag, or with a Redis configured, nothing is spawned even though no Redis answers', async () => {
    const without = await daemon({}, checkout());
    const configured = await daemon({ PERSISTD_DEV_REDIS: 'true', PERSISTD_REDIS_URL: 'redis://127.0.0.1:6390' }, checkout());
    for (const d of [without, configured]) await d.listening();
    // Both keep retrying their unreachable Redis meanwhile; neither ever forks one.
    await sleep(1500);
    for (const d of [without, configured]) {
      expect(childrenOf(d.child.pid!)).toEqual([]);
      expect(d.logs().some(startedLine)).toBe(false);
    }
  });
});
