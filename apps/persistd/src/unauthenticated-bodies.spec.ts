import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { createClient, fromServiceError, GetWorldStatusRequestSchema, GetWorldStatusResponseSchema, PersistenceService, rawUnaryCall, type TypedClient } from '@persistd/contract';
import { daemonBundle, DaemonChildProcess, deletePrefix, removeDaemonBundle, smallWorld, TEST_REDIS_URL, testRedis, uniquePrefix } from '@persistd/testkit';
import { saveRequest, startTestDaemon } from './test/test-daemon';

const SAVE = '/caelmor.persist.v1.PersistenceService/Save';
const STATUS = '/caelmor.persist.v1.PersistenceService/GetWorldStatus';
const MIB = 1024 * 1024;
/** The attack: 8 streams of 48 MiB, none with a token, to make the daemon buffer 384 MiB. */
const STREAMS = 8;
const BODY = Buffer.alloc(48 * MIB, 0x5a);
/** RSS the attack may add to the daemon: far below the 8 × 48 MiB it would take to hold the bodies. */
const RSS_GROWTH_BOUND = 128 * MIB;

/** Resident set size of a process, in bytes, from /proc. */
function rssOf(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`))!;
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

const bearer = (token: string) => {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
};

/**
 * DESIGN §3 "Who may call": credentials are checked on a call's metadata, before its message is
 * read, so a peer without a token cannot make the daemon buffer bodies. Against a real daemon
 * process, whose memory is read from /proc.
 */
describe('unauthenticated large bodies', () => {
  let dir: string;
  let prefix: string;
  let daemon: DaemonChildProcess;
  let address: string;
  let game: TypedClient<typeof PersistenceService>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'persistd-unauth-'));
    writeFileSync(join(dir, 'tokens'), 'gs-1:tok-unauth-bodies-4e1f\n');
    prefix = uniquePrefix('unauth');
    daemon = DaemonChildProcess.launch({ entry: await daemonBundle(), env: { PERSISTD_LISTEN: '127.0.0.1:0', PERSISTD_REDIS_URL: TEST_REDIS_URL, PERSISTD_KEY_PREFIX: prefix, PERSISTD_TOKENS_FILE: join(dir, 'tokens'), PERSISTD_LOG_LEVEL: 'info' } });
    address = await daemon.listening(60_000);
    game = createClient(PersistenceService, address);
  }, 90_000);

  afterAll(async () => {
    game?.close();
    await daemon?.stop();
    await removeDaemonBundle();
    const redis = testRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('8 streams of 48 MiB without a token are each refused UNAUTHENTICATED (or reset), the daemon does not hold them, and authenticated saves keep being answered', async () => {
    const token = bearer('tok-unauth-bodies-4e1f');
    // Warm: the first save starts the save workers, so their memory is in the baseline.
    let epoch = (await game.save(saveRequest('unauth-w', smallWorld('unauth-w')), { deadline: Date.now() + 30_000 }, token)).committedEpoch;
    const pid = daemon.child.pid!;
    const baseline = rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);

    const attacker = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
    let attacking = true;
    const attack = Promise.all(
      Array.from({ length: STREAMS }, () =>
        rawUnaryCall(attacker, SAVE, BODY, { deadline: Date.now() + 60_000 }).then(
          () => ({ code: grpc.status.OK, reason: undefined as string | undefined }),
          (e: grpc.ServiceError) => ({ code: e.code, reason: fromServiceError(e)?.reason }),
        ),
      ),
    ).finally(() => (attacking = false));

    // Authenticated saves on another connection, all through the attack.
    let answered = 0;
    do {
      const res = await game.save(saveRequest('unauth-w', smallWorld('unauth-w', epoch, answered), epoch), { deadline: Date.now() + 30_000 }, token);
      expect(res.committedEpoch).toBe(epoch + 1n);
      epoch = res.committedEpoch;
      answered++;
    } while (attacking);
    const outcomes = await attack;
    clearInterval(sampler);
    peak = Math.max(peak, rssOf(pid));

    for (const o of outcomes) {
      // Refused on its metadata; a peer that keeps sending after the answer may see its stream reset.
      if (o.code === grpc.status.UNAUTHENTICATED) expect(o.reason).toBe('UNAUTHENTICATED');
      else expect([grpc.status.CANCELLED, grpc.status.UNAVAILABLE, grpc.status.INTERNAL]).toContain(o.code);
    }
    expect(outcomes.filter((o) => o.code === grpc.status.UNAUTHENTICATED).length).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(0);
    process.stdout.write(`unauthenticated bodies: ${STREAMS} x ${BODY.length / MIB} MiB, RSS ${(baseline / MIB).toFixed(0)} -> peak ${(peak / MIB).toFixed(0)} MiB (+${((peak - baseline) / MIB).toFixed(0)} MiB), ${answered} authenticated saves answered meanwhile, answers ${JSON.stringify(outcomes.map((o) => grpc.status[o.code]))}\n`);
    expect(peak - baseline).toBeLessThan(RSS_GROWTH_BOUND);

    // The refused peer's channel keeps serving: with a token, its next call is answered.
    try {
      const status = await rawUnaryCall(attacker, STATUS, toBinary(GetWorldStatusRequestSchema, create(GetWorldStatusRequestSchema, { worldId: 'unauth-w' })), { deadline: Date.now() + 10_000 }, token);
      expect(fromBinary(GetWorldStatusResponseSchema, status).committedEpoch).toBe(epoch);
    } finally {
      attacker.close();
    }
  }, 180_000);
});

describe('streams per connection', () => {
  it('are capped at PERSISTD_MAX_CONCURRENT_STREAMS, announced in the HTTP/2 settings, and a channel with more calls than that still gets every one answered', async () => {
    const t = await startTestDaemon({ PERSISTD_MAX_CONCURRENT_STREAMS: '3' });
    const session = http2.connect(`http://${t.daemon.address}`);
    try {
      const settings = await new Promise<http2.Settings>((resolve, reject) => {
        session.once('remoteSettings', resolve);
        session.once('error', reject);
      });
      expect(settings.maxConcurrentStreams).toBe(3);
      // Ten calls on one channel: the client queues what the cap does not admit, nothing is refused.
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => t.client.getWorldStatus({ worldId: `streams-${i}` }, { deadline: Date.now() + 10_000 })));
      expect(answers.map((a) => a.committedEpoch)).toEqual(Array(10).fill(0n));
    } finally {
      session.close();
      await t.stop();
    }
  }, 60_000);
});
