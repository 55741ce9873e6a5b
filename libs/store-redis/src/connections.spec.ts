import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { TEST_REDIS_URL } from '@persistd/testkit';
import type Redis from 'ioredis';
import { commitEpoch } from './commit';
import { createCommitConnection, whenReady } from './connections';
import { CommitPool } from './commit-pool';
import { worldKeys } from './keys';
import { Harness, commitInput, randomContent } from './test/fixtures';

const W = 'world-c';
const clientId = async (conn: Redis) => Number(await conn.client('ID'));

describe('commit connections (ioredis issue 1686 regression)', () => {
  let h: Harness;
  let pool: CommitPool;
  beforeEach(() => {
    h = new Harness();
    pool = new CommitPool({ url: TEST_REDIS_URL });
  });
  afterEach(async () => {
    pool.close();
    await h.cleanup();
  });

  /** Kills a client from the test connection and waits until Redis no longer lists it. */
  async function kill(id: number): Promise<void> {
    expect(await h.redis.call('CLIENT', 'KILL', 'ID', String(id))).toBe(1);
    for (let i = 0; i < 50 && String(await h.redis.call('CLIENT', 'LIST', 'ID', String(id))).trim() !== ''; i++) await sleep(10);
  }

  it('a connection killed between WATCH and MULTI commits nothing: STORE_UNAVAILABLE, then a second attempt commits', async () => {
    const content = randomContent(4);
    const k = worldKeys(h.prefix, W);
    const touched = k.chunk(content.chunks[0]!.id);
    let watchedBy: number | undefined;
    const first = commitInput(W, content, {
      expectedEpoch: 0n,
      requestId: 'r1',
      onWatched: async ({ clientId: id }) => {
        watchedBy = id;
        await kill(id);
        // A change the lost WATCH was there to catch: had the connection reconnected and run
        // MULTI/EXEC unwatched, the epoch would have committed without this chunk.
        expect(await h.redis.del(touched)).toBe(1);
        await sleep(50); // let the client see the close
      },
    });
    await expect(commitEpoch(pool, h.settings(), first)).rejects.toMatchObject({ name: 'StoreError', code: 'STORE_UNAVAILABLE' });
    expect(watchedBy).toBeGreaterThan(0);
    expect(await h.redis.exists(k.epoch, k.meta(1n), k.req('r1'))).toBe(0);
    expect(pool.stats()).toEqual({ open: 0, idle: 0, waiting: 0 }); // the dead connection was discarded

    const second = commitInput(W, content, { expectedEpoch: 0n, requestId: 'r1' });
    expect(await commitEpoch(pool, h.settings(), second)).toMatchObject({ kind: 'committed', epoch: 1n });
    expect(await h.redis.ttl(touched)).toBe(-1); // staged again, then made persistent
    const lease = await pool.lease();
    expect(await clientId(lease.conn)).not.toBe(watchedBy);
    lease.release(true);
  });

  it('a connection killed right before EXEC never commits: unavailable or unknown, and a retry with the same id commits once', async () => {
    const content = randomContent(2);
    const k = worldKeys(h.prefix, W);
    const first = commitInput(W, content, {
      expectedEpoch: 0n,
      requestId: 'r2',
      onWatched: async ({ clientId: id }) => void (await h.redis.call('CLIENT', 'KILL', 'ID', String(id))),
    });
    const failure = await commitEpoch(pool, h.settings(), first).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(['STORE_UNAVAILABLE', 'COMMIT_OUTCOME_UNKNOWN']).toContain((failure as { code?: string } | undefined)?.code);
    expect(await h.redis.exists(k.epoch, k.meta(1n), k.req('r2'))).toBe(0);
    const retry = commitInput(W, content, { expectedEpoch: 0n, requestId: 'r2' });
    expect(await commitEpoch(pool, h.settings(), retry)).toMatchObject({ kind: 'committed', epoch: 1n });
    expect(await commitEpoch(pool, h.settings(), commitInput(W, content, { expectedEpoch: 0n, requestId: 'r2' }))).toMatchObject({
      kind: 'replayed',
      epoch: 1n,
    });
  });
});

describe('CommitPool', () => {
  let h: Harness;
  const pools: CommitPool[] = [];
  const poolOf = (options?: ConstructorParameters<typeof CommitPool>[1]) => {
    const p = new CommitPool({ url: TEST_REDIS_URL }, options);
    pools.push(p);
    return p;
  };
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(async () => {
    for (const p of pools.splice(0)) p.close();
    await h.cleanup();
  });

  it('reuses a connection released clean and disconnects one released dirty', async () => {
    const pool = poolOf();
    const a = await pool.lease();
    const idA = await clientId(a.conn);
    a.release(true);
    expect(pool.stats()).toMatchObject({ open: 1, idle: 1 });
    const b = await pool.lease();
    expect(await clientId(b.conn)).toBe(idA);
    b.release(false);
    expect(pool.stats()).toMatchObject({ open: 0, idle: 0 });
    for (let i = 0; i < 50 && b.conn.status !== 'end'; i++) await sleep(10);
    expect(b.conn.status).toBe('end');
    const c = await pool.lease();
    expect(await clientId(c.conn)).not.toBe(idA);
    c.release(true);
  });

  it('never hands out a connection that closed while idle', async () => {
    const pool = poolOf();
    const a = await pool.lease();
    const idA = await clientId(a.conn);
    a.release(true);
    await h.redis.call('CLIENT', 'KILL', 'ID', String(idA));
    for (let i = 0; i < 50 && a.conn.status === 'ready'; i++) await sleep(10);
    const b = await pool.lease();
    expect(await clientId(b.conn)).not.toBe(idA);
    b.release(true);
    expect(pool.stats()).toMatchObject({ open: 1, idle: 1 });
  });

  it('leases each connection to one holder at a time, up to maxConnections', async () => {
    const pool = poolOf({ maxConnections: 1 });
    const a = await pool.lease();
    let second: Awaited<ReturnType<CommitPool['lease']>> | undefined;
    const waiting = pool.lease().then((l) => (second = l));
    await sleep(50);
    expect(second).toBeUndefined();
    expect(pool.stats().waiting).toBe(1);
    a.release(true);
    await waiting;
    expect(second!.conn).toBe(a.conn);
    second!.release(true);
  });

  it('keeps the commit connection from ever reconnecting', async () => {
    const pool = poolOf();
    const a = await pool.lease();
    await h.redis.call('CLIENT', 'KILL', 'ID', String(await clientId(a.conn)));
    for (let i = 0; i < 50 && a.conn.status !== 'end'; i++) await sleep(10);
    expect(a.conn.status).toBe('end');
    await sleep(200);
    expect(a.conn.status).toBe('end');
    await expect(a.conn.get('x')).rejects.toThrow('Connection is closed.');
    a.release(true);
    expect(pool.stats().open).toBe(0);
  });
});

describe('Redis out of reach', () => {
  let h: Harness;
  let server: Server | undefined;
  const sockets: Socket[] = [];
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(async () => {
    await h.cleanup();
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('a closed port gives STORE_UNAVAILABLE quickly, for commits and reads alike', async () => {
    const store = h.store({}, { url: 'redis://127.0.0.1:1' });
    const t0 = Date.now();
    await expect(store.commit(commitInput(W, randomContent(), { expectedEpoch: 0n }))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.readEpoch(W, 0n)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.readCommittedEpoch(W)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.retainedEpochs(W)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.readRequest(W, 'r')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a server that accepts but never answers gives STORE_UNAVAILABLE within the connect timeout, not a hang', async () => {
    server = createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const store = h.store({}, { url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 1000 });
    const t0 = Date.now();
    await Promise.all([
      expect(store.commit(commitInput(W, randomContent(), { expectedEpoch: 0n }))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' }),
      expect(store.readEpoch(W, 0n)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' }),
    ]);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('whenReady on a busy event loop', () => {
  it('does not count the time the loop was held against Redis', async () => {
    const conn = createCommitConnection({ url: TEST_REDIS_URL });
    try {
      const ready = whenReady(conn, 200);
      // Another save's CPU work holds the loop past the timeout while Redis answers the connect.
      const until = Date.now() + 600;
      while (Date.now() < until) {
        /* busy */
      }
      await expect(ready).resolves.toBeUndefined();
      expect(conn.status).toBe('ready');
    } finally {
      conn.disconnect();
    }
  });

});
