import { Socket } from 'node:net';
import { type PrivateRedis, startPrivateRedis, trackDir, untrackDir } from '@persistd/testkit';
import { waitUntil } from '../time';

/**
 * The harness's redis-server: the test kit's private server with AOF under `appendfsync always`
 * and no RDB snapshots, so an acknowledged write survives SIGKILL. It can be killed and started
 * again on the same files and port, which is what a crashed Redis coming back looks like to
 * persistd.
 */
export class RedisServerProcess {
  /** SIGKILLs delivered by the harness. */
  kills = 0;

  private constructor(private readonly server: PrivateRedis) {}

  static async start(): Promise<RedisServerProcess> {
    const server = await startPrivateRedis({
      args: ['--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'no', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'],
    });
    trackDir(server.dir);
    return new RedisServerProcess(server);
  }

  get dir(): string {
    return this.server.dir;
  }

  get port(): number {
    return this.server.port;
  }

  get url(): string {
    return this.server.url;
  }

  get alive(): boolean {
    const child = this.server.process;
    return child.exitCode === null && child.signalCode === null;
  }

  /** SIGKILL: no shutdown, no final fsync beyond what `appendfsync always` already did. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.kills++;
    await this.server.kill();
  }

  /** Starts redis-server again on the same directory (it loads the AOF) and port; resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.alive) throw new Error('redis-server is still running');
    await this.server.restart();
    const ready = await waitUntil(async () => !this.alive || (await pingsBack(this.port)), 15_000, 20);
    if (!ready || !this.alive) throw new Error(`redis-server on port ${this.port} did not become ready:\n${this.logTail()}`);
  }

  /** Stops the server and deletes its files. */
  async stop(): Promise<void> {
    await this.server.stop();
    untrackDir(this.server.dir);
  }

  logTail(): string {
    return this.server.output().slice(-8000);
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
