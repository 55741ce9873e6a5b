import * as grpc from '@grpc/grpc-js';
import { createClient, fromServiceError, PersistenceService, type RestoreResponse, type SaveResponse, type TypedClient } from '@persistd/contract';
import { daemonBundle, DaemonChildProcess, deletePrefix, FaultProxy, generateWorld, removeDaemonBundle, TEST_REDIS_URL, testRedis, uniquePrefix } from '@persistd/testkit';
import type Redis from 'ioredis';
import { saveRequest, startTestDaemon } from './test/test-daemon';

/** One save of the burst and how it ended. */
interface Attempt {
  world: string;
  expected: bigint;
  requestId: string;
  sentBeforeSigterm: boolean;
  answeredAfterSigterm?: boolean;
  outcome?: { kind: 'ok'; res: SaveResponse } | { kind: 'refused'; reason: string } | { kind: 'unknown'; code: number };
}

const WORLDS = ['sd-a', 'sd-b', 'sd-c', 'sd-d'];
const world = (worldId: string, epoch: bigint) => generateWorld({ worldId, players: 20, zones: 6, npcs: 20, items: 60, quests: 10, epoch, seed: Number(epoch) + worldId.charCodeAt(3) * 1000 });

async function restoreAll(client: TypedClient<typeof PersistenceService>, worldId: string, epoch: bigint): Promise<RestoreResponse[]> {
  const out: RestoreResponse[] = [];
  for await (const m of client.restore({ worldId, epoch })) out.push(m);
  return out;
}

/**
 * SIGTERM during a burst of saves from several game servers (DESIGN §5, graceful shutdown):
 * the daemon stops taking calls, lets the saves in flight finish, exits 0; afterwards
 * a fresh daemon finds every acknowledged save restorable and nothing half-done.
 */
describe('graceful shutdown of a daemon process', () => {
  let redis: Redis;
  let proxy: FaultProxy;
  let daemon: DaemonChildProcess;
  let client: TypedClient<typeof PersistenceService>;
  const prefix = uniquePrefix('sd');

  beforeAll(async () => {
    redis = testRedis();
    const target = new URL(TEST_REDIS_URL);
    proxy = new FaultProxy({ host: target.hostname, port: Number(target.port) });
    await proxy.listen();
    daemon = DaemonChildProcess.launch({
      entry: await daemonBundle(),
      env: {
        PERSISTD_LISTEN: '127.0.0.1:0',
        PERSISTD_REDIS_URL: proxy.url,
        PERSISTD_KEY_PREFIX: prefix,
        PERSISTD_RETENTION: '1000', // every acknowledged epoch stays restorable
        PERSISTD_SHUTDOWN_GRACE: '30',
        PERSISTD_LOG_LEVEL: 'debug',
      },
    });
    client = createClient(PersistenceService, await daemon.listening());
  });
  afterAll(async () => {
    proxy.setDelay(0);
    client.close();
    await daemon.stop();
    await proxy.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await removeDaemonBundle();
  });

  it('SIGTERM during a burst: saves in flight finish, later ones are refused, every acknowledged save is restorable, none half-done', async () => {
    const attempts: Attempt[] = [];
    let sigtermSent = false;
    let acked = 0;
    let onAck: (() => void) | undefined;

    // One sequential chain of saves per world, as a game server would make them.
    const chain = async (w: string) => {
      for (let expected = 0n; ; expected++) {
        const a: Attempt = { world: w, expected, requestId: `${w}-${expected + 1n}`, sentBeforeSigterm: !sigtermSent };
        attempts.push(a);
        try {
          a.outcome = { kind: 'ok', res: await client.save(saveRequest(w, world(w, expected), expected, a.requestId), { deadline: Date.now() + 60_000 }) };
          acked++;
          onAck?.();
        } catch (e) {
          const rich = fromServiceError(e as grpc.ServiceError);
          a.outcome = rich ? { kind: 'refused', reason: rich.reason } : { kind: 'unknown', code: (e as grpc.ServiceError).code };
        }
        a.answeredAfterSigterm = sigtermSent;
        if (a.outcome.kind !== 'ok') return;
      }
    };
    const running = Promise.all(WORLDS.map(chain));

    // After a dozen acknowledgements, slow Redis down (every round trip ≥ 400 ms) so the saves
    // being made stay inside the daemon across the SIGTERM. (A delay, not a stall: a commit
    // connection opened now must still become ready within its connect timeout.)
    await new Promise<void>((resolve) => (onAck = () => acked >= 12 && resolve()));
    onAck = undefined;
    proxy.setDelay(200);
    const pending = attempts.filter((a) => !a.outcome);
    expect(pending.length).toBeGreaterThan(0);
    for (const a of pending) await daemon.waitForLog((e) => e.msg === 'save admitted' && e.requestId === a.requestId);

    sigtermSent = true;
    daemon.signal('SIGTERM');
    await daemon.waitForLog((e) => e.msg === 'not serving: finishing calls in flight');

    await running;
    const exit = await daemon.exited;
    expect(exit).toEqual({ code: 0, signal: null });

    // Every save that was inside the daemon at SIGTERM was acknowledged.
    for (const a of pending) expect(a.outcome).toMatchObject({ kind: 'ok' });
    // Every save the chains tried after SIGTERM was refused (the port is closed): none acknowledged.
    const late = attempts.filter((a) => !a.sentBeforeSigterm);
    expect(late.length).toBeGreaterThan(0);
    for (const a of late) expect(a.outcome?.kind).not.toBe('ok');

    // A fresh daemon on the same store.
    const fresh = await startTestDaemon({ PERSISTD_KEY_PREFIX: prefix, PERSISTD_RETENTION: '1000' });
    try {
      for (const w of WORLDS) {
        const mine = attempts.filter((a) => a.world === w);
        const ok = mine.filter((a) => a.outcome?.kind === 'ok');
        const status = await fresh.client.getWorldStatus({ worldId: w });
        // Sequential saves: the committed epoch is the acknowledged ones, plus at most the one whose answer was lost.
        expect(status.committedEpoch === BigInt(ok.length) || status.committedEpoch === BigInt(ok.length) + 1n).toBe(true);
        expect(status.retainedEpochs).toEqual(Array.from({ length: Number(status.committedEpoch) }, (_, i) => BigInt(i + 1)));

        for (const a of ok) {
          const res = (a.outcome as { res: SaveResponse }).res;
          const messages = await restoreAll(fresh.client, w, res.committedEpoch);
          const activation = messages[messages.length - 1]!.payload;
          expect(activation.case).toBe('activation');
          expect(activation.value).toMatchObject({ epoch: res.committedEpoch, digest: res.digest, contentDigest: res.contentDigest });
        }
        for (const a of mine.filter((x) => x.outcome?.kind !== 'ok')) {
          const record = await fresh.daemon.store.readRequest(w, a.requestId);
          if (a.outcome?.kind === 'refused') expect(record).toBeUndefined();
          if (record) {
            // An unknown outcome that did commit is whole: its epoch restores, digest and all.
            const messages = await restoreAll(fresh.client, w, record.epoch);
            expect(messages[messages.length - 1]!.payload.value).toMatchObject({ digest: record.digest, contentDigest: record.contentDigest });
          }
        }
      }
    } finally {
      fresh.client.close();
      await fresh.daemon.stop();
      fresh.redis.disconnect();
    }
    expect(daemon.logs().some((e) => e.msg === 'stopped')).toBe(true);
  });
});
