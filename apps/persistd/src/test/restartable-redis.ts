import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { startPrivateRedis, type PrivateRedis } from '@persistd/testkit';

/**
 * A private redis-server that a test can stop and start again on the same port — what an
 * operator's Redis restart looks like to the daemon (its connections drop, then reconnect to the
 * same address). The first start is testkit's `startPrivateRedis`; a restart runs the same binary
 * with the same port and directory.
 */
export interface RestartableRedis {
  url: string;
  port: number;
  /** Kills the running server (SIGKILL: a crash). */
  stop(): Promise<void>;
  /** Starts a server on the same port again; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops whatever runs and removes the directory. */
  remove(): Promise<void>;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => (s.destroy(), resolve(false)));
    s.connect(port, '127.0.0.1');
  });
}

export async function startRestartableRedis(): Promise<RestartableRedis> {
  const first: PrivateRedis = await startPrivateRedis();
  let restarted: ChildProcess | undefined;
  let running = true;

  const killRestarted = async () => {
    const child = restarted;
    restarted = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  };

  return {
    url: first.url,
    port: first.port,
    async stop() {
      if (!running) return;
      running = false;
      if (restarted) await killRestarted();
      else await first.kill();
      for (let i = 0; i < 200 && (await accepts(first.port)); i++) await sleep(25);
    },
    async start() {
      if (running) return;
      const bin = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
      restarted = spawn(bin, ['--port', String(first.port), '--bind', '127.0.0.1', '--dir', first.dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', ''], { stdio: 'ignore' });
      running = true;
      for (let i = 0; i < 400; i++) {
        if (await accepts(first.port)) return;
        if (restarted.exitCode !== null) break;
        await sleep(25);
      }
      throw new Error(`redis-server did not start again on port ${first.port}`);
    },
    async remove() {
      await killRestarted();
      await first.stop();
    },
  };
}
