import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { isPersistdError, PersistdClient } from '@persistd/client';
import { deletePrefix, TEST_REDIS_URL, testRedis, uniquePrefix } from '@persistd/testkit';

/** The workspace root, where the daemon's sources are. */
export const WORKSPACE_ROOT = resolve(__dirname, '../../../..');

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

/** A port nothing listens on right now (bound and released; the daemon binds it next). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', () => ok()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * @internal test support. Starts `apps/persistd/src/main.ts` as a real process (tools may not
 * import the app: module boundaries) and waits, bounded, until it answers GetWorldStatus (an
 * answer or a refusal with an ErrorInfo).
 * `env` overrides the daemon's variables; metrics are off so parallel daemons do not collide.
 */
export async function startDaemonProcess(env: Record<string, string> = {}): Promise<DaemonProcess> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const prefix = env.PERSISTD_KEY_PREFIX ?? uniquePrefix('ctl');
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

  const probe = new PersistdClient(address, { retry: false });
  try {
    for (let attempt = 1; ; attempt++) {
      if (child.exitCode !== null) throw new Error(`persistd exited with ${child.exitCode} before serving:\n${output}`);
      try {
        await probe.getWorldStatus('readiness-probe', { deadlineMs: 1000 });
        break;
      } catch (e) {
        if (isPersistdError(e) && e.reason !== undefined) break; // a refusal (UNAUTHENTICATED): it serves
        if (attempt >= 120) throw new Error(`persistd did not serve on ${address}: ${(e as Error).message}\n${output}`);
        await sleep(250);
      }
    }
  } catch (e) {
    await stop();
    throw e;
  } finally {
    probe.close();
  }
  return { address, prefix, redisUrl: TEST_REDIS_URL, output: () => output, stop };
}
