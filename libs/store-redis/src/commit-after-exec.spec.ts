import { setTimeout as sleep } from 'node:timers/promises';
import { DURABLE_REDIS_ARGS, startPrivateRedis, startReplicatedPair, waitForReplicaLink, type PrivateRedis } from '@persistd/testkit';
import Redis from 'ioredis';
import { worldKeys } from './keys';
import { RedisStore } from './redis-store';
import { commitInput, DEFAULT_SETTINGS, randomContent } from './test/fixtures';

/**
 * DESIGN §5 step 5 against real redis-servers: once EXEC has applied, no later failure of that
 * save may be answered "nothing applied" (STORE_UNAVAILABLE) — it is COMMIT_OUTCOME_UNKNOWN, and
 * a retry with the same request id answers `replayed`. Before EXEC, a refusal is STORE_UNAVAILABLE.
 */
describe('a commit that applied is never "nothing applied" (private redis-servers)', () => {
  const servers: PrivateRedis[] = [];
  const closers: Array<() => unknown> = [];
  const prefix = 'after-exec';
  const W = 'world-x';
  const k = worldKeys(prefix, W);

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    for (const s of servers.splice(0)) await s.stop();
  });

  const storeOn = (server: PrivateRedis, options: { username?: string; password?: string; commandTimeoutMs?: number; replicaAckMs?: number } = {}) => {
    const { replicaAckMs, ...redis } = options;
    const store = new RedisStore({
      redis: { url: server.url, ...redis },
      settings: { prefix, ...DEFAULT_SETTINGS },
      replicaAck: replicaAckMs === undefined ? undefined : { replicas: 1, timeoutMs: replicaAckMs },
    });
    closers.push(() => store.close());
    return store;
  };
  const adminOf = (server: PrivateRedis) => {
    const conn = new Redis(server.url);
    closers.push(() => conn.disconnect());
    return conn;
  };
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await sleep(25);
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('a failover between EXEC and WAIT (the master demoted): COMMIT_OUTCOME_UNKNOWN, and the retry at the new master answers replayed', async () => {
    const { master, replica } = await startReplicatedPair(servers);
    const onMaster = adminOf(master);
    const onReplica = adminOf(replica);
    const store = storeOn(master, { replicaAckMs: 2000 });
    expect(await store.commit(commitInput(W, randomContent(3), { expectedEpoch: 0n, requestId: 'x-1' }))).toMatchObject({ kind: 'committed', epoch: 1n });

    const content = randomContent(3);
    const input = commitInput(W, content, {
      expectedEpoch: 1n,
      requestId: 'x-2',
      // The failover a Sentinel would run: the replica already has epoch 2 and is promoted; the
      // old master becomes its replica while this commit connection is still open.
      async onApplied() {
        await until('the replica to receive epoch 2', async () => (await onReplica.get(k.epoch)) === '2');
        await onReplica.call('REPLICAOF', 'NO', 'ONE');
        await onMaster.call('REPLICAOF', '127.0.0.1', String(replica.port));
      },
    });
    const refused = await store.commit(input).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 'COMMIT_OUTCOME_UNKNOWN', metadata: { failure: 'redis-error-reply', redis_error: 'ERR' } });
    expect((refused as Error).message).toMatch(/WAIT cannot be used with replica instances/);
    expect(await onMaster.get(k.epoch)).toBe('2');

    // The old master, now a replica, still shows the record: the replay's rewrite of it is
    // refused READONLY — the commit applied, so this too is an unknown outcome, not "nothing applied".
    await expect(store.commit(commitInput(W, content, { expectedEpoch: 1n, requestId: 'x-2' }))).rejects.toMatchObject({
      code: 'COMMIT_OUTCOME_UNKNOWN',
      metadata: { failure: 'redis-error-reply', redis_error: 'READONLY' },
    });
    // A new save there is refused before EXEC (staging is READONLY): nothing applied.
    await expect(store.commit(commitInput(W, randomContent(2), { expectedEpoch: 2n, requestId: 'x-3' }))).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      metadata: { failure: 'redis-error-reply', redis_error: 'READONLY' },
    });

    // The client retries at the new master (whose replica is now the old master): replayed, once.
    await waitForReplicaLink(replica, master);
    const promoted = storeOn(replica, { replicaAckMs: 2000 });
    expect(await promoted.commit(commitInput(W, content, { expectedEpoch: 1n, requestId: 'x-2' }))).toMatchObject({ kind: 'replayed', epoch: 2n, digest: input.sealed.get(2n)!.digest });
    expect(await onReplica.get(k.epoch)).toBe('2');
  });

  it('an ACL user without WAIT: the commit applies, the answer is COMMIT_OUTCOME_UNKNOWN (NOPERM); once WAIT is granted the retry answers replayed', async () => {
    const { master } = await startReplicatedPair(servers);
    const admin = adminOf(master);
    await admin.call('ACL', 'SETUSER', 'persistd', 'on', '>acl-pass-1', '~*', '&*', '+@all', '-wait');
    const store = storeOn(master, { username: 'persistd', password: 'acl-pass-1', replicaAckMs: 2000 });

    const content = randomContent(3);
    const input = commitInput(W, content, { expectedEpoch: 0n, requestId: 'y-1' });
    await expect(store.commit(input)).rejects.toMatchObject({ code: 'COMMIT_OUTCOME_UNKNOWN', metadata: { failure: 'redis-error-reply', redis_error: 'NOPERM' } });
    expect(await admin.get(k.epoch)).toBe('1');
    // The replay waits for the replica too, so it cannot confirm either.
    await expect(store.commit(commitInput(W, content, { expectedEpoch: 0n, requestId: 'y-1' }))).rejects.toMatchObject({ code: 'COMMIT_OUTCOME_UNKNOWN', metadata: { redis_error: 'NOPERM' } });

    await admin.call('ACL', 'SETUSER', 'persistd', '+wait');
    expect(await store.commit(commitInput(W, content, { expectedEpoch: 0n, requestId: 'y-1' }))).toMatchObject({ kind: 'replayed', epoch: 1n, digest: input.sealed.get(1n)!.digest });
    expect(await admin.get(k.epoch)).toBe('1');
  });

  it('the connection dropped after EXEC applied: before WAIT is sent, or while it waits, COMMIT_OUTCOME_UNKNOWN; the retry answers replayed', async () => {
    const { master, replica } = await startReplicatedPair(servers);
    const admin = adminOf(master);
    const store = storeOn(master, { replicaAckMs: 8000 }); // long: the kill must land while WAIT still blocks, on a loaded machine too
    const kill = (clientId: number) => admin.call('CLIENT', 'KILL', 'ID', String(clientId));

    const first = randomContent(3);
    await expect(store.commit(commitInput(W, first, { expectedEpoch: 0n, requestId: 'z-1', onApplied: async ({ clientId }) => void (await kill(clientId)) }))).rejects.toMatchObject({
      code: 'COMMIT_OUTCOME_UNKNOWN',
      // Whether the client saw the close before it sent WAIT (offline) or while WAIT was on the
      // wire (connection-closed) is a race with the kill; either way the outcome is unknown.
      metadata: { failure: expect.stringMatching(/^(offline|connection-closed)$/) },
    });
    expect(await admin.get(k.epoch)).toBe('1');

    // With the replica hung, WAIT blocks; the connection is killed under it.
    const content = randomContent(3);
    const input = commitInput(W, content, {
      expectedEpoch: 1n,
      requestId: 'z-2',
      onApplied({ clientId }) {
        replica.pause(true);
        setTimeout(() => void kill(clientId), 300);
      },
    });
    try {
      await expect(store.commit(input)).rejects.toMatchObject({ code: 'COMMIT_OUTCOME_UNKNOWN', metadata: { failure: 'connection-closed' } });
    } finally {
      replica.pause(false);
    }
    expect(await admin.get(k.epoch)).toBe('2');
    expect(await store.commit(commitInput(W, first, { expectedEpoch: 0n, requestId: 'z-1' }))).toMatchObject({ kind: 'replayed', epoch: 1n });
    expect(await store.commit(commitInput(W, content, { expectedEpoch: 1n, requestId: 'z-2' }))).toMatchObject({ kind: 'replayed', epoch: 2n, digest: input.sealed.get(2n)!.digest });
  });

  it('a master that stops answering after EXEC applied: the WAIT times out as COMMIT_OUTCOME_UNKNOWN; the retry answers replayed', async () => {
    const { master } = await startReplicatedPair(servers);
    const admin = adminOf(master);
    const store = storeOn(master, { commandTimeoutMs: 1500, replicaAckMs: 500 });
    const content = randomContent(3);
    const input = commitInput(W, content, { expectedEpoch: 0n, requestId: 't-1', onApplied: () => master.pause(true) });
    try {
      await expect(store.commit(input)).rejects.toMatchObject({ code: 'COMMIT_OUTCOME_UNKNOWN', metadata: { failure: 'timeout' } });
    } finally {
      master.pause(false);
    }
    expect(await admin.get(k.epoch)).toBe('1');
    expect(await store.commit(commitInput(W, content, { expectedEpoch: 0n, requestId: 't-1' }))).toMatchObject({ kind: 'replayed', epoch: 1n, digest: input.sealed.get(1n)!.digest });
  });

  it('a write refused inside the commit (an ACL user without PERSIST): the commit script writes nothing, STORE_UNAVAILABLE; once granted the retry commits once', async () => {
    const server = await startPrivateRedis({ args: DURABLE_REDIS_ARGS });
    servers.push(server);
    const admin = adminOf(server);
    await admin.call('ACL', 'SETUSER', 'persistd', 'on', '>acl-pass-2', '~*', '&*', '+@all', '-persist');
    const store = storeOn(server, { username: 'persistd', password: 'acl-pass-2' });
    const content = randomContent(3);
    await expect(store.commit(commitInput(W, content, { expectedEpoch: 0n, requestId: 'p-1' }))).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      // Redis 7.0 words a script's ACL refusal "ERR The user executing the script can't run this command"; later versions say NOPERM.
      metadata: { failure: 'redis-error-reply', redis_error: expect.stringMatching(/^(ERR|NOPERM)$/) },
    });
    expect(await admin.get(k.epoch)).toBeNull();
    expect(await admin.exists(k.req('p-1'))).toBe(0);

    await admin.call('ACL', 'SETUSER', 'persistd', '+persist');
    const retry = commitInput(W, content, { expectedEpoch: 0n, requestId: 'p-1' });
    expect(await store.commit(retry)).toEqual({ kind: 'committed', epoch: 1n, digest: retry.sealed.get(1n)!.digest });
  });

  it('a master demoted after WATCH, before EXEC: the transaction is refused, STORE_UNAVAILABLE, nothing applied', async () => {
    const { master, replica } = await startReplicatedPair(servers);
    const onMaster = adminOf(master);
    const onReplica = adminOf(replica);
    const store = storeOn(master, { replicaAckMs: 2000 });
    const input = commitInput(W, randomContent(3), {
      expectedEpoch: 0n,
      requestId: 'd-1',
      async onWatched() {
        await onReplica.call('REPLICAOF', 'NO', 'ONE');
        await onMaster.call('REPLICAOF', '127.0.0.1', String(replica.port));
      },
    });
    await expect(store.commit(input)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', metadata: { failure: 'redis-error-reply', redis_error: 'READONLY' } });
    expect(await onReplica.get(k.epoch)).toBeNull();
    expect(await onReplica.exists(k.req('d-1'))).toBe(0);
  });
});
