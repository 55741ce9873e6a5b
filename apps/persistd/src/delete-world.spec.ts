import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient, PersistenceService, type RestoreResponse, type TypedClient } from '@persistd/contract';
import { scrapeMetrics, smallWorld, uniquePrefix } from '@persistd/testkit';
import { captureLogs } from './test/captured-logs';
import { collect } from './test/restore-helpers';
import { dumpStore, refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

const bearer = (token: string) => {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
};

/** Saves `times` epochs of world `w`, request ids `<w>-r<epoch>`; returns the last committed epoch. */
async function saveEpochs(client: TypedClient<typeof PersistenceService>, w: string, times: number, md = new grpc.Metadata(), from = 0n): Promise<bigint> {
  let epoch = from;
  for (let i = 0; i < times; i++) epoch = (await client.save(saveRequest(w, smallWorld(w, epoch, i + 1), epoch, `${w}-r${epoch}`), {}, md)).committedEpoch;
  return epoch;
}

/** DeleteWorld over a real daemon and Redis (DESIGN §3), without credentials: loopback callers are admins. */
describe('DeleteWorld', () => {
  let t: TestDaemon;
  const logs = captureLogs();
  beforeAll(async () => {
    t = await startTestDaemon({}, { logger: logs.logger });
  });
  afterAll(() => t.stop());

  it('deletes a world whole: restore is WORLD_NOT_FOUND, status reports deleted_epoch, a repeat answers as the first', async () => {
    const w = 'del-whole';
    const n = await saveEpochs(t.client, w, 4);
    const first = await t.client.deleteWorld({ worldId: w, expectedEpoch: n });
    expect(first).toMatchObject({ worldId: w, deletedEpoch: n });
    const restore = await refusalOf(collect(t.client, w));
    expect([restore.code, restore.reason]).toEqual([grpc.status.NOT_FOUND, 'WORLD_NOT_FOUND']);
    const status = await t.client.getWorldStatus({ worldId: w });
    expect(status).toMatchObject({ committedEpoch: 0n, retainedEpochs: [], deletedEpoch: n, digest: '' });
    expect(await t.client.deleteWorld({ worldId: w, expectedEpoch: n })).toEqual(first);
  });

  it('refuses a stale epoch (EPOCH_CONFLICT), a never-saved world and another deleted epoch (WORLD_NOT_FOUND), changing nothing', async () => {
    const w = 'del-refused';
    await saveEpochs(t.client, w, 2);
    const before = await dumpStore(t.redis, t.prefix);
    const stale = await refusalOf(t.client.deleteWorld({ worldId: w, expectedEpoch: 1n }));
    expect([stale.code, stale.reason, stale.metadata.committed_epoch]).toEqual([grpc.status.ABORTED, 'EPOCH_CONFLICT', '2']);
    const never = await refusalOf(t.client.deleteWorld({ worldId: 'del-never-saved', expectedEpoch: 1n }));
    expect([never.code, never.reason]).toEqual([grpc.status.NOT_FOUND, 'WORLD_NOT_FOUND']);
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
    await t.client.deleteWorld({ worldId: w, expectedEpoch: 2n });
    const other = await refusalOf(t.client.deleteWorld({ worldId: w, expectedEpoch: 1n }));
    expect([other.code, other.reason, other.metadata.deleted_epoch]).toEqual([grpc.status.NOT_FOUND, 'WORLD_NOT_FOUND', '2']);
    const badId = await refusalOf(t.client.deleteWorld({ worldId: 'bad id', expectedEpoch: 1n }));
    expect(badId.reason).toBe('INVALID_FIELD');
  });

  it('never reuses an epoch: re-created at N+1, and a server holding the old epoch is refused EPOCH_CONFLICT', async () => {
    const w = 'del-reborn';
    const n = await saveEpochs(t.client, w, 3);
    await t.client.deleteWorld({ worldId: w, expectedEpoch: n });
    const old = await refusalOf(t.client.save(saveRequest(w, smallWorld(w, n, 9), n)));
    expect([old.code, old.reason, old.metadata.deleted_epoch]).toEqual([grpc.status.ABORTED, 'EPOCH_CONFLICT', String(n)]);
    const reborn = await t.client.save(saveRequest(w, smallWorld(w, 0n, 10), 0n));
    expect(reborn.committedEpoch).toBe(n + 1n);
    expect((await t.client.getWorldStatus({ worldId: w })).retainedEpochs).toEqual([n + 1n]);
    // The server that held epoch n before the deletion still cannot save: n is not n+1.
    const stillOld = await refusalOf(t.client.save(saveRequest(w, smallWorld(w, n, 11), n)));
    expect([stillOld.reason, stillOld.metadata.committed_epoch]).toEqual(['EPOCH_CONFLICT', String(n + 1n)]);
    const restored = await collect(t.client, w);
    expect(restored.at(-1)!.epoch).toBe(n + 1n);
  });

  it('a retry after the delete of a request committed before it answers replayed and commits nothing', async () => {
    const w = 'del-replay';
    await saveEpochs(t.client, w, 2);
    await t.client.deleteWorld({ worldId: w, expectedEpoch: 2n });
    const before = await dumpStore(t.redis, t.prefix);
    const retry = await t.client.save(saveRequest(w, smallWorld(w, 1n, 2), 1n, `${w}-r1`));
    expect(retry).toMatchObject({ committedEpoch: 2n, replayed: true });
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
    expect((await t.client.getWorldStatus({ worldId: w })).deletedEpoch).toBe(2n);
  });

  it('a restore already streaming finishes from the bytes it verified', async () => {
    const w = 'del-streaming';
    const n = await saveEpochs(t.client, w, 2);
    const messages: RestoreResponse[] = [];
    const stream = t.client.restore({ worldId: w, epoch: 0n });
    let deleted = false;
    for await (const m of stream) {
      messages.push(m);
      if (!deleted) {
        deleted = true;
        expect((await t.client.deleteWorld({ worldId: w, expectedEpoch: n })).deletedEpoch).toBe(n);
      }
    }
    expect(messages.at(-1)!.payload.case).toBe('activation');
    expect(messages.at(-1)!.epoch).toBe(n);
  });

  it('records every deletion in the call log and a metric, with its principal', async () => {
    const w = 'del-recorded';
    await saveEpochs(t.client, w, 1);
    await t.client.deleteWorld({ worldId: w, expectedEpoch: 1n });
    const line = logs.entries().find((e) => e.method === 'DeleteWorld' && e.worldId === w && e.outcome === 'ok');
    expect(line).toMatchObject({ principal: 'anonymous', epoch: '1', expectedEpoch: '1' });
    expect(logs.entries().some((e) => e.msg === 'world deleted' && e.worldId === w && e.principal === 'anonymous')).toBe(true);
    const samples = await scrapeMetrics(t.daemon.metricsUrl!);
    expect(samples.value('persistd_worlds_deleted_total', { principal: 'anonymous' })).toBeGreaterThanOrEqual(1);
    expect(samples.value('persistd_rpcs_total', { method: 'DeleteWorld', outcome: 'ok', reason: '' })).toBeGreaterThanOrEqual(1);
  });

  it('a delete racing a save of the same epoch from another daemon: exactly one wins, and no half state is restorable', async () => {
    const other = await startTestDaemon({ PERSISTD_KEY_PREFIX: uniquePrefix('pd') });
    const twin = await startTestDaemon({ PERSISTD_KEY_PREFIX: t.prefix });
    try {
      for (let round = 0; round < 12; round++) {
        const w = `del-race-${round}`;
        const n = await saveEpochs(t.client, w, 1);
        const [saved, deleted] = await Promise.allSettled([
          twin.client.save(saveRequest(w, smallWorld(w, n, 50 + round), n)),
          t.client.deleteWorld({ worldId: w, expectedEpoch: n }),
        ]);
        expect([saved.status, deleted.status].filter((s) => s === 'fulfilled')).toHaveLength(1);
        const status = await t.client.getWorldStatus({ worldId: w });
        if (deleted.status === 'fulfilled') {
          expect(status).toMatchObject({ committedEpoch: 0n, deletedEpoch: n });
          expect((await refusalOf(collect(t.client, w))).reason).toBe('WORLD_NOT_FOUND');
          expect((await refusalOf(saved.status === 'rejected' ? Promise.reject(saved.reason) : Promise.resolve())).reason).toBe('EPOCH_CONFLICT');
        } else {
          expect(status).toMatchObject({ committedEpoch: n + 1n, deletedEpoch: 0n });
          expect((await collect(t.client, w)).at(-1)!.payload.case).toBe('activation');
          expect((await refusalOf(Promise.reject(deleted.reason))).reason).toBe('EPOCH_CONFLICT');
        }
      }
    } finally {
      // Not twin.stop(): it would delete the prefix both daemons share before t is done with it.
      twin.client.close();
      twin.redis.disconnect();
      await twin.daemon.stop();
      await other.stop();
    }
  });
});

/** Who may delete (DESIGN §3, §6 PERSISTD_ADMIN_PRINCIPALS): admins only, never a game server. */
describe('DeleteWorld authority', () => {
  let dir: string;
  let t: TestDaemon;
  let bare: TestDaemon;
  let open: TypedClient<typeof PersistenceService>;
  let openBare: TypedClient<typeof PersistenceService>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'persistd-admin-'));
    const file = join(dir, 'tokens');
    writeFileSync(file, ['gs1:tok-gs1-1111', 'ops:tok-ops-2222', 'ops-eu:tok-opseu-3333', ''].join('\n'));
    t = await startTestDaemon({ PERSISTD_TOKENS_FILE: file, PERSISTD_ALLOWED_PRINCIPALS: 'gs1', PERSISTD_ADMIN_PRINCIPALS: 'ops,ops-eu=eu-*' });
    // Tokens, no allowlist, no admin list: every principal may save, nobody may delete.
    bare = await startTestDaemon({ PERSISTD_TOKENS_FILE: file });
    open = createClient(PersistenceService, t.daemon.address);
    openBare = createClient(PersistenceService, bare.daemon.address);
  });
  afterAll(async () => {
    open.close();
    openBare.close();
    await t.stop();
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a game server that may save a world is refused PERMISSION_DENIED/CLIENT_AUTHORED, and nothing changes', async () => {
    await open.save(saveRequest('eu-1', smallWorld('eu-1')), {}, bearer('tok-gs1-1111'));
    const before = await dumpStore(t.redis, t.prefix);
    const denied = await refusalOf(open.deleteWorld({ worldId: 'eu-1', expectedEpoch: 1n }, {}, bearer('tok-gs1-1111')));
    expect([denied.code, denied.reason]).toEqual([grpc.status.PERMISSION_DENIED, 'CLIENT_AUTHORED']);
    expect(denied.message).toContain('PERSISTD_ADMIN_PRINCIPALS');
    const anonymous = await refusalOf(open.deleteWorld({ worldId: 'eu-1', expectedEpoch: 1n }));
    expect(anonymous.reason).toBe('UNAUTHENTICATED');
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
  });

  it('an admin deletes; an admin bound to a glob deletes only the worlds it matches; an admin is not a game server', async () => {
    await open.save(saveRequest('us-1', smallWorld('us-1')), {}, bearer('tok-gs1-1111'));
    await open.save(saveRequest('eu-2', smallWorld('eu-2')), {}, bearer('tok-gs1-1111'));
    const bound = await refusalOf(open.deleteWorld({ worldId: 'us-1', expectedEpoch: 1n }, {}, bearer('tok-opseu-3333')));
    expect(bound.reason).toBe('CLIENT_AUTHORED');
    expect(await open.deleteWorld({ worldId: 'eu-2', expectedEpoch: 1n }, {}, bearer('tok-opseu-3333'))).toMatchObject({ deletedEpoch: 1n });
    expect(await open.deleteWorld({ worldId: 'us-1', expectedEpoch: 1n }, {}, bearer('tok-ops-2222'))).toMatchObject({ deletedEpoch: 1n });
    const saveByAdmin = await refusalOf(open.save(saveRequest('us-1', smallWorld('us-1')), {}, bearer('tok-ops-2222')));
    expect(saveByAdmin.reason).toBe('CLIENT_AUTHORED');
  });

  it('with credentials and no PERSISTD_ADMIN_PRINCIPALS nobody may delete', async () => {
    await openBare.save(saveRequest('b-1', smallWorld('b-1')), {}, bearer('tok-ops-2222'));
    for (const token of ['tok-gs1-1111', 'tok-ops-2222']) {
      const denied = await refusalOf(openBare.deleteWorld({ worldId: 'b-1', expectedEpoch: 1n }, {}, bearer(token)));
      expect([denied.code, denied.reason]).toEqual([grpc.status.PERMISSION_DENIED, 'CLIENT_AUTHORED']);
    }
    expect((await openBare.getWorldStatus({ worldId: 'b-1' }, {}, bearer('tok-gs1-1111'))).committedEpoch).toBe(1n);
  });
});
