import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient, PersistenceService } from '@persistd/contract';
import { type CertDir, certificateDir, daemonBundle, DaemonChildProcess, type PrivateRedis, removeDaemonBundle, reportedRedisVersion, smallWorld, startPrivateRedis, TEST_REDIS_URL } from '@persistd/testkit';
import Redis from 'ioredis';
import { refusalOf, saveRequest, startTestDaemon } from './test/test-daemon';

/**
 * What the daemon does at start, shown with real processes: it refuses configurations that would
 * let unauthenticated callers in or lose acknowledged saves (exit 2, the reason on stderr), it
 * states durability plainly, it reaches Redis with credentials and TLS, and no secret ever
 * appears in its output.
 */

const SAFE = ['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction'];

describe('daemon start-up (child processes)', () => {
  let dir: string;
  const daemons: DaemonChildProcess[] = [];
  const servers: PrivateRedis[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'persistd-startup-'));
  });
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop();
    for (const s of servers.splice(0)) await s.stop();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await removeDaemonBundle();
  });

  const spawn = async (env: Record<string, string>, extraEnv: Record<string, string> = {}) => {
    const d = DaemonChildProcess.launch({ entry: await daemonBundle(), env: { ...extraEnv, PERSISTD_LISTEN: '127.0.0.1:0', PERSISTD_KEY_PREFIX: 'startup-test', ...env } });
    daemons.push(d);
    return d;
  };
  const redisWith = async (args: string[]) => {
    const s = await startPrivateRedis({ args });
    servers.push(s);
    return s;
  };
  const refusesToStart = async (d: DaemonChildProcess) => {
    expect(await d.exited).toEqual({ code: 2, signal: null });
    return d.stderr();
  };

  it('binding 0.0.0.0 without TLS client certificates or tokens is refused at start, saying why', async () => {
    const stderr = await refusesToStart(await spawn({ PERSISTD_LISTEN: '0.0.0.0:0', PERSISTD_REDIS_URL: TEST_REDIS_URL }));
    expect(stderr).toMatch(/^persistd: refusing to listen on 0\.0\.0\.0:0: without TLS client certificates .* or tokens \(PERSISTD_TOKENS_FILE\) anyone who reaches this address could write world state/);
  });

  it('without credentials on loopback it starts and says it is loopback only', async () => {
    const d = await spawn({ PERSISTD_REDIS_URL: TEST_REDIS_URL });
    await d.listening();
    expect(d.logs().find((e) => String(e.msg).startsWith('persistd listening'))?.msg).toMatch(/\(loopback only: no TLS or tokens configured\)$/);
  });

  it('a client CA without an allowlist, or a certificate without its key, refuses to start', async () => {
    const certs = certificateDir();
    try {
      const ca = certs.ca('ca');
      const server = ca.issue('server', { dns: ['localhost'] });
      const noAllowlist = await refusesToStart(await spawn({ PERSISTD_REDIS_URL: TEST_REDIS_URL, PERSISTD_TLS_CERT: server.certFile, PERSISTD_TLS_KEY: server.keyFile, PERSISTD_TLS_CLIENT_CA: ca.certFile }));
      expect(noAllowlist).toMatch(/PERSISTD_TLS_CLIENT_CA is set without PERSISTD_ALLOWED_PRINCIPALS/);
      const noKey = await refusesToStart(await spawn({ PERSISTD_REDIS_URL: TEST_REDIS_URL, PERSISTD_TLS_CERT: server.certFile }));
      expect(noKey).toMatch(/PERSISTD_TLS_CERT and PERSISTD_TLS_KEY go together/);
    } finally {
      certs.remove();
    }
  });

  it('strict durability refuses a Redis without AOF, with allkeys-lru, or whose CONFIG it cannot read', async () => {
    const noAof = await redisWith(['--maxmemory-policy', 'noeviction']);
    expect(await refusesToStart(await spawn({ PERSISTD_REDIS_URL: noAof.url, PERSISTD_DURABILITY: 'strict' }))).toMatch(
      /PERSISTD_DURABILITY=strict: refusing to start, an acknowledged save could be lost: appendonly is no: a Redis crash loses every save since the last RDB snapshot/,
    );
    const lru = await redisWith(['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'allkeys-lru']);
    expect(await refusesToStart(await spawn({ PERSISTD_REDIS_URL: lru.url, PERSISTD_DURABILITY: 'strict' }))).toMatch(/maxmemory-policy is allkeys-lru: under memory pressure Redis may evict committed epochs/);
    const hidden = await redisWith([...SAFE, '--rename-command', 'CONFIG', '']);
    expect(await refusesToStart(await spawn({ PERSISTD_REDIS_URL: hidden.url, PERSISTD_DURABILITY: 'strict' }))).toMatch(/CONFIG GET is refused/);
  });

  it('strict durability starts against AOF always + noeviction; warn mode starts anywhere, saying plainly what can be lost', async () => {
    const safe = await redisWith(SAFE);
    const strict = await spawn({ PERSISTD_REDIS_URL: safe.url, PERSISTD_DURABILITY: 'strict' });
    await strict.listening();
    const version = await reportedRedisVersion(safe.url);
    expect(strict.logs().some((e) => e.msg === `durability: redis_version=${version} appendonly=yes appendfsync=always maxmemory-policy=noeviction role=master replicas=0: an acknowledged save survives a Redis crash and is never evicted`)).toBe(true);

    const unsafe = await redisWith(['--maxmemory-policy', 'allkeys-lru']);
    const warn = await spawn({ PERSISTD_REDIS_URL: unsafe.url });
    await warn.listening();
    const line = warn.logs().find((e) => String(e.msg).startsWith('durability:'))!;
    expect(line.level).toBe(40); // warn
    expect(line.msg).toMatch(/an acknowledged save CAN BE LOST — appendonly is no: .*; maxmemory-policy is allkeys-lru/);
    expect(line.msg).toContain(`redis_version=${await reportedRedisVersion(unsafe.url)} `);
  });

  it('a Redis version it cannot read (an ACL user without +info): strict refuses to start, warn says so and serves', async () => {
    const s = await redisWith(SAFE);
    const admin = new Redis(s.url);
    await admin.call('ACL', 'SETUSER', 'persistd', 'on', '>acl-Pa55-v3', '~*', '&*', '+@all', '-info');
    admin.disconnect();
    const user = { PERSISTD_REDIS_URL: s.url, PERSISTD_REDIS_USERNAME: 'persistd', PERSISTD_REDIS_PASSWORD: 'acl-Pa55-v3' };
    expect(await refusesToStart(await spawn({ ...user, PERSISTD_DURABILITY: 'strict' }))).toMatch(
      /PERSISTD_DURABILITY=strict: refusing to start, an acknowledged save could be lost: the Redis version cannot be read \(INFO server is refused: NOPERM[^)]*\), so commit safety cannot be verified \(Redis 6\.0\.9 or newer is required\)/,
    );
    const warn = await spawn(user);
    const client = createClient(PersistenceService, await warn.listening());
    const line = warn.logs().find((e) => String(e.msg).startsWith('durability:'))!;
    expect(line.level).toBe(40);
    expect(line.msg).toMatch(/CAN BE LOST — the Redis version cannot be read/);
    expect((await client.save(saveRequest('ver', smallWorld('ver')))).committedEpoch).toBe(1n);
    client.close();
  });

  it('reaches a Redis that requires an ACL user and password; refused credentials stop the start; no secret is ever printed', async () => {
    const s = await redisWith([...SAFE, '--requirepass', 'default-Pa55-x1']);
    const admin = new Redis(s.url, { password: 'default-Pa55-x1' });
    await admin.call('ACL', 'SETUSER', 'persistd', 'on', '>acl-Pa55-q7', '~*', '&*', '+@all');
    admin.disconnect();
    const tokens = join(dir, 'tokens');
    writeFileSync(tokens, 'gs1:tok-Secret-z9\n');

    const d = await spawn({
      PERSISTD_REDIS_URL: s.url,
      PERSISTD_REDIS_USERNAME: 'persistd',
      PERSISTD_REDIS_PASSWORD: 'acl-Pa55-q7',
      PERSISTD_TOKENS_FILE: tokens,
      PERSISTD_LOG_LEVEL: 'trace',
    });
    const client = createClient(PersistenceService, await d.listening());
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer tok-Secret-z9');
    expect((await client.save(saveRequest('cred', smallWorld('cred')), {}, md)).committedEpoch).toBe(1n);
    const wrong = new grpc.Metadata();
    wrong.set('authorization', 'Bearer tok-Secret-zz');
    expect((await refusalOf(client.save(saveRequest('cred', smallWorld('cred', 1n), 1n), {}, wrong))).reason).toBe('UNAUTHENTICATED');
    client.close();
    expect(await d.stop()).toEqual({ code: 0, signal: null, escalated: false });

    // The password in the URL instead, and a wrong one.
    const inUrl = await spawn({ PERSISTD_REDIS_URL: `redis://persistd:acl-Pa55-q7@127.0.0.1:${s.port}` });
    await inUrl.listening();
    expect(inUrl.logs().find((e) => String(e.msg).startsWith('persistd listening'))?.redis).toBe(`redis://persistd:[redacted]@127.0.0.1:${s.port}`);
    const refused = await spawn({ PERSISTD_REDIS_URL: s.url, PERSISTD_REDIS_USERNAME: 'persistd', PERSISTD_REDIS_PASSWORD: 'acl-Pa55-WRONG' });
    expect(await refusesToStart(refused)).toMatch(/^persistd: Redis at redis:\/\/127\.0\.0\.1:\d+ refused the credentials \(WRONGPASS\): check PERSISTD_REDIS_USERNAME and PERSISTD_REDIS_PASSWORD/);

    for (const p of [d, inUrl, refused]) {
      for (const secret of ['acl-Pa55', 'default-Pa55', 'tok-Secret']) expect(p.output()).not.toContain(secret);
    }
    expect(d.output().length).toBeGreaterThan(0);
  });

  it('reaches Redis over TLS with PERSISTD_REDIS_TLS (the durability check included)', async () => {
    const certs: CertDir = certificateDir();
    try {
      const ca = certs.ca('redis-ca');
      const server = ca.issue('redis', { cn: 'redis', dns: ['localhost'], ips: ['127.0.0.1'], usage: ['serverAuth'] });
      const s = await startPrivateRedis({ args: SAFE, tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: ca.certFile } });
      servers.push(s);
      const d = await spawn({ PERSISTD_REDIS_URL: s.url, PERSISTD_REDIS_TLS: 'true', PERSISTD_DURABILITY: 'strict' }, { NODE_EXTRA_CA_CERTS: ca.certFile });
      const client = createClient(PersistenceService, await d.listening());
      expect((await client.save(saveRequest('tls', smallWorld('tls')))).committedEpoch).toBe(1n);
      expect((await client.getWorldStatus({ worldId: 'tls' })).committedEpoch).toBe(1n);
      client.close();
    } finally {
      certs.remove();
    }
  });
});

describe('strict durability with a replica (in-process daemon)', () => {
  let master: PrivateRedis;
  let replica: PrivateRedis;
  afterAll(async () => {
    replica?.pause(false);
    await replica?.stop();
    await master?.stop();
  });

  it('waits for WAIT 1 before answering a save, also a replayed one', async () => {
    master = await startPrivateRedis({ args: [...SAFE, '--repl-diskless-sync-delay', '0'] });
    replica = await startPrivateRedis({ args: [...SAFE, '--replicaof', '127.0.0.1', String(master.port)] });
    const look = new Redis(replica.url);
    const m = new Redis(master.url);
    for (let i = 0; i < 400 && !(/slave0:.*state=online/.test(String(await m.info('replication'))) && /master_link_status:up/.test(String(await look.info('replication')))); i++) {
      await sleep(25);
    }
    m.disconnect();
    const t = await startTestDaemon({ PERSISTD_REDIS_URL: master.url, PERSISTD_DURABILITY: 'strict', PERSISTD_REPLICA_ACK_TIMEOUT: '2000' });
    try {
      expect(t.daemon.durability.replication).toMatchObject({ readable: true, connectedReplicas: 1 });
      const req = saveRequest('rep', smallWorld('rep'), 0n, 'rep-1');
      const first = await t.client.save(req);
      expect(await look.get(`${t.prefix}:{rep}:epoch`)).toBe('1');
      replica.pause(true);
      const hung = await refusalOf(t.client.save(req));
      expect({ code: hung.code, reason: hung.reason, failure: hung.metadata.failure }).toEqual({ code: grpc.status.UNAVAILABLE, reason: 'COMMIT_OUTCOME_UNKNOWN', failure: 'replica-ack-timeout' });
      replica.pause(false);
      expect(await t.client.save(req)).toMatchObject({ committedEpoch: 1n, replayed: true, digest: first.digest });
    } finally {
      look.disconnect();
      await t.daemon.stop();
      t.client.close();
      t.redis.disconnect();
    }
  });
});
