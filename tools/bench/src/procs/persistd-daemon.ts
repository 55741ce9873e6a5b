import { type DaemonChildProcess, distEntry, freePort, scrapeMetrics, startDaemon, type MetricsScrape } from '@persistd/testkit';
import { peakRss, resetPeakRss, untilIdle } from './child';

const START_TIMEOUT_MS = 30_000;

/** Event-loop delay of the daemon over a window, from its /metrics (prom-client default metrics), in ms. */
export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
}

/**
 * persistd in its own process, as deployed: `node dist/apps/persistd/main.js` (started by the
 * test kit's launcher), configured only by its environment (DESIGN §6), with a key prefix of its
 * own, listening on a free loopback port; and what the bench measures of it (peak RSS, event-loop
 * delay from its metrics endpoint).
 */
export class PersistdDaemon {
  private constructor(
    private readonly daemon: DaemonChildProcess,
    readonly metricsAddress: string,
    /** Share of a core below which it counts as idle: under `--cpu-prof` the profiler's own sampling keeps it over 2% at rest. */
    private readonly idleShare: number,
  ) {}

  /**
   * `port`: listen there (the start-up figures watch it open) instead of on a free one.
   * `fromSource`: run apps/persistd/src/main.ts through tsx instead of `entry` (default dist/).
   * Settings the bench's caller chose (PERSISTD_SAVE_WORKERS=1, say) reach the daemon; the
   * bench's own (address, Redis, prefix, metrics, log level) win.
   */
  static async start(options: { redisUrl: string; keyPrefix: string; entry?: string; fromSource?: boolean; env?: Record<string, string>; nodeArgs?: string[]; port?: number }): Promise<PersistdDaemon> {
    const entry = options.fromSource ? undefined : distEntry(options.entry).path;
    const port = options.port ?? (await freePort());
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const env = {
      PERSISTD_LISTEN: `127.0.0.1:${port}`,
      PERSISTD_REDIS_URL: options.redisUrl,
      PERSISTD_KEY_PREFIX: options.keyPrefix,
      PERSISTD_LOG_LEVEL: 'warn',
      PERSISTD_METRICS_LISTEN: metricsAddress,
      ...options.env,
    };
    const daemon = await startDaemon({ entry, env, inherit: 'persistd', nodeArgs: options.nodeArgs }, START_TIMEOUT_MS, 100);
    const profiled = options.nodeArgs?.some((a) => a.startsWith('--cpu-prof')) ?? false;
    return new PersistdDaemon(daemon, metricsAddress, profiled ? 0.15 : 0.02);
  }

  /** Resolves once the daemon is idle (untilIdle), or after 30 s. */
  untilIdle(): Promise<number> {
    return untilIdle(this.pid, undefined, undefined, this.idleShare);
  }

  get address(): string {
    return this.daemon.address;
  }

  get pid(): number {
    return this.daemon.pid;
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
      const metrics = await this.metrics(2000);
      const p99 = metrics.value('nodejs_eventloop_lag_p99_seconds');
      const max = metrics.value('nodejs_eventloop_lag_max_seconds');
      return p99 === undefined || max === undefined ? undefined : { p99Ms: p99 * 1000, maxMs: max * 1000 };
    } catch {
      return undefined;
    }
  }

  /** One scrape of the daemon's metrics endpoint. */
  metrics(timeoutMs?: number): Promise<MetricsScrape> {
    return scrapeMetrics(`http://${this.metricsAddress}/metrics`, { timeoutMs });
  }

  logTail(): string {
    return this.daemon.logTail();
  }

  async stop(): Promise<void> {
    await this.daemon.stop(15_000);
  }
}

