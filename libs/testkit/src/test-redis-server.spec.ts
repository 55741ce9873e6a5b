import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, portAnswers, processRuns } from '@persistd/redis-process';
import Redis from 'ioredis';
import { exited, track } from './child-process';
import { WORKSPACE_ROOT } from './workspace-root';
import { openPrivateNetwork } from './private-network';
import { TEST_REDIS_URL } from './redis';
import { ensureTestRedis } from './test-redis-server';

describe("the test run's Redis (jest globalSetup)", () => {
  it('uses the Redis that answers at the test address and starts none', async () => {
    expect(await ensureTestRedis(TEST_REDIS_URL)).toBeUndefined();
  });

  it('when none answers, starts a throwaway one that keeps nothing on disk and is gone after stop', async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    const started = (await ensureTestRedis(nobody))!;
    expect(started).toBeDefined();
    const c = new Redis(started.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      expect(await c.ping()).toBe('PONG');
      expect(await c.call('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
      expect(await c.call('CONFIG', 'GET', 'save')).toEqual(['save', '']);
    } finally {
      c.disconnect();
    }
    await started.stop();
    expect(processRuns(started.process.pid!)).toBe(false);
    expect(existsSync(started.dir)).toBe(false);
    expect(await portAnswers('127.0.0.1', started.port)).toBe(false);
  });

  it('a jest run where nothing listens on 6379 passes against the Redis it started, and leaves none behind', async () => {
    const net = await openPrivateNetwork();
    try {
      const env = { ...process.env };
      delete env.PERSISTD_TEST_REDIS_URL;
      // Nx forces colour on its children; the summary line is read as plain text.
      env.FORCE_COLOR = '0';
      const [cmd, ...args] = net.wrap([process.execPath, join(WORKSPACE_ROOT, 'node_modules/jest/bin/jest.js'), '-c', 'libs/testkit/jest.config.cjs', 'libs/testkit/src/redis.spec.ts', '--colors=false']);
      const run = track(spawn(cmd!, args, { cwd: WORKSPACE_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
      let out = '';
      run.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      run.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      expect({ ...(await exited(run)), out }).toMatchObject({ code: 0 });
      const line = /test Redis: none answered at redis:\/\/127\.0\.0\.1:6379; started redis-server pid (\d+) on \S+ for this run \(dir (\S+), removed after\)/.exec(out);
      expect(line).not.toBeNull();
      expect(out).toMatch(/Tests:\s+2 passed/);
      expect(processRuns(Number(line![1]))).toBe(false);
      expect(existsSync(line![2]!)).toBe(false);
    } finally {
      await net.close();
    }
  });
});
