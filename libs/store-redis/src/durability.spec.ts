import { DURABLE_REDIS_ARGS, reportedRedisVersion, startPrivateRedis, waitForReplicaLink, type PrivateRedis } from '@persistd/testkit';
import Redis from 'ioredis';
import { describeDurability, inspectDurability } from './durability';
import { worldKeys } from './keys';
import { redactRedisUrl } from './redact';
import { RedisStore } from './redis-store';
import { commitInput, DEFAULT_SETTINGS, randomContent } from './test/fixtures';

const SAFE = DURABLE_REDIS_ARGS;

describe('durability guard (private redis-servers)', () => {
  const servers: PrivateRedis[] = [];
  const start = async (args: string[]) => {
    const s = await startPrivateRedis({ args });
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });

  it('AOF always + noeviction: safe, stated plainly', async () => {
    const s = await start(SAFE);
    const r = await inspectDurability({ url: s.url });
    expect(r).toMatchObject({ reachable: true, safe: true, risks: [], config: { readable: true, appendonly: 'yes', appendfsync: 'always', maxmemoryPolicy: 'noeviction' }, replication: { readable: true, role: 'master', connectedReplicas: 0 } });
    const version = await reportedRedisVersion(s.url);
    expect(r.version).toEqual({ readable: true, version });
    expect(describeDurability(r)).toBe(`durability: redis_version=${version} appendonly=yes appendfsync=always maxmemory-policy=noeviction role=master replicas=0: an acknowledged save survives a Redis crash and is never evicted`);
  });

  it('no AOF, AOF everysec, or an evicting policy: unsafe, each risk named', async () => {
    const none = await inspectDurability({ url: (await start(['--maxmemory-policy', 'noeviction'])).url });
    expect(none.safe).toBe(false);
    expect(none.risks).toEqual([expect.stringMatching(/^appendonly is no: a Redis crash loses/)]);
    expect(describeDurability(none)).toMatch(/an acknowledged save CAN BE LOST — appendonly is no/);

    const everysec = await inspectDurability({ url: (await start(['--appendonly', 'yes', '--appendfsync', 'everysec'])).url });
    expect(everysec.risks).toEqual([expect.stringMatching(/^appendfsync is everysec/)]);

    const lru = await inspectDurability({ url: (await start(['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'allkeys-lru'])).url });
    expect(lru.risks).toEqual([expect.stringMatching(/^maxmemory-policy is allkeys-lru: under memory pressure/)]);
  });

  it('a CONFIG it cannot read is unsafe: renamed away, or an ACL user without +config', async () => {
    const renamed = await inspectDurability({ url: (await start([...SAFE, '--rename-command', 'CONFIG', ''])).url });
    expect(renamed).toMatchObject({ reachable: true, safe: false, config: { readable: false } });
    expect(renamed.risks[0]).toMatch(/^CONFIG GET is refused \(ERR unknown command/);

    const s = await start(SAFE);
    const admin = new Redis(s.url);
    await admin.call('ACL', 'SETUSER', 'persistd', 'on', '>acl-pass-1', '~*', '&*', '+@all', '-config');
    admin.disconnect();
    const acl = await inspectDurability({ url: s.url, username: 'persistd', password: 'acl-pass-1' });
    expect(acl).toMatchObject({ reachable: true, safe: false, config: { readable: false } });
    expect(acl.risks[0]).toMatch(/NOPERM/);
  });

  it('a version it cannot read is unsafe: an ACL user without +info', async () => {
    const s = await start(SAFE);
    const admin = new Redis(s.url);
    await admin.call('ACL', 'SETUSER', 'persistd', 'on', '>acl-pass-3', '~*', '&*', '+@all', '-info');
    admin.disconnect();
    const r = await inspectDurability({ url: s.url, username: 'persistd', password: 'acl-pass-3' });
    expect(r).toMatchObject({ reachable: true, safe: false, version: { readable: false } });
    expect(r.risks).toContainEqual(expect.stringMatching(/^the Redis version cannot be read \(INFO server is refused: NOPERM.*\), so commit safety cannot be verified \(Redis 6\.0\.9 or newer is required\)$/));
  });

  it('refused credentials and an unreachable Redis are reported, not thrown', async () => {
    const s = await start([...SAFE, '--requirepass', 'right-pass']);
    const wrong = await inspectDurability({ url: s.url, password: 'wrong-pass' });
    expect(wrong).toMatchObject({ reachable: false, credentialsRefused: true, safe: false });
    expect(JSON.stringify(describeDurability(wrong))).not.toContain('wrong-pass');
    expect((await inspectDurability({ url: s.url, password: 'right-pass' })).safe).toBe(true);
    const down = await inspectDurability({ url: 'redis://127.0.0.1:1' });
    expect(down).toMatchObject({ reachable: false, credentialsRefused: false, safe: false });
  });
});

describe('WAIT for replicas (strict durability)', () => {
  let master: PrivateRedis;
  let replica: PrivateRedis;
  let replicaConn: Redis;
  let store: RedisStore;
  const prefix = 'wait-test';
  const W = 'world-w';

  beforeAll(async () => {
    master = await startPrivateRedis({ args: [...SAFE, '--repl-diskless-sync-delay', '0'] });
    replica = await startPrivateRedis({ args: [...SAFE, '--replicaof', '127.0.0.1', String(master.port)] });
    replicaConn = new Redis(replica.url);
    await waitForReplicaLink(master, replica);
    const report = await inspectDurability({ url: master.url });
    expect(report.replication).toMatchObject({ readable: true, connectedReplicas: 1 });
    store = new RedisStore({ redis: { url: master.url }, settings: { prefix, ...DEFAULT_SETTINGS }, replicaAck: { replicas: 1, timeoutMs: 2000 } });
  });
  afterAll(async () => {
    replica.pause(false);
    await store.close();
    replicaConn.disconnect();
    await replica.stop();
    await master.stop();
  });

  it('a commit is answered only once a replica has it', async () => {
    const content = randomContent(3);
    const res = await store.commit(commitInput(W, content, { expectedEpoch: 0n, requestId: 'w-1' }));
    expect(res).toMatchObject({ kind: 'committed', epoch: 1n });
    // No waiting here: WAIT already proved the replica acknowledged it.
    expect(await replicaConn.get(worldKeys(prefix, W).epoch)).toBe('1');
    expect(await replicaConn.exists(worldKeys(prefix, W).req('w-1'))).toBe(1);
  });

  it('with the replica hung, a commit and a replay are COMMIT_OUTCOME_UNKNOWN; once it is back the replay answers', async () => {
    const content = randomContent(3);
    replica.pause(true);
    await expect(store.commit(commitInput(W, content, { expectedEpoch: 1n, requestId: 'w-2' }))).rejects.toMatchObject({
      code: 'COMMIT_OUTCOME_UNKNOWN',
      metadata: { failure: 'replica-ack-timeout' },
    });
    // Applied on the master; the replay must wait for the replica too.
    await expect(store.commit(commitInput(W, content, { expectedEpoch: 1n, requestId: 'w-2' }))).rejects.toMatchObject({ code: 'COMMIT_OUTCOME_UNKNOWN' });
    const look = new Redis(master.url);
    const ttlBefore = await look.pttl(worldKeys(prefix, W).req('w-2'));
    look.disconnect();
    replica.pause(false);
    expect(await store.commit(commitInput(W, content, { expectedEpoch: 1n, requestId: 'w-2' }))).toMatchObject({ kind: 'replayed', epoch: 2n });
    expect(await replicaConn.get(worldKeys(prefix, W).epoch)).toBe('2');
    // The replay's rewrite of the request record kept its TTL.
    expect(ttlBefore).toBeGreaterThan(0);
  });

  it('refuses a WAIT timeout it could not honour', () => {
    expect(() => new RedisStore({ redis: { url: master.url, commandTimeoutMs: 1000 }, settings: { prefix, ...DEFAULT_SETTINGS }, replicaAck: { replicas: 1, timeoutMs: 1000 } })).toThrow(/replicaAck/);
  });
});

describe('redactRedisUrl', () => {
  it('hides passwords and secret-looking query parameters, keeps what names the server', () => {
    expect(redactRedisUrl('redis://persistd:s3cr3t@10.0.0.5:6380/2')).toBe('redis://persistd:[redacted]@10.0.0.5:6380/2');
    expect(redactRedisUrl('rediss://:only-pass@host:6379')).toBe('rediss://:[redacted]@host:6379');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactRedisUrl('redis://h:1?password=abc&family=4')).toBe('redis://h:1?password=[redacted]&family=4');
    expect(redactRedisUrl('not a url with secret')).toBe('[redacted]');
  });
});
