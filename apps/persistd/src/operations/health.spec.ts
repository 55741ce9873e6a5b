import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { PersistenceService } from '@persistd/contract';
import { scrapeMetrics, startPrivateRedis, type PrivateRedis } from '@persistd/testkit';
import { captureLogs } from '../test/captured-logs';
import { healthClient, type HealthClient } from '../test/health-client';
import { startTestDaemon, type TestDaemon } from '../test/test-daemon';

/**
 * grpc.health.v1 on a real daemon whose Redis is stopped and started again: SERVING only while
 * Redis answers, NOT_SERVING while it does not and from the moment shutdown begins.
 */

const SERVICE = PersistenceService.typeName;

/** Polls Check until it answers `status` (bounded: the test fails, it does not hang). */
async function until(health: HealthClient, status: string, service = ''): Promise<void> {
  let last = '';
  for (let i = 0; i < 400; i++) {
    last = await health.check(service).catch((e: Error) => `error: ${e.message}`);
    if (last === status) return;
    await sleep(50);
  }
  throw new Error(`health of ${JSON.stringify(service)} stayed ${last}, expected ${status}`);
}

const redisUp = async (t: TestDaemon) => (await scrapeMetrics(t.daemon.metricsUrl!)).value('persistd_redis_up');

/** Runs the container's HEALTHCHECK script against an address. */
function runHealthcheck(address: string): Promise<{ code: number | null; stderr: string }> {
  const script = join(__dirname, '../../docker/healthcheck.cjs');
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', PERSISTD_HEALTH_ADDRESS: address }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('health (grpc.health.v1)', () => {
  let redis: PrivateRedis;
  let t: TestDaemon | undefined;
  let health: HealthClient | undefined;

  beforeEach(async () => {
    redis = await startPrivateRedis();
  });
  afterEach(async () => {
    health?.close();
    health = undefined;
    await t?.stop();
    t = undefined;
    await redis.stop();
  });

  it('is SERVING while Redis answers, NOT_SERVING while it is stopped, SERVING again once it is back', async () => {
    const logs = captureLogs();
    t = await startTestDaemon({ PERSISTD_REDIS_URL: redis.url }, { healthIntervalMs: 100, logger: logs.logger });
    health = healthClient(t.daemon.address);
    expect(await health.check('')).toBe('SERVING');
    expect(await health.check(SERVICE)).toBe('SERVING');
    await expect(health.check('no.such.Service')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    expect(await redisUp(t)).toBe(1);
    const watch = health.watch(SERVICE);
    await watch.seen('SERVING');

    await redis.kill();
    await until(health, 'NOT_SERVING');
    expect(await health.check(SERVICE)).toBe('NOT_SERVING');
    await watch.seen('NOT_SERVING');
    expect(await redisUp(t)).toBe(0);

    await redis.restart();
    await until(health, 'SERVING');
    expect(await health.check(SERVICE)).toBe('SERVING');
    await watch.seen('SERVING');
    expect(watch.statuses).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
    expect(await redisUp(t)).toBe(1);
    // And the daemon serves again, through the restarted Redis.
    expect((await t.client.getWorldStatus({ worldId: 'after-restart' })).committedEpoch).toBe(0n);
    watch.cancel();

    const transitions = logs.entries().filter((e) => e.health !== undefined).map((e) => [e.health, e.level]);
    expect(transitions).toEqual([
      ['SERVING', 30],
      ['NOT_SERVING', 40],
      ['SERVING', 30],
    ]);
  });

  it('turns NOT_SERVING when shutdown begins, while the port still answers, and ends open Watch streams so they never hold the stop up', async () => {
    const logs = captureLogs();
    t = await startTestDaemon({ PERSISTD_REDIS_URL: redis.url }, { healthIntervalMs: 100, logger: logs.logger });
    const probe = healthClient(t.daemon.address);
    health = probe;
    const watch = probe.watch('');
    await watch.seen('SERVING');

    // A hook registered now runs after health's own: what does a Check answer at that moment?
    let atShutdown: string[] = [];
    t.daemon.serving.onShutdown(async () => {
      atShutdown = [await probe.check(''), await probe.check(SERVICE)];
    });
    await t.daemon.stop({ graceMs: 30_000 });

    expect(atShutdown).toEqual(['NOT_SERVING', 'NOT_SERVING']);
    expect(watch.statuses).toEqual(['SERVING', 'NOT_SERVING']);
    expect((await watch.ended).code).toBe(grpc.status.OK);
    expect(t.daemon.health.status).toBe('NOT_SERVING');
    // The Watch did not keep the port open until the grace ran out.
    expect(logs.entries().map((e) => e.msg)).not.toContain('shutdown grace over: calls still in flight were cancelled');
    expect(logs.entries().at(-1)?.msg).toBe('stopped');
  });

  it("the container's HEALTHCHECK script exits 0 while SERVING and 1 while NOT_SERVING", async () => {
    t = await startTestDaemon({ PERSISTD_REDIS_URL: redis.url }, { healthIntervalMs: 100 });
    health = healthClient(t.daemon.address);
    expect(await runHealthcheck(t.daemon.address)).toEqual({ code: 0, stderr: '' });
    await redis.kill();
    await until(health, 'NOT_SERVING');
    const down = await runHealthcheck(t.daemon.address);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('NOT_SERVING');
  });
});
