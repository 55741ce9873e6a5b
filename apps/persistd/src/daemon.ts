import type * as grpc from '@grpc/grpc-js';
import { describeDurability, inspectDurability, redactRedisUrl, RedisStore, type DurabilityReport, type RedisConnectionConfig } from '@persistd/store-redis';
import { rulesVersionOf } from '@persistd/validation';
import type { Logger } from 'pino';
import { authorityFromSettings, watchHandshakeFailures, type Authority, type Transport } from './auth';
import { assertListenAllowed, isLoopback, parseListen } from './config/listen-address';
import { ConfigError, type Settings } from './config/settings';
import { createLogger } from './logger';
import { InflightBudget } from './limits/inflight-budget';
import { RestoreBudget } from './limits/restore-budget';
import { ServingState } from './lifecycle/serving-state';
import { stopServer, within } from './lifecycle/graceful-stop';
import { warmSavePath } from './lifecycle/warm-save-path';
import { createOperations, type Operations } from './operations/operations';
import type { RpcContext } from './rpc/context';
import { InflightCalls } from './rpc/inflight-calls';
import { IndexCache } from './save-changes/index-cache';
import { RECYCLE_IDLE_MS, SavePool } from './save-work/save-pool';
import { WorldQueue } from './rpc/world-queue';
import { bind, createGrpcServer } from './server';

export { createLogger } from './logger';

/** How long the start waits for the save path's warm-up at most. */
const WARM_UP_BUDGET_MS = 1000;

/** Commit connections opened before listening: eight game servers saving at once after a restart each find one. */
const FIRST_SAVES_AT_ONCE = 8;

/** A running daemon: its bound port, its parts (for health, metrics and tests) and a way to stop it. */
export interface Daemon {
  port: number;
  address: string;
  server: grpc.Server;
  store: RedisStore;
  authority: Authority;
  transport: Transport;
  /** Flips at shutdown; register health's NOT_SERVING here (`serving.onShutdown`). */
  serving: ServingState;
  /** Handlers running now. */
  calls: InflightCalls;
  budget: InflightBudget;
  /** PERSISTD_MAX_RESTORE_BYTES: stored bytes held by restores now. */
  restoreBudget: RestoreBudget;
  /** The base-epoch indexes SaveChanges uses (PERSISTD_INDEX_CACHE_BYTES). */
  indexCache: IndexCache;
  /** What the durability guard found at start. */
  durability: DurabilityReport;
  /**
   * Graceful stop (SIGTERM): shutdown hooks run (health NOT_SERVING), the port stops taking calls,
   * calls in flight get `graceMs` (default PERSISTD_SHUTDOWN_GRACE) to finish, then are cancelled;
   * handlers still running (a commit outlives a cancelled call) get as long again; then the store
   * closes. Idempotent.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Health (grpc.health.v1, built in), metrics and where they are served (operations/). */
  health: Operations['health'];
  metrics: Operations['metrics'];
  /** `http://host:port/metrics`, or undefined with PERSISTD_METRICS_LISTEN=off. */
  metricsUrl: string | undefined;
}

/** Extension points for services added beside the persistence service; health and reflection are built in. */
export interface DaemonHooks {
  /** Called with the server before it binds: add services here and use `serving.onShutdown`. */
  beforeBind?(server: grpc.Server, serving: ServingState): void;
  /** Health PING interval in ms (default 1000; tests shorten it). */
  healthIntervalMs?: number;
  /** How long the start waits for the save path's warm-up at most (default WARM_UP_BUDGET_MS; tests lengthen it). */
  warmUpBudgetMs?: number;
}

/**
 * Starts persistd: reads and checks the authority settings, refuses an open non-loopback address,
 * runs the durability guard, connects the store, binds the gRPC server and serves. Every reason
 * not to start is a ConfigError that says why. Used by `main` and by tests, which bind
 * 127.0.0.1:0 and read the port back.
 */
export async function startDaemon(settings: Settings, logger: Logger = createLogger(settings), hooks: DaemonHooks = {}): Promise<Daemon> {
  const { authority, credentials, transport } = authorityFromSettings(settings, logger);
  assertListenAllowed(settings.listen, authority.authenticatesCallers);

  // PERSISTD_REDIS_CLUSTER set: cluster mode; the durability guard then inspects every master.
  const redis: RedisConnectionConfig = { url: settings.redisUrl, clusterSeeds: settings.redisCluster, username: settings.redisUsername, password: settings.redisPassword, tls: settings.redisTls };
  const redisShown = settings.redisCluster ? `cluster ${settings.redisCluster.join(',')}` : redactRedisUrl(settings.redisUrl);
  const durability = await durabilityGuard(settings, redis, redisShown, logger);

  const store = new RedisStore({
    redis,
    settings: { prefix: settings.keyPrefix, retention: settings.retention, requestTtlSeconds: settings.requestTtl, stageTtlSeconds: settings.stageTtl },
    replicaAck: waitsForReplicas(settings, durability) ? { replicas: 1, timeoutMs: settings.replicaAckTimeout } : undefined,
  });
  const serving = new ServingState();
  const calls = new InflightCalls();
  const budget = new InflightBudget(settings.maxInflightBytes);
  const restoreBudget = new RestoreBudget(settings.maxRestoreBytes);
  const savePool = new SavePool(settings.saveWorkers, logger, undefined, { heapBytes: settings.saveWorkerRecycleMb * 2 ** 20, idleMs: RECYCLE_IDLE_MS });
  const indexCache = new IndexCache(settings.indexCacheBytes);
  const limits = { maxRecordsPerSection: settings.maxRecordsPerSection, maxStringBytes: settings.maxStringBytes, maxMapEntries: settings.maxMapEntries };
  const ops = createOperations({ metricsListen: settings.metricsListen, logger, store, calls, savePool, indexCache, authority, serving, healthIntervalMs: hooks.healthIntervalMs });
  const rpc: RpcContext = {
    store,
    verifyMode: settings.restoreVerify,
    queue: new WorldQueue(),
    logger,
    authority,
    budget,
    restoreBudget,
    restoreStallMs: settings.restoreStallTimeout,
    calls,
    savePool,
    indexCache,
    limits,
    stored: { storedForm: settings.storedForm, rulesVersion: rulesVersionOf({ ...limits }) },
    callSinks: ops.callSinks,
  };
  const serverOptions = { maxMessageBytes: settings.maxMessageBytes, maxConcurrentStreams: settings.maxConcurrentStreams };
  const server = createGrpcServer(rpc, serverOptions);
  ops.addServices(server);
  if (transport === 'mutual-tls' && !watchHandshakeFailures(server, (peer, err) => authority.countHandshakeFailure(peer, err))) {
    logger.warn('this grpc-js cannot report refused TLS handshakes; they are not counted');
  }
  hooks.beforeBind?.(server, serving);

  let port: number;
  try {
    await ops.start();
    // Ready when it listens: the port binds only once every save thread is started and warm, so
    // a game server's first save after a restart is as fast as a steady one.
    const warmMs = await savePool.warm();
    // Only when Redis answered health's first PING: a Redis that is down must not hold the start up.
    if (ops.health.redisUp) await store.openCommitConnections(FIRST_SAVES_AT_ONCE);
    logger.info({ saveWorkers: savePool.size, warmMs: Math.round(warmMs) }, `save workers warm (${savePool.size} threads, ${Math.round(warmMs)} ms)`);
    // The event loop's half of a save (lifecycle/warm-save-path.ts), with Redis only, waited for
    // at most WARM_UP_BUDGET_MS: past it the port binds and the warm-up ends (and cleans up) on its own.
    if (ops.health.redisUp) await warmSavePathWithin(rpc, serverOptions, logger, hooks.warmUpBudgetMs ?? WARM_UP_BUDGET_MS);
    else logger.info('save path not warmed: Redis did not answer; the first save warms it');
    port = await bind(server, settings.listen, credentials);
  } catch (e) {
    await ops.close();
    await store.close();
    await savePool.close();
    throw e;
  }
  const { host } = parseListen(settings.listen);
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (transport === 'insecure' && authority.authenticatesCallers && !isLoopback(host)) {
    logger.warn({ address }, 'bearer tokens travel in clear text: set PERSISTD_TLS_CERT and PERSISTD_TLS_KEY');
  }
  logger.info(
    { address, transport, redis: redisShown, keyPrefix: settings.keyPrefix, retention: settings.retention, restoreVerify: settings.restoreVerify, durability: settings.durability },
    `persistd listening on ${address} (${transport === 'insecure' && !authority.authenticatesCallers ? 'loopback only: no TLS or tokens configured' : `${transport}; ${authority.describe()}`})`,
  );

  let stopping: Promise<void> | undefined;
  const stop = (options: { graceMs?: number } = {}) =>
    (stopping ??= (async () => {
      const graceMs = options.graceMs ?? settings.shutdownGrace * 1000;
      await serving.beginShutdown(logger);
      logger.info({ inflight: calls.count, graceMs }, 'not serving: finishing calls in flight');
      if (!(await stopServer(server, graceMs))) logger.warn({ inflight: calls.count }, 'shutdown grace over: calls still in flight were cancelled');
      if (!(await within(calls.idle(), Math.max(graceMs, 1000)))) logger.error({ inflight: calls.count }, 'handlers still running at close; their commits end on their own');
      await store.close();
      await ops.close();
      await savePool.close();
      logger.info('stopped');
    })());
  return { port, address, server, store, authority, transport, serving, calls, budget, restoreBudget, indexCache, durability, stop, health: ops.health, metrics: ops.metrics, metricsUrl: ops.metricsUrl };
}

/** Runs the save path's warm-up, waiting for it at most `budgetMs`, and logs what it did. */
async function warmSavePathWithin(rpc: RpcContext, serverOptions: Parameters<typeof createGrpcServer>[1], logger: Logger, budgetMs: number): Promise<void> {
  const warming = warmSavePath(rpc, serverOptions).then((w) => {
    const line = { worldId: w.worldId, saved: w.saved, keysDeleted: w.keysDeleted, warmMs: Math.round(w.ms) };
    logger.info(line, w.saved ? `save path warm (one save of a scratch world, discarded: ${line.warmMs} ms)` : `save path not warmed (${line.warmMs} ms)`);
  });
  if (!(await within(warming, budgetMs))) logger.warn({ budgetMs }, 'save path warm-up still running: listening without waiting for it');
}

/**
 * DESIGN §5 "Durability": state plainly, in one line, whether an acknowledged save can be lost.
 * Refuses to start when Redis refuses the credentials (in any mode), and in strict mode whenever
 * anything can lose an ack — an unreadable CONFIG, a Redis older than 6.0.9 or of a version it
 * cannot read, and an unreachable Redis included.
 */
async function durabilityGuard(settings: Settings, redis: RedisConnectionConfig, redisShown: string, logger: Logger): Promise<DurabilityReport> {
  const report = await inspectDurability(redis);
  logger[report.safe ? 'info' : 'warn']({ redis: redisShown, mode: settings.durability, risks: report.risks }, describeDurability(report));
  if (report.credentialsRefused) {
    throw new ConfigError(`Redis at ${redisShown} refused the credentials (${report.failure?.metadata?.redis_error ?? 'auth'}): check PERSISTD_REDIS_USERNAME and PERSISTD_REDIS_PASSWORD`);
  }
  if (settings.durability === 'strict' && !report.safe) {
    throw new ConfigError(`PERSISTD_DURABILITY=strict: refusing to start, an acknowledged save could be lost: ${report.risks.join('; ')}`);
  }
  return report;
}

/** Strict mode against a master with replicas: every answer waits for `WAIT 1`. */
function waitsForReplicas(settings: Settings, report: DurabilityReport): boolean {
  return settings.durability === 'strict' && report.replication.readable && report.replication.connectedReplicas > 0;
}
