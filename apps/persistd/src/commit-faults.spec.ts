import * as grpc from '@grpc/grpc-js';
import { createClient, fromServiceError, PersistenceService, type TypedClient } from '@persistd/contract';
import { worldKeys } from '@persistd/store-redis';
import { daemonBundle, DaemonChildProcess, deletePrefix, FaultProxy, removeDaemonBundle, smallWorld, startPrivateRedis, TEST_REDIS_URL, testRedis, uniquePrefix } from '@persistd/testkit';
import type Redis from 'ioredis';
import { chunksListedBy } from './test/stored-tree';
import { refusalOf, saveRequest } from './test/test-daemon';

/**
 * DESIGN §5's commit against real processes: persistd as a child process, talking to the real
 * Redis through a TCP proxy that cuts, stalls and delays. Each test has its own proxy, daemon and
 * key prefix; the store is inspected directly, after the daemon has stopped where it matters (a
 * stopped process can send nothing more, so "never" is a fact, not a wait).
 */

interface Rig {
  proxy: FaultProxy;
  daemon: DaemonChildProcess;
  client: TypedClient<typeof PersistenceService>;
  prefix: string;
}

const redisTarget = () => {
  const u = new URL(TEST_REDIS_URL);
  return { host: u.hostname, port: Number(u.port) };
};

describe('commit path through a faulty network (child-process daemon)', () => {
  let redis: Redis;
  const rigs: Rig[] = [];
  const extraStops: Array<() => Promise<unknown>> = [];

  beforeAll(() => {
    redis = testRedis();
  });
  afterEach(async () => {
    for (const stop of extraStops.splice(0)) await stop();
    for (const r of rigs.splice(0)) {
      r.client.close();
      await r.daemon.stop();
      await r.proxy.close();
      await deletePrefix(redis, r.prefix);
    }
  });
  afterAll(async () => {
    redis.disconnect();
    await removeDaemonBundle();
  });

  async function rig(env: Record<string, string> = {}): Promise<Rig> {
    const proxy = new FaultProxy(redisTarget());
    await proxy.listen();
    const prefix = uniquePrefix('cf');
    const daemon = DaemonChildProcess.launch({ entry: await daemonBundle(), env: { PERSISTD_LISTEN: '127.0.0.1:0', PERSISTD_REDIS_URL: proxy.url, PERSISTD_KEY_PREFIX: prefix, ...env } });
    const address = await daemon.listening();
    const r = { proxy, daemon, client: createClient(PersistenceService, address), prefix };
    rigs.push(r);
    return r;
  }

  const stored = async (prefix: string, world: string) => {
    const k = worldKeys(prefix, world);
    return { epoch: await redis.get(k.epoch), req: (id: string) => redis.get(k.req(id)), meta: (n: bigint) => redis.exists(k.meta(n)) };
  };

  async function unavailableReason(p: Promise<unknown>): Promise<string> {
    const err = await refusalOf(p);
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    return err.reason;
  }

  it('(a) a cut between WATCH and MULTI never commits unwatched: refused, and no late resend ever lands', async () => {
    const r = await rig();
    await r.client.save(saveRequest('wa', smallWorld('wa', 0n), 0n, 'a-1'));
    // ioredis writes command names in lower case: `*1\r\n$5\r\nmulti\r\n`.
    r.proxy.cutOn({ direction: 'up', pattern: '$5\r\nmulti\r\n', when: 'before' });
    const reason = await unavailableReason(r.client.save(saveRequest('wa', smallWorld('wa', 1n, 2), 1n, 'a-2')));
    expect(['STORE_UNAVAILABLE', 'COMMIT_OUTCOME_UNKNOWN']).toContain(reason);
    expect(r.proxy.counts.cuts).toBe(1);

    // Another save takes epoch 2: had the cut transaction been resent on a reconnected, unwatched
    // connection, it would now overwrite this one.
    const rival = await r.client.save(saveRequest('wa', smallWorld('wa', 1n, 3), 1n, 'a-rival'));
    expect(rival.committedEpoch).toBe(2n);
    await r.daemon.stop();

    const s = await stored(r.prefix, 'wa');
    expect(s.epoch).toBe('2');
    expect(await s.req('a-2')).toBeNull();
    expect(await s.req('a-rival')).toMatch(new RegExp(`^2 ${rival.contentDigest} ${rival.digest} save:[0-9a-f]{64}$`));
    expect(r.proxy.counts.cuts).toBe(1);
  });

  it('(b) a cut right after EXEC goes out is COMMIT_OUTCOME_UNKNOWN; the retry with the same request id yields exactly one new epoch', async () => {
    const r = await rig();
    await r.client.save(saveRequest('wb', smallWorld('wb', 0n), 0n, 'b-1'));
    r.proxy.cutOn({ direction: 'up', pattern: '$4\r\nexec\r\n', when: 'after' });
    const req = saveRequest('wb', smallWorld('wb', 1n, 2), 1n, 'b-2');
    expect(await unavailableReason(r.client.save(req))).toBe('COMMIT_OUTCOME_UNKNOWN');

    const retry = await r.client.save(req);
    expect(retry.committedEpoch).toBe(2n);
    const again = await r.client.save(req);
    expect(again).toMatchObject({ committedEpoch: 2n, replayed: true, digest: retry.digest });
    const status = await r.client.getWorldStatus({ worldId: 'wb' });
    expect(status.committedEpoch).toBe(2n);
    expect(status.retainedEpochs).toEqual([1n, 2n]);
    expect(await (await stored(r.prefix, 'wb')).req('b-2')).toMatch(new RegExp(`^2 ${retry.contentDigest} ${retry.digest} save:[0-9a-f]{64}$`));
  });

  it('two concurrent requests with one id, in one daemon and across two daemon processes: one commit, one replay', async () => {
    const r = await rig();
    const req = saveRequest('wc', smallWorld('wc', 0n), 0n, 'c-1');
    const pair = await Promise.all([r.client.save(req), r.client.save(req)]);
    expect(pair.map((x) => x.replayed).sort()).toEqual([false, true]);
    expect(new Set(pair.map((x) => `${x.committedEpoch}/${x.digest}`)).size).toBe(1);

    // A second daemon process on the same store, straight to Redis: only WATCH can arbitrate now.
    const other = DaemonChildProcess.launch({ entry: await daemonBundle(), env: { PERSISTD_LISTEN: '127.0.0.1:0', PERSISTD_REDIS_URL: TEST_REDIS_URL, PERSISTD_KEY_PREFIX: r.prefix } });
    extraStops.push(() => other.stop());
    const otherClient = createClient(PersistenceService, await other.listening());
    extraStops.push(async () => otherClient.close());
    for (let round = 1n; round <= 5n; round++) {
      const next = saveRequest('wc', smallWorld('wc', round, Number(round) + 10), round, `c-${round + 1n}`);
      const both = await Promise.all([r.client.save(next), otherClient.save(next)]);
      expect(both.map((x) => x.replayed).sort()).toEqual([false, true]);
      expect(both.map((x) => x.committedEpoch)).toEqual([round + 1n, round + 1n]);
    }
    expect((await r.client.getWorldStatus({ worldId: 'wc' })).committedEpoch).toBe(6n);
  });

  it('Redis out of reach is STORE_UNAVAILABLE at once for every RPC, not a hang; service resumes when it is back', async () => {
    const r = await rig();
    await r.client.save(saveRequest('wd', smallWorld('wd', 0n), 0n, 'd-1'));
    r.proxy.refuse(true);
    r.proxy.cutAll();
    const deadline = { deadline: Date.now() + 20_000 }; // a hang would end as DEADLINE_EXCEEDED, without ErrorInfo
    expect(await unavailableReason(r.client.save(saveRequest('wd', smallWorld('wd', 1n, 2), 1n, 'd-2'), deadline))).toBe('STORE_UNAVAILABLE');
    expect(await unavailableReason(r.client.getWorldStatus({ worldId: 'wd' }, deadline))).toBe('STORE_UNAVAILABLE');
    expect(
      await unavailableReason(
        (async () => {
          for await (const _ of r.client.restore({ worldId: 'wd' }, deadline)) void _;
        })(),
      ),
    ).toBe('STORE_UNAVAILABLE');
    r.proxy.refuse(false);
    expect((await r.client.save(saveRequest('wd', smallWorld('wd', 1n, 2), 1n, 'd-2'))).committedEpoch).toBe(2n);
  });

  it('a Redis process killed under the daemon: STORE_UNAVAILABLE, nothing half-written', async () => {
    const own = await startPrivateRedis();
    extraStops.push(() => own.stop());
    const prefix = uniquePrefix('cf');
    const daemon = DaemonChildProcess.launch({ entry: await daemonBundle(), env: { PERSISTD_LISTEN: '127.0.0.1:0', PERSISTD_REDIS_URL: own.url, PERSISTD_KEY_PREFIX: prefix } });
    extraStops.unshift(() => daemon.stop());
    const client = createClient(PersistenceService, await daemon.listening());
    extraStops.unshift(async () => client.close());
    await client.save(saveRequest('we', smallWorld('we', 0n), 0n, 'e-1'));
    await own.kill();
    const err = await refusalOf(client.save(saveRequest('we', smallWorld('we', 1n, 2), 1n, 'e-2'), { deadline: Date.now() + 20_000 }));
    expect({ code: err.code, reason: err.reason }).toEqual({ code: grpc.status.UNAVAILABLE, reason: 'STORE_UNAVAILABLE' });
  });

  it('a request whose deadline passes mid-save commits nothing, although the handler ran on after grpc-js answered', async () => {
    const r = await rig();
    await r.client.save(saveRequest('wf', smallWorld('wf', 0n), 0n, 'f-1'));
    r.proxy.setDelay(250); // every Redis round trip now takes ≥ 500 ms: the commit cannot fit in the deadline
    let err: grpc.ServiceError | undefined;
    try {
      await r.client.save(saveRequest('wf', smallWorld('wf', 1n, 2), 1n, 'f-2'), { deadline: Date.now() + 400 });
    } catch (e) {
      err = e as grpc.ServiceError;
    }
    expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(fromServiceError(err!)).toBeUndefined();
    // A graceful stop waits for every handler, so once the process is gone the late one has ended.
    const exit = await r.daemon.stop();
    expect(exit.code).toBe(0);
    const s = await stored(r.prefix, 'wf');
    expect(s.epoch).toBe('1');
    expect(await s.req('f-2')).toBeNull();
    expect(await s.meta(2n)).toBe(0);
    // Staged chunks of the late save may remain, expiring on their own; only epoch 1's are persistent.
    const listed = await chunksListedBy(redis, r.prefix, 'wf', worldKeys(r.prefix, 'wf').meta(1n));
    const epoch1 = new Set([...listed].map((id) => worldKeys(r.prefix, 'wf').chunk(id)));
    for (const key of await redis.keys(`${r.prefix}:*:chunk:*`)) {
      if ((await redis.ttl(key)) === -1) expect(epoch1.has(key)).toBe(true);
    }
    expect(r.daemon.logs().some((e) => e.msg === 'stopped')).toBe(true);
  });
});
