import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { daemonAnswers, freePort, LogTail } from '@persistd/testkit';
import { peakRss, resetPeakRss, stopChild } from './child';

/** Where the benchmark runs from: the workspace root (two levels above tools/bench/src/procs). */
export const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..');

/** The built daemon (`npm run build`). */
export const DAEMON_ENTRY = join(WORKSPACE_ROOT, 'dist', 'apps', 'persistd', 'main.js');

const START_TIMEOUT_MS = 30_000;

/** Event-loop delay of the daemon over a window, from its /metrics (prom-client default metrics), in ms. */
export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
}

/**
 * persistd in its own process, as deployed: `node dist/apps/persistd/main.js`, configured only
 * by its environment (DESIGN §6), with a key prefix of its own, listening on a free loopback port.
 */
export class PersistdDaemon {
  private readonly log = new LogTail();

  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
    readonly metricsAddress: string,
  ) {
    this.log.follow(child.stdout);
    this.log.follow(child.stderr);
  }

  /** `port`: listen there (the start-up figures watch it open) instead of on a free one. */
  static async start(options: { redisUrl: string; keyPrefix: string; entry?: string; env?: Record<string, string>; nodeArgs?: string[]; port?: number }): Promise<PersistdDaemon> {
    const entry = options.entry ?? DAEMON_ENTRY;
    if (!existsSync(entry)) throw new Error(`bench: ${entry} does not exist; run \`npm run build\` first (\`npm run bench\` does)`);
    const port = options.port ?? (await freePort());
    const metricsPort = await freePort();
    // Settings the bench's caller chose (PERSISTD_SAVE_WORKERS=1, say) reach the daemon; the
    // bench's own (address, Redis, prefix, metrics, log level) win.
    const chosen = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('PERSISTD_') && !k.startsWith('PERSISTD_BENCH_') && !k.startsWith('PERSISTD_TEST_')));
    const env: NodeJS.ProcessEnv = {
      ...chosen,
      PATH: process.env.PATH,
      NODE_PATH: join(WORKSPACE_ROOT, 'node_modules'),
      PERSISTD_LISTEN: `127.0.0.1:${port}`,
      PERSISTD_REDIS_URL: options.redisUrl,
      PERSISTD_KEY_PREFIX: options.keyPrefix,
      PERSISTD_LOG_LEVEL: 'warn',
      PERSISTD_METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
      ...options.env,
    };
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--enable-source-maps', entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const daemon = new PersistdDaemon(child, `127.0.0.1:${port}`, `127.0.0.1:${metricsPort}`);
    const until = Date.now() + START_TIMEOUT_MS;
    while (!(await daemonAnswers(daemon.address))) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`bench: persistd exited during start:\n${daemon.log.text()}`);
      if (Date.now() > until) {
        await stopChild(child, 1000);
        throw new Error(`bench: persistd did not answer within ${START_TIMEOUT_MS} ms:\n${daemon.log.text()}`);
      }
      await sleep(100);
    }
    return daemon;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts a measurement window: resets the peak RSS and the event-loop delay histogram (by scraping). */
  async beginWindow(): Promise<void> {
    resetPeakRss(this.pid);
    await this.loopDelay();
  }

  /** Peak RSS since beginWindow, in bytes. */
  peakRss(): number {
    return peakRss(this.pid);
  }

  /**
   * Event-loop delay since the last call, from `nodejs_eventloop_lag_p99_seconds` and
   * `_max_seconds` on the daemon's metrics endpoint (prom-client's default metrics reset their
   * monitorEventLoopDelay histogram on each scrape). Undefined while the daemon exposes none.
   */
  async loopDelay(): Promise<LoopDelay | undefined> {
    try {
      const res = await fetch(`http://${this.metricsAddress}/metrics`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) return undefined;
      const text = await res.text();
      const value = (name: string) => {
        const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)`, 'm').exec(text);
        return m ? Number(m[1]) * 1000 : undefined;
      };
      const p99Ms = value('nodejs_eventloop_lag_p99_seconds');
      const maxMs = value('nodejs_eventloop_lag_max_seconds');
      return p99Ms === undefined || maxMs === undefined ? undefined : { p99Ms, maxMs };
    } catch {
      return undefined;
    }
  }

  logTail(): string {
    return this.log.text();
  }

  async stop(): Promise<void> {
    await stopChild(this.child, 15_000);
  }
}

