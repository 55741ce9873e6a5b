import { Metadata, status as grpcStatus } from '@grpc/grpc-js';
import { PersistdClient } from '@persistd/client';
import { createClient, PersistenceService } from '@persistd/contract';
import { checkHistory, type DaemonChildProcess, FaultProxy, freePort, type HistoryCounts, HistoryRecorder, startDaemon, uniquePrefix } from '@persistd/testkit';
import { observeStore } from '../observe/observe-store';
import { RedisServerProcess } from '../procs/redis-server';
import { Rng } from '../rng';
import { waitUntil } from '../time';
import { runReader } from '../workload/reader';
import type { RawClient } from '../workload/save-call';
import type { HarnessFinding, ScenarioReport } from './report';
import type { Scale } from './scale';

/** Epochs kept per world in every scenario: enough that no epoch of a scenario is dropped. */
export const CHAOS_RETENTION = 50;

/** How long daemons get to serve reads again once the faults stop. */
const SETTLE_TIMEOUT_MS = 20_000;

/** How long a daemon's start may take before the harness gives up on it. */
const DAEMON_START_TIMEOUT_MS = 20_000;

/**
 * A persistd of a scenario: the bundle `entry` on a fixed port of its own (a restart comes back
 * there), configured only through its documented environment (DESIGN §6). `retention`: the
 * checker needs every epoch of a scenario kept. The harness SIGKILLs and restarts it; any other
 * exit is recorded as a crash.
 */
export async function startChaosDaemon(entry: string, redisUrl: string, keyPrefix: string, retention: number, env: Record<string, string> = {}): Promise<DaemonChildProcess> {
  const settings = { PERSISTD_LISTEN: `127.0.0.1:${await freePort()}`, PERSISTD_REDIS_URL: redisUrl, PERSISTD_KEY_PREFIX: keyPrefix, PERSISTD_RETENTION: String(retention), PERSISTD_LOG_LEVEL: 'warn', ...env };
  return startDaemon({ entry, env: settings }, DAEMON_START_TIMEOUT_MS);
}

/** What every scenario is given. */
export interface ScenarioInput {
  /** The daemon script to run. */
  entry: string;
  seed: number;
  scale: Scale;
  /** Where progress lines go (the table is printed by the caller). */
  log?: (line: string) => void;
}

/** Channel options for harness clients: reconnect quickly after a kill or a cut. */
const CHANNEL_OPTIONS = {
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.min_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 300,
};

export interface EnvironmentOptions {
  /** Daemons sharing the store (the racing scenario runs two). */
  daemons?: number;
  /** Put a FaultProxy between persistd and Redis. */
  proxyToRedis?: boolean;
  /** Put a FaultProxy between the clients and the first persistd. */
  proxyToPersistd?: boolean;
  /** Further settings of every daemon (DESIGN §6 variables). */
  daemonEnv?: Record<string, string>;
  /** PERSISTD_RETENTION (default CHAOS_RETENTION: nothing a scenario makes is dropped). */
  retention?: number;
  /** The bearer token the harness's own reads send, for daemons given PERSISTD_TOKENS_FILE. */
  token?: string;
}

/**
 * The processes of one scenario: its own redis-server, optional fault proxies, one or more
 * persistd processes with their own key prefix, and the history. `finish` turns every fault
 * off, reads the store back, runs the checker and stops everything.
 */
export class Environment {
  readonly history = new HistoryRecorder();
  readonly findings: HarnessFinding[] = [];
  readonly clients: RawClient[] = [];
  readonly started = Date.now();
  private closed = false;

  private constructor(
    readonly name: string,
    readonly input: ScenarioInput,
    readonly rng: Rng,
    readonly keyPrefix: string,
    readonly retention: number,
    readonly redis: RedisServerProcess,
    readonly daemons: DaemonChildProcess[],
    readonly redisProxy?: FaultProxy,
    readonly clientProxy?: FaultProxy,
    private readonly token?: string,
  ) {}

  static async start(name: string, input: ScenarioInput, options: EnvironmentOptions = {}): Promise<Environment> {
    const rng = new Rng(input.seed);
    const keyPrefix = uniquePrefix(`chaos-${name}`.slice(0, 18));
    const redis = await RedisServerProcess.start();
    let redisProxy: FaultProxy | undefined;
    let clientProxy: FaultProxy | undefined;
    const daemons: DaemonChildProcess[] = [];
    try {
      if (options.proxyToRedis) {
        redisProxy = new FaultProxy({ host: '127.0.0.1', port: redis.port });
        await redisProxy.listen();
      }
      const redisUrl = redisProxy?.url ?? redis.url;
      for (let i = 0; i < (options.daemons ?? 1); i++) {
        daemons.push(await startChaosDaemon(input.entry, redisUrl, keyPrefix, options.retention ?? CHAOS_RETENTION, options.daemonEnv));
      }
      if (options.proxyToPersistd) {
        clientProxy = new FaultProxy({ host: '127.0.0.1', port: Number(daemons[0]!.address.split(':')[1]) });
        await clientProxy.listen();
      }
    } catch (e) {
      for (const d of daemons) await d.stop(2000);
      await redisProxy?.close();
      await redis.stop();
      throw e;
    }
    const env = new Environment(name, input, rng, keyPrefix, options.retention ?? CHAOS_RETENTION, redis, daemons, redisProxy, clientProxy, options.token);
    input.log?.(`[${name}] seed ${input.seed}, redis :${redis.port}, persistd ${daemons.map((d) => d.address).join(' ')}, prefix ${keyPrefix}`);
    return env;
  }

  /** A client of daemon `i` (through the client proxy when there is one, for daemon 0). */
  client(i = 0): RawClient {
    const address = i === 0 && this.clientProxy ? `127.0.0.1:${this.clientProxy.port}` : this.daemons[i]!.address;
    const c = createClient(PersistenceService, address, { channelOptions: CHANNEL_OPTIONS });
    this.clients.push(c);
    return c;
  }

  /**
   * A reader restoring the latest epoch of random worlds from daemon `i` (directly, never through
   * a fault proxy) until `done()`.
   */
  reader(worlds: readonly string[], done: () => boolean, i = 0): Promise<void> {
    const client = new PersistdClient(this.daemons[i]!.address, { channelOptions: CHANNEL_OPTIONS });
    return runReader({ client, worlds, history: this.history, rng: this.rng.fork(`reader-${i}`), done, stopAt: this.stopAt }).finally(() => client.close());
  }

  /** Wall-clock end of the workload. */
  get stopAt(): number {
    return this.started + this.input.scale.scenarioBudgetMs;
  }

  log(line: string): void {
    this.input.log?.(`[${this.name}] ${line}`);
  }

  /**
   * Ends the scenario: faults off, every process up, the store read back and checked, then
   * everything stopped. Always stops the processes, even when checking throws.
   */
  async finish(faults: Record<string, number>, counts: HistoryCounts = this.history.counts()): Promise<ScenarioReport> {
    try {
      for (const p of [this.redisProxy, this.clientProxy]) {
        p?.setChaos(undefined);
        p?.clearRules();
        p?.stall(false);
        p?.refuse(false);
        p?.setDelay(0);
      }
      if (!this.redis.alive) await this.redis.restart();
      for (const d of this.daemons) if (!d.alive) await d.restart();
      await this.settle();
      for (const d of this.daemons) {
        for (const c of d.crashes) this.findings.push({ kind: 'daemon-crash', message: `persistd ${d.address} exited on its own (code ${c.code}, signal ${c.signal}):\n${c.logTail}` });
      }
      const observation = await observeStore({
        redisUrl: this.redis.url,
        keyPrefix: this.keyPrefix,
        retention: this.retention,
        persistdAddress: this.daemons[0]!.address,
        worlds: this.history.requestIdsByWorld().keys(),
        requestIds: this.history.requestIdsByWorld(),
      });
      const check = checkHistory(this.history.ops, observation, this.history.reads);
      return {
        name: this.name,
        seed: this.input.seed,
        counts,
        reads: this.readCounts(),
        faults,
        resolution: check.resolution,
        epochsChecked: check.epochsChecked,
        violations: check.violations,
        findings: this.findings,
        durationMs: Date.now() - this.started,
      };
    } finally {
      await this.close();
    }
  }

  /**
   * Waits (bounded) until every daemon serves reads again: after a Redis restart its read
   * connection reconnects with a backoff of up to 2 s. One that never recovers is a finding.
   */
  private async settle(): Promise<void> {
    for (const [i, d] of this.daemons.entries()) {
      const c = createClient(PersistenceService, d.address);
      const metadata = new Metadata();
      if (this.token !== undefined) metadata.set('authorization', `Bearer ${this.token}`);
      let last = '';
      const ok = await waitUntil(async () => {
        try {
          await c.getWorldStatus({ worldId: 'chaos-settle' }, { deadline: Date.now() + 2000 }, metadata);
          return true;
        } catch (e) {
          last = (e as Error).message;
          return false;
        }
      }, SETTLE_TIMEOUT_MS, 100);
      c.close();
      if (!ok) this.findings.push({ kind: 'no-progress', message: `persistd ${i} did not serve reads within ${SETTLE_TIMEOUT_MS} ms after the faults stopped: ${last}` });
    }
  }

  private readCounts(): ScenarioReport['reads'] {
    const byOutcome: Record<string, number> = {};
    for (const { outcome: o } of this.history.reads) {
      const key = o.kind === 'restored' ? 'whole' : o.kind === 'refused' ? o.code : o.kind === 'failed' ? (grpcStatus[o.status] ?? String(o.status)) : `stream-refused:${o.reason}`;
      byOutcome[key] = (byOutcome[key] ?? 0) + 1;
    }
    return { total: this.history.reads.length, restored: byOutcome.whole ?? 0, byOutcome };
  }

  /** Stops every process and proxy of the scenario. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.clients.splice(0)) c.close();
    for (const d of this.daemons) {
      const exit = await d.stop(10_000);
      if (exit.escalated) this.log(`persistd ${d.address} ignored SIGTERM for 10 s and was killed`);
    }
    await this.clientProxy?.close();
    await this.redisProxy?.close();
    await this.redis.stop();
  }
}
