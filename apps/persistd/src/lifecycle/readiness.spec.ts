import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import { freePort, TEST_REDIS_URL, uniquePrefix } from '@persistd/testkit';
import pino from 'pino';
import { loadSettings } from '../config/settings';
import { startDaemon } from '../daemon';
import { SavePool } from '../save-work/save-pool';
import { runSnapshotSteps } from '../save-work/save-steps';
import { WARM_UP_ROUNDS, warmUpRequest } from '../save-work/warm-up';
import { captureLogs } from '../test/captured-logs';
import { healthClient } from '../test/health-client';

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
    const seen: number[] = [];
    const save = pool.save.bind(pool);
    pool.save = (job, deadline) => {
      seen.push(pool.stats().running);
      return save(job, deadline);
    };
    try {
      expect(await pool.warm()).toBeGreaterThan(0);
      expect(seen.length).toBe(2 * WARM_UP_ROUNDS);
      expect(pool.stats()).toEqual({ waiting: 0, running: 0 });
    } finally {
      await pool.close();
    }
  });

  it('the port accepts nothing, so health cannot say SERVING, until the save threads are warm', async () => {
    const port = await freePort();
    const logs = captureLogs();
    // Tight limits, which the warm-up world breaks: the warm-up is checked under its own.
    const settings = loadSettings([], {
      PERSISTD_LISTEN: `127.0.0.1:${port}`,
      PERSISTD_REDIS_URL: TEST_REDIS_URL,
      PERSISTD_METRICS_LISTEN: 'off',
      PERSISTD_KEY_PREFIX: uniquePrefix('rd'),
      PERSISTD_SAVE_WORKERS: '2',
      PERSISTD_MAX_RECORDS_PER_SECTION: '5',
      PERSISTD_MAX_MAP_ENTRIES: '1',
    });
    let started = false;
    const starting = startDaemon(settings, logs.logger).finally(() => (started = true));
    const probes: Array<{ at: number; accepted: boolean }> = [];
    while (!started) {
      probes.push({ at: Date.now(), accepted: await accepts(port) });
      await sleep(5);
    }
    const daemon = await starting;
    const health = healthClient(daemon.address);
    try {
      const warm = logs.entries().find((e) => typeof e.msg === 'string' && e.msg.startsWith('save workers warm'));
      expect(warm).toMatchObject({ saveWorkers: 2 });
      const warmAt = Number(warm!.time);
      const listeningAt = Number(logs.entries().find((e) => typeof e.msg === 'string' && e.msg.startsWith('persistd listening'))!.time);
      expect(warmAt).toBeLessThanOrEqual(listeningAt);
      // Probing ran through the warm-up: no probe before the warm line was accepted.
      expect(probes.filter((p) => p.at < warmAt).length).toBeGreaterThan(0);
      expect(probes.filter((p) => p.at < warmAt && p.accepted)).toEqual([]);
      expect(await health.check('')).toBe('SERVING');
    } finally {
      health.close();
      await daemon.stop();
    }
  });
});
