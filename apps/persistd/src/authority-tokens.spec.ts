import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient, PersistenceService, rawServerStreamCall, rawUnaryCall, type TypedClient } from '@persistd/contract';
import { smallWorld } from '@persistd/testkit';
import { dumpStore, refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

const SAVE = '/caelmor.persist.v1.PersistenceService/Save';
const GARBAGE = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]);

const bearer = (token: string) => {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
};

/** Bearer tokens (DESIGN §3): PERSISTD_TOKENS_FILE, optionally with an allowlist binding worlds. */
describe('bearer tokens', () => {
  let dir: string;
  let t: TestDaemon;
  let open: TypedClient<typeof PersistenceService>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'persistd-tokens-'));
    const file = join(dir, 'tokens');
    writeFileSync(file, ['# principal:token, split on the last colon', 'spiffe://caelmor/gs1:tok-gs1-7f3a', 'gs-zone:tok-zone-91c2', 'gs-unlisted:tok-unlisted-55d0', ''].join('\n'));
    t = await startTestDaemon({
      // Any address may be bound once callers authenticate: 0.0.0.0 is allowed here.
      PERSISTD_LISTEN: '0.0.0.0:0',
      PERSISTD_TOKENS_FILE: file,
      PERSISTD_ALLOWED_PRINCIPALS: 'spiffe://caelmor/gs1,gs-zone=zone-*',
    });
    open = createClient(PersistenceService, `127.0.0.1:${t.daemon.port}`);
  });
  afterAll(async () => {
    open.close();
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the right token saves, and its principal is recorded in EpochMeta', async () => {
    const res = await open.save(saveRequest('alpha', smallWorld('alpha')), {}, bearer('tok-gs1-7f3a'));
    expect(res.committedEpoch).toBe(1n);
    expect((await t.daemon.store.readEpochMeta('alpha', 0n)).meta.principal).toBe('spiffe://caelmor/gs1');
  });

  it('a missing, wrong or non-bearer token is UNAUTHENTICATED on every RPC, and nothing changes', async () => {
    const before = await dumpStore(t.redis, t.prefix);
    const wrongs = [new grpc.Metadata(), bearer('tok-gs1-7f3b'), bearer('tok-gs1-7f3a ' + 'x'), (() => {
      const md = new grpc.Metadata();
      md.set('authorization', 'Basic tok-gs1-7f3a');
      return md;
    })()];
    for (const md of wrongs) {
      for (const p of [
        open.save(saveRequest('alpha', smallWorld('alpha', 1n, 2), 1n), {}, md),
        open.validate({ worldId: 'alpha', expectedEpoch: 1n, snapshot: smallWorld('alpha', 1n) }, {}, md),
        open.getWorldStatus({ worldId: 'alpha' }, {}, md),
        (async () => {
          for await (const _ of open.restore({ worldId: 'alpha' }, {}, md)) void _;
        })(),
      ]) {
        const err = await refusalOf(p);
        expect({ code: err.code, reason: err.reason }).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: 'UNAUTHENTICATED' });
      }
    }
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
  });

  it('authority comes before parsing: garbage without a token is UNAUTHENTICATED, with one MALFORMED_REQUEST', async () => {
    expect((await refusalOf(rawUnaryCall(open.grpc, SAVE, GARBAGE))).reason).toBe('UNAUTHENTICATED');
    expect((await refusalOf(rawUnaryCall(open.grpc, SAVE, GARBAGE, {}, bearer('tok-gs1-7f3a')))).reason).toBe('MALFORMED_REQUEST');
    const stream = async () => {
      for await (const _ of rawServerStreamCall(open.grpc, '/caelmor.persist.v1.PersistenceService/Restore', GARBAGE)) void _;
    };
    expect((await refusalOf(stream())).reason).toBe('UNAUTHENTICATED');
  });

  it('a principal bound to a world glob is CLIENT_AUTHORED elsewhere; one missing from the allowlist everywhere', async () => {
    const before = await dumpStore(t.redis, t.prefix);
    const elsewhere = await refusalOf(open.save(saveRequest('alpha', smallWorld('alpha', 1n, 3), 1n), {}, bearer('tok-zone-91c2')));
    expect({ code: elsewhere.code, reason: elsewhere.reason }).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'CLIENT_AUTHORED' });
    const unlisted = await refusalOf(open.save(saveRequest('zone-1', smallWorld('zone-1')), {}, bearer('tok-unlisted-55d0')));
    expect(unlisted.reason).toBe('CLIENT_AUTHORED');
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
    const own = await open.save(saveRequest('zone-1', smallWorld('zone-1')), {}, bearer('tok-zone-91c2'));
    expect(own.committedEpoch).toBe(1n);
    expect((await t.daemon.store.readEpochMeta('zone-1', 0n)).meta.principal).toBe('gs-zone');
  });

  it('counts refusals by kind', () => {
    expect(t.daemon.authority.counters.unauthenticated).toBeGreaterThanOrEqual(16);
    expect(t.daemon.authority.counters.denied).toBeGreaterThanOrEqual(2);
  });
});
