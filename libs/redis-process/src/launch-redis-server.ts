import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, portAnswers } from './port-answers';
import { watchParentFor } from './parent-watch';

/**
 * Starts `redis-server` processes on a free loopback port: the one launcher behind the test
 * kit's private servers and the daemon's managed development Redis. The caller chooses every
 * configuration argument; this module only picks the port, waits until it answers and ends the
 * process.
 */
export interface RedisServerProcess {
  port: number;
  /** `redis://127.0.0.1:<port>` (credentials not included). */
  url: string;
  pid: number;
  process: ChildProcess;
  /** The last part of what the server printed, for failure messages. */
  output(): string;
  running(): boolean;
  /** Resolves once the process has exited, however it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGSTOP / SIGCONT: a Redis that hangs without closing its sockets. */
  pause(on: boolean): void;
  /** SIGKILL: a crash, no goodbye. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (Redis flushes its AOF and exits), SIGKILL after `graceMs`. Resolves once gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface LaunchRedisOptions {
  /** The binary: a path, or a name looked up on PATH. */
  bin: string;
  /** The arguments for the port picked; they must make the server listen there on 127.0.0.1. */
  args(port: number): string[];
  /** This port instead of a free one (a server started again where its clients expect it); no retry elsewhere. */
  port?: number;
  /** Own session: a terminal's Ctrl-C reaches only its parent, which then stops it in order. */
  detached?: boolean;
  /** The server ends even if this process is SIGKILLed (see parent-watch). */
  watchParent?: boolean;
  /** How long to wait for the port to answer (default 10 s; a loaded machine is slow). */
  startTimeoutMs?: number;
}

/** No such binary: the caller says how to install one. */
export class RedisServerMissingError extends Error {
  constructor(readonly bin: string) {
    super(`${bin} not found`);
  }
}

const OUTPUT_LIMIT = 64 * 1024;

/** Starts a redis-server; tries another port if the one picked was taken meanwhile. */
export async function launchRedisServer(options: LaunchRedisOptions): Promise<RedisServerProcess> {
  if (options.port !== undefined) return launchOnce(options, options.port);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launchOnce(options, await freePort());
    } catch (e) {
      if (e instanceof RedisServerMissingError) throw e;
      lastError = e;
    }
  }
  throw lastError;
}

async function launchOnce(options: LaunchRedisOptions, port: number): Promise<RedisServerProcess> {
  const child = spawn(options.bin, options.args(port), { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > OUTPUT_LIMIT) out = out.slice(-OUTPUT_LIMIT);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let spawnError: NodeJS.ErrnoException | undefined;
  child.once('error', (e: NodeJS.ErrnoException) => (spawnError = e));
  let ended = false;
  // 'exit' as soon as the process is gone (a forked AOF rewrite may hold its pipes open longer);
  // 'close' for a spawn that failed, which never exits.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const gone = (code: number | null, signal: NodeJS.Signals | null) => ((ended = true), resolve({ code, signal }));
    child.once('exit', gone);
    child.once('close', gone);
  });
  const watcher = options.watchParent && child.pid !== undefined ? watchParentFor(child.pid) : undefined;

  const end = async (signal: NodeJS.Signals) => {
    if (!ended) {
      child.kill('SIGCONT');
      child.kill(signal);
    }
    await exited;
    watcher?.release();
  };
  const handle: RedisServerProcess = {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    process: child,
    output: () => out,
    running: () => !ended,
    exited,
    pause: (on) => void (!ended && child.kill(on ? 'SIGSTOP' : 'SIGCONT')),
    kill: () => end('SIGKILL'),
    async stop(graceMs = 5000) {
      const timer = setTimeout(() => !ended && child.kill('SIGKILL'), graceMs);
      await end('SIGTERM');
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  for (;;) {
    if (spawnError?.code === 'ENOENT') throw new RedisServerMissingError(options.bin);
    if (spawnError || ended) {
      await handle.kill();
      throw new Error(`redis-server exited before listening on ${port}: ${spawnError?.message ?? out.slice(-2000)}`);
    }
    if (await portAnswers('127.0.0.1', port, 500)) return handle;
    if (Date.now() > deadline) {
      await handle.kill();
      throw new Error(`redis-server did not listen on ${port}: ${out.slice(-2000)}`);
    }
    await sleep(25);
  }
}
