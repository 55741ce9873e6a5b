import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, freePort, LogTail, terminate, track, trackDir, untrackDir } from '@persistd/testkit';
import { waitUntil } from '../time';

/** Where the harness finds redis-server (override with REDIS_SERVER). */
const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/**
 * A redis-server of the harness's own: a free port, a temporary directory, AOF with
 * `appendfsync always` and no RDB snapshots, so an acknowledged write survives SIGKILL. It can be
 * killed and started again on the same files and port, which is what a crashed Redis coming back
 * looks like to persistd.
 */
export class RedisServerProcess {
  private child?: ChildProcess;
  private readonly log = new LogTail(100);
  /** SIGKILLs delivered by the harness. */
  kills = 0;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<RedisServerProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'persistd-chaos-redis-'));
    trackDir(dir);
    const server = new RedisServerProcess(dir, await freePort());
    try {
      await server.spawnAndWait();
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no shutdown, no final fsync beyond what `appendfsync always` already did. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.kills++;
    const done = exited(this.child);
    this.child.kill('SIGKILL');
    await done;
  }

  /** Starts redis-server again on the same directory (it loads the AOF) and port. */
  async restart(): Promise<void> {
    if (this.alive) throw new Error('redis-server is still running');
    await this.spawnAndWait();
  }

  /** Stops the server and deletes its files. */
  async stop(): Promise<void> {
    if (this.child) await terminate(this.child, 'SIGKILL', 2000);
    await rm(this.dir, { recursive: true, force: true });
    untrackDir(this.dir);
  }

  logTail(): string {
    return this.log.text();
  }

  private async spawnAndWait(): Promise<void> {
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--appendonly', 'yes',
      '--appendfsync', 'always',
      '--save', '',
      '--daemonize', 'no',
      '--protected-mode', 'no',
      '--maxmemory-policy', 'noeviction',
      '--loglevel', 'warning',
    ]; // prettier-ignore
    const child = track(spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.child = child;
    this.log.follow(child.stdout);
    this.log.follow(child.stderr);
    const ready = await waitUntil(async () => child.exitCode !== null || (await pingsBack(this.port)), 15_000, 20);
    if (!ready || child.exitCode !== null) {
      throw new Error(`redis-server on port ${this.port} did not become ready:\n${this.log.text()}`);
    }
  }
}

/** True when the server answers PING with PONG (not while it is still loading its AOF). */
function pingsBack(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (b) => {
      answer += b.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}
