import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchRedisServer, type LaunchRedisOptions, type RedisServerProcess } from '@persistd/redis-process';

export { freePort } from '@persistd/redis-process';

/**
 * A private `redis-server` process for tests that need a Redis of their own: special config
 * (AOF, eviction policy, renamed commands, requirepass, TLS), one to kill and start again, or a
 * replica. It runs on a free port in a temporary directory, with RDB snapshots off, and is
 * removed by `stop`. Never the shared test Redis.
 */
export interface PrivateRedis {
  /** The TCP port (the TLS port when started with `tls`). */
  port: number;
  /** `redis://127.0.0.1:<port>` (credentials not included). */
  url: string;
  dir: string;
  /** The running process (a new one after `restart`). */
  readonly process: ChildProcess;
  /** Everything the (current) server printed, for failure messages. */
  output(): string;
  /** SIGKILL: a crash, no AOF rewrite, no goodbye. Resolves once the process is gone. */
  kill(): Promise<void>;
  /**
   * After `kill`: starts the same server again, same port, directory and arguments (so it loads
   * its AOF, if it had one) — a Redis coming back where its clients expect it. Resolves once
   * the port answers.
   */
  restart(): Promise<void>;
  /** Pauses / resumes the process (SIGSTOP / SIGCONT): a Redis that hangs without closing sockets. */
  pause(on: boolean): void;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its directory. */
  stop(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Extra `redis-server` arguments, e.g. ['--appendonly', 'yes']. */
  args?: string[];
  /** Serve TLS only, on the returned port, with these PEM files. */
  tls?: { certFile: string; keyFile: string; caFile: string; authClients?: boolean };
  /** Binary; default /usr/bin/redis-server or REDIS_SERVER. */
  bin?: string;
}

/**
 * Starts a private redis-server (the one launcher, `@persistd/redis-process`); it ends with the
 * test process even when that is killed.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'persistd-redis-'));
  const launch: LaunchRedisOptions = {
    bin: options.bin ?? process.env.REDIS_SERVER ?? '/usr/bin/redis-server',
    watchParent: true,
    args: (port) => {
      const listen = options.tls
        ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.certFile, '--tls-key-file', options.tls.keyFile, '--tls-ca-cert-file', options.tls.caFile, '--tls-auth-clients', options.tls.authClients ? 'yes' : 'no']
        : ['--port', String(port)];
      return [...listen, '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', '', ...(options.args ?? [])];
    },
  };
  let server: RedisServerProcess;
  try {
    server = await launchRedisServer(launch);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    port: server.port,
    url: server.url,
    dir,
    get process() {
      return server.process;
    },
    output: () => server.output(),
    kill: () => server.kill(),
    pause: (on) => server.pause(on),
    async restart() {
      if (server.running()) throw new Error(`redis-server on port ${server.port} is still running`);
      server = await launchRedisServer({ ...launch, port: server.port });
    },
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
