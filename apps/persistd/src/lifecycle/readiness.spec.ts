import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import { createClient, PersistenceService } from '@persistd/contract';
import { freePort, keysUnder, smallWorld, testRedis, TEST_REDIS_URL, uniquePrefix } from '@persistd/testkit';
import pino from 'pino';
import { loadSettings } from '../config/settings';
import { startDaemon } from '../daemon';
import { SavePool } from '../save-work/save-pool';
import { runSnapshotSteps } from '../save-work/save-steps';
import { WARM_UP_ROUNDS, warmUpRequest } from '../save-work/warm-up';
import { captureLogs } from '../test/captured-logs';
import { healthClient } from '../test/health-client';
import { refusalOf, saveRequest } from '../test/test-daemon';

const LIMITS = { maxRecordsPerSection: 250_000, maxStringBytes: 4096, maxMapEntries: 1024 };

/** True once a TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('ready when it listens', () => {
  it('the warm-up save passes every rule and prepares an epoch: it walks a real save\'s whole path', () => {
    const work = runSnapshotSteps({ method: 'Save', bytes: warmUpRequest(), limits: LIMITS, principal: 'warm-up' });
    expect(work.method).toBe('Save');
    if (work.method !== 'Save') return;
    expect(work.prepared.chunks.length).toBeGreaterThanOrEqual(5);
    expect(work.stats).toBeDefined();
  });

  it('warm() starts every thread and runs the warm-up save on each', async () => {
    const pool = new SavePool(2, pino({ level: 'silent' }));
    try {
      expect(await pool.warm()).toBeGreaterThan(0);
      expect(pool.warmUpSaves).toBe(2 * WARM_UP_ROUNDS);
      expect(pool.stats()).toEqual({ waiting: 0, running: 0, background: 0 });
    } finally {
      await pool.close();
    }
  });

  const logLine = (logs: ReturnType<typeof captureLogs>, start: string) => logs.entries().find((e) => typeof e.msg === 'string' && e.msg.startsWith(start));

  it('the port accepts nothing, so health cannot say SERVING, until the save threads and the save path are warm', async () => {
    const port = await freePort();
    const logs = captureLogs();
    const prefix = uniquePrefix('rd');
    // Tight limits, which the warm-up world breaks: the warm-up is checked under its own.
    const settings = loadSettings([], {
      PERSISTD_LISTEN: `127.0.0.1:${port}`,
      PERSISTD_REDIS_URL: TEST_REDIS_URL,
      PERSISTD_METRICS_LISTEN: 'off',
      PERSISTD_KEY_PREFIX: prefix,
      PERSISTD_SAVE_WORKERS: '2',
      PERSISTD_MAX_RECORDS_PER_SECTION: '5',
      PERSISTD_MAX_MAP_ENTRIES: '1',
    });
    let started = false;
    // A budget no loaded test machine reaches: the order checked below must not depend on timing.
    const starting = startDaemon(settings, logs.logger, { warmUpBudgetMs: 60_000 }).finally(() => (started = true));
    const probes: Array<{ at: number; accepted: boolean }> = [];
    while (!started) {
      probes.push({ at: Date.now(), accepted: await accepts(port) });
      await sleep(5);
    }
    const daemon = await starting;
    const health = healthClient(daemon.address);
    const redis = testRedis();
    try {
      const warm = logLine(logs, 'save workers warm');
      expect(warm).toMatchObject({ saveWorkers: 2 });
      const warmAt = Number(warm!.time);
      // The event loop's half: one save of a scratch world through the real handlers, committed
      // (a form 2 epoch: pointer, meta, request record, index and record chunks), then discarded.
      const path = logLine(logs, 'save path warm (');
      expect(path).toMatchObject({ saved: true, worldId: expect.stringMatching(/^persistd-warm-up-[0-9a-f]{12}$/) });
      expect(path!.keysDeleted).toBeGreaterThan(5);
      const pathAt = Number(path!.time);
      const listeningAt = Number(logLine(logs, 'persistd listening')!.time);
      expect(warmAt).toBeLessThanOrEqual(pathAt);
      expect(pathAt).toBeLessThanOrEqual(listeningAt);
      // Probing ran through the warm-up: no probe before the save path was warm was accepted.
      expect(probes.filter((p) => p.at < warmAt).length).toBeGreaterThan(0);
      expect(probes.filter((p) => p.at < pathAt && p.accepted)).toEqual([]);
      expect(await health.check('')).toBe('SERVING');
      // Nothing of the warm-up is left in Redis, and no metric counts it as a call.
      expect(await keysUnder(redis, prefix)).toEqual([]);
      expect(await daemon.metrics.registry.getSingleMetricAsString('persistd_rpcs_total')).not.toContain('method="Save"');
      // A user's save is counted (so the check above can fail); this one meets the tight limits.
      const client = createClient(PersistenceService, daemon.address);
      try {
        expect((await refusalOf(client.save(saveRequest('rd-world', smallWorld('rd-world'))))).reason).toBe('LIMIT_EXCEEDED');
      } finally {
        client.close();
      }
      expect(await daemon.metrics.registry.getSingleMetricAsString('persistd_rpcs_total')).toContain('method="Save",outcome="refused",reason="LIMIT_EXCEEDED"} 1');
    } finally {
      health.close();
      redis.disconnect();
      await daemon.stop();
    }
  });

  it('with Redis not answering at start, the save path is not warmed and the daemon still listens', async () => {
    const logs = captureLogs();
    const settings = loadSettings([], {
      PERSISTD_LISTEN: '127.0.0.1:0',
      // Nothing listens there.
      PERSISTD_REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      PERSISTD_METRICS_LISTEN: 'off',
      PERSISTD_KEY_PREFIX: uniquePrefix('rd'),
      PERSISTD_SAVE_WORKERS: '1',
    });
    const daemon = await startDaemon(settings, logs.logger);
    try {
      expect(daemon.port).toBeGreaterThan(0);
      expect(logLine(logs, 'save path not warmed: Redis did not answer')).toBeDefined();
      expect(logLine(logs, 'save path warm (')).toBeUndefined();
    } finally {
      await daemon.stop();
    }
  });
});
