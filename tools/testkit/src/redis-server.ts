import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private `redis-server` process for tests that need a Redis of their own: special config
 * (AOF, eviction policy, renamed commands, requirepass, TLS), one to kill, or a replica. It runs
 * on a free port in a temporary directory, with RDB snapshots off, and is removed by `stop`.
 * Never the shared test Redis.
 */
export interface PrivateRedis {
  /** The TCP port (the TLS port when started with `tls`). */
  port: number;
  /** `redis://127.0.0.1:<port>` (credentials not included). */
  url: string;
  dir: string;
  process: ChildProcess;
  /** Everything the server printed, for failure messages. */
  output(): string;
  /** SIGKILL: a crash, no AOF rewrite, no goodbye. Resolves once the process is gone. */
  kill(): Promise<void>;
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

/** A port nothing listens on right now (the kernel's pick, released at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when something accepts TCP connections on the port (bounded), else rejects. */
async function waitForPort(port: number, alive: () => boolean, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (!alive()) throw new Error('redis-server exited');
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => (s.destroy(), resolve(false)));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    await sleep(25);
  }
  throw new Error(`redis-server did not listen on ${port}`);
}

/** Starts a private redis-server; retries on another port if the one picked was taken meanwhile. */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(options);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

async function startOnce(options: PrivateRedisOptions): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'persistd-redis-'));
  const listen = options.tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.certFile, '--tls-key-file', options.tls.keyFile, '--tls-ca-cert-file', options.tls.caFile, '--tls-auth-clients', options.tls.authClients ? 'yes' : 'no']
    : ['--port', String(port)];
  const args = [...listen, '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', '', ...(options.args ?? [])];
  const child = spawn(options.bin ?? process.env.REDIS_SERVER ?? '/usr/bin/redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  try {
    await waitForPort(port, () => !exited);
  } catch (e) {
    child.kill('SIGKILL');
    await gone;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}: ${out.slice(-2000)}`);
  }
  const end = async (signal: NodeJS.Signals) => {
    if (!exited) {
      child.kill('SIGCONT');
      child.kill(signal);
    }
    await gone;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    process: child,
    output: () => out,
    kill: () => end('SIGKILL'),
    pause: (on) => void (!exited && child.kill(on ? 'SIGSTOP' : 'SIGCONT')),
    async stop() {
      const timer = setTimeout(() => !exited && child.kill('SIGKILL'), 5000);
      await end('SIGTERM');
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
