import * as grpc from '@grpc/grpc-js';
import { worldKeys } from '@persistd/store-redis';
import { FaultProxy, smallWorld, startReplicatedPair, waitForReplicaLink, type PrivateRedis } from '@persistd/testkit';
import Redis from 'ioredis';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * DESIGN §5 step 5 over gRPC: a save whose EXEC applied is never answered STORE_UNAVAILABLE
 * ("nothing was applied"), whatever fails after it — here the replica acknowledgement of strict
 * durability, refused by an ACL, cut off on the wire, or refused by a master a failover demoted.
 * It is UNAVAILABLE / COMMIT_OUTCOME_UNKNOWN, and a retry with the same request id answers
 * `replayed`. Real redis-servers (a master and its replica), an in-process daemon, a real client.
 */
describe('a save that applied is never "nothing applied" (strict durability with a replica)', () => {
  const servers: PrivateRedis[] = [];
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    for (const s of servers.splice(0)) await s.stop();
  });

  const connect = (s: PrivateRedis) => {
    const conn = new Redis(s.url);
    cleanups.push(() => conn.disconnect());
    return conn;
  };
  const daemonOn = async (env: Record<string, string>, prefix?: string): Promise<TestDaemon> => {
    const t = await startTestDaemon({ PERSISTD_DURABILITY: 'strict', PERSISTD_REPLICA_ACK_TIMEOUT: '2000', ...(prefix ? { PERSISTD_KEY_PREFIX: prefix } : {}), ...env });
    cleanups.push(() => t.stop());
    expect(t.daemon.durability.replication).toMatchObject({ readable: true, connectedReplicas: 1 });
    return t;
  };
  const answer = async (p: Promise<unknown>) => {
    const e = await refusalOf(p);
    return { code: e.code, reason: e.reason, failure: e.metadata.failure, redis_error: e.metadata.redis_error };
  };

  it('an ACL user without WAIT: UNAVAILABLE/COMMIT_OUTCOME_UNKNOWN (NOPERM), the epoch is committed; once WAIT is granted the retry answers replayed', async () => {
    const { master } = await startReplicatedPair(servers);
    const admin = connect(master);
    await admin.call('ACL', 'SETUSER', 'persistd', 'on', '>acl-Pa55-w1', '~*', '&*', '+@all', '-wait');
    const t = await daemonOn({ PERSISTD_REDIS_URL: master.url, PERSISTD_REDIS_USERNAME: 'persistd', PERSISTD_REDIS_PASSWORD: 'acl-Pa55-w1' });

    const req = saveRequest('acl', smallWorld('acl'), 0n, 'acl-1');
    expect(await answer(t.client.save(req))).toEqual({ code: grpc.status.UNAVAILABLE, reason: 'COMMIT_OUTCOME_UNKNOWN', failure: 'redis-error-reply', redis_error: 'NOPERM' });
    expect(await admin.get(worldKeys(t.prefix, 'acl').epoch)).toBe('1');

    await admin.call('ACL', 'SETUSER', 'persistd', '+wait');
    expect(await t.client.save(req)).toMatchObject({ committedEpoch: 1n, replayed: true });
    expect((await t.client.getWorldStatus({ worldId: 'acl' })).committedEpoch).toBe(1n);
  });

  it('the connection cut as WAIT goes out, after EXEC applied: COMMIT_OUTCOME_UNKNOWN; the retry answers replayed', async () => {
    const { master } = await startReplicatedPair(servers);
    const proxy = new FaultProxy({ host: '127.0.0.1', port: master.port });
    await proxy.listen();
    cleanups.push(() => proxy.close());
    const t = await daemonOn({ PERSISTD_REDIS_URL: proxy.url });

    proxy.cutOn({ direction: 'up', pattern: '$4\r\nWAIT\r\n', when: 'before' });
    const req = saveRequest('cut', smallWorld('cut'), 0n, 'cut-1');
    const cut = await answer(t.client.save(req));
    expect(cut).toMatchObject({ code: grpc.status.UNAVAILABLE, reason: 'COMMIT_OUTCOME_UNKNOWN' });
    // Which of the two the socket reports first is the kernel's choice; both mean "no reply".
    expect(['connection-closed', 'connection-reset']).toContain(cut.failure);
    expect(proxy.counts.cuts).toBe(1);
    expect(await connect(master).get(worldKeys(t.prefix, 'cut').epoch)).toBe('1');
    expect(await t.client.save(req)).toMatchObject({ committedEpoch: 1n, replayed: true });
  });

  it('after a failover: the old master answers a retry COMMIT_OUTCOME_UNKNOWN (READONLY) and a new save STORE_UNAVAILABLE; the new master answers replayed', async () => {
    const { master, replica } = await startReplicatedPair(servers);
    const t = await daemonOn({ PERSISTD_REDIS_URL: master.url });
    const req = saveRequest('fo', smallWorld('fo'), 0n, 'fo-1');
    const first = await t.client.save(req);
    expect(first.committedEpoch).toBe(1n);

    await connect(replica).call('REPLICAOF', 'NO', 'ONE');
    await connect(master).call('REPLICAOF', '127.0.0.1', String(replica.port));
    await waitForReplicaLink(replica, master);

    // The record proves the first save applied: a refused rewrite of it is not "nothing applied".
    expect(await answer(t.client.save(req))).toEqual({ code: grpc.status.UNAVAILABLE, reason: 'COMMIT_OUTCOME_UNKNOWN', failure: 'redis-error-reply', redis_error: 'READONLY' });
    // A new save is refused while staging, before EXEC: nothing applied.
    expect(await answer(t.client.save(saveRequest('fo', smallWorld('fo', 1n, 2), 1n, 'fo-2')))).toEqual({
      code: grpc.status.UNAVAILABLE,
      reason: 'STORE_UNAVAILABLE',
      failure: 'redis-error-reply',
      redis_error: 'READONLY',
    });

    const promoted = await daemonOn({ PERSISTD_REDIS_URL: replica.url }, t.prefix);
    expect(await promoted.client.save(req)).toMatchObject({ committedEpoch: 1n, replayed: true, digest: first.digest });
  });
});
