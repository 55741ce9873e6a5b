import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { ServiceError } from '@grpc/grpc-js';
import { createClient, fromServiceError, PersistenceService } from '@persistd/contract';
import { deletePrefix, TEST_REDIS_URL, testRedis, uniquePrefix } from './redis';
import { freePort } from './redis-server';

/** The workspace root, where the daemon's sources are. */
export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

/** A persistd process for a test: its own port, its own key prefix on the shared Redis. */
export interface DaemonProcess {
  address: string;
  prefix: string;
  redisUrl: string;
  /** Everything the process wrote so far (for failure messages). */
  output(): string;
  /** SIGTERM, wait for the exit, delete the prefix's keys. */
  stop(): Promise<void>;
}

/**
 * Starts `apps/persistd/src/main.ts` as a real process (no project may import the app: module
 * boundaries; a process needs no import) and waits, bounded, until it answers GetWorldStatus
 * (an answer or a refusal with an ErrorInfo).
 * `env` overrides the daemon's variables; metrics are off so parallel daemons do not collide.
 */
export async function startDaemonProcess(env: Record<string, string> = {}, label = 'dp'): Promise<DaemonProcess> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const prefix = env.PERSISTD_KEY_PREFIX ?? uniquePrefix(label);
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/persistd/src/main.ts'], {
    cwd: WORKSPACE_ROOT,
    env: {
      ...process.env,
      PERSISTD_LISTEN: address,
      PERSISTD_REDIS_URL: TEST_REDIS_URL,
      PERSISTD_KEY_PREFIX: prefix,
      PERSISTD_METRICS_LISTEN: 'off',
      PERSISTD_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    const redis = testRedis();
    try {
      await deletePrefix(redis, prefix);
    } finally {
      redis.disconnect();
    }
  };

  try {
    for (let attempt = 1; !(await daemonAnswers(address)); attempt++) {
      if (child.exitCode !== null) throw new Error(`persistd exited with ${child.exitCode} before serving:\n${output}`);
      if (attempt >= 120) throw new Error(`persistd did not serve on ${address}\n${output}`);
      await sleep(250);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { address, prefix, redisUrl: TEST_REDIS_URL, output: () => output, stop };
}

/**
 * True when a handler of the daemon at `address` answers: a world's status, or a refusal with an
 * ErrorInfo (no credentials, Redis down on purpose). A bare UNAVAILABLE means nobody serves yet.
 */
export async function daemonAnswers(address: string): Promise<boolean> {
  const client = createClient(PersistenceService, address);
  try {
    await client.getWorldStatus({ worldId: 'readiness-probe' }, { deadline: Date.now() + 1000 });
    return true;
  } catch (e) {
    return fromServiceError(e as ServiceError) !== undefined;
  } finally {
    client.close();
  }
}
