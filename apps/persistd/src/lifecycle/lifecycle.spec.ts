import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { createClient, fromServiceError, PersistenceService } from '@persistd/contract';
import { deletePrefix, FaultProxy, smallWorld, TEST_REDIS_URL, testRedis, uniquePrefix } from '@persistd/testkit';
import pino from 'pino';
import { loadSettings } from '../config/settings';
import { startDaemon } from '../daemon';
import { saveRequest } from '../test/test-daemon';
import { ServingState } from './serving-state';

describe('ServingState', () => {
  it('runs each shutdown hook once, in order, even when one throws; a late hook runs at once', async () => {
    const s = new ServingState();
    const seen: string[] = [];
    s.onShutdown(() => void seen.push('health'));
    s.onShutdown(() => {
      throw new Error('broken hook');
    });
    s.onShutdown(async () => void seen.push('metrics'));
    expect(s.serving).toBe(true);
    await s.beginShutdown();
    await s.beginShutdown();
    expect(s.serving).toBe(false);
    expect(seen).toEqual(['health', 'metrics']);
    s.onShutdown(() => void seen.push('late'));
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toEqual(['health', 'metrics', 'late']);
  });
});

describe('daemon.stop', () => {
  it('turns not-serving before the port closes, cancels a call that outlives the grace, and leaves its commit whole or absent', async () => {
    const target = new URL(TEST_REDIS_URL);
    const proxy = new FaultProxy({ host: target.hostname, port: Number(target.port) });
    await proxy.listen();
    const prefix = uniquePrefix('lc');
    const redis = testRedis();
    const settings = loadSettings([], { PERSISTD_LISTEN: '127.0.0.1:0', PERSISTD_REDIS_URL: proxy.url, PERSISTD_KEY_PREFIX: prefix, PERSISTD_METRICS_LISTEN: 'off' });
    let acceptingAtHook: boolean | undefined;
    const daemon = await startDaemon(settings, pino({ level: 'silent' }), {
      beforeBind: (_server, serving) =>
        serving.onShutdown(async () => {
          // The hook runs while the port still takes calls: a health check here would still be answered.
          // (A bad world id is answered without Redis, which this test holds still.)
          const probe = createClient(PersistenceService, daemon.address);
          acceptingAtHook = await probe.getWorldStatus({ worldId: 'bad id' }).then(
            () => false,
            (e: grpc.ServiceError) => fromServiceError(e)?.reason === 'INVALID_FIELD',
          );
          probe.close();
        }),
    });
    const client = createClient(PersistenceService, daemon.address);
    try {
      await client.save(saveRequest('lc', smallWorld('lc'), 0n, 'lc-1'));
      proxy.stall(true);
      const inFlight = client.save(saveRequest('lc', smallWorld('lc', 1n, 2), 1n, 'lc-2')).then(
        () => 'ok' as const,
        (e: grpc.ServiceError) => ({ code: e.code, rich: fromServiceError(e) }),
      );
      for (let i = 0; i < 2000 && daemon.calls.count === 0; i++) await sleep(5);
      expect(daemon.calls.count).toBe(1);

      const stopping = daemon.stop({ graceMs: 200 });
      const outcome = await inFlight;
      expect(outcome).toMatchObject({ code: grpc.status.CANCELLED, rich: undefined });
      proxy.stall(false);
      await stopping;
      await daemon.calls.idle();
      expect(acceptingAtHook).toBe(true);
      expect(daemon.serving.serving).toBe(false);

      // The cancelled save's commit ran on or stopped; either way it is whole or absent.
      const record = await redis.get(`${prefix}:{lc}:req:lc-2`);
      const epoch = await redis.get(`${prefix}:{lc}:epoch`);
      expect(record === null ? epoch === '1' : epoch === '2' && record.startsWith('2 ')).toBe(true);
      if (record) expect(await redis.exists(`${prefix}:{lc}:meta:2`)).toBe(1);
    } finally {
      client.close();
      await daemon.stop();
      await proxy.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });
});
