import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import { commitEpoch, type CommitInput, type CommitResult, type ReplicaAck } from './commit';
import type { StoreSettings } from './settings';
import { deleteWorld, type DeleteInput, type DeleteResult } from './delete-world';
import { sweepUnlistedChunks, type UnlistedSweep, type UnlistedSweepInput } from './sweep-unlisted';
import { discardWorld, type DiscardReport } from './discard-world';
import { CommitPool, type CommitPoolOptions } from './commit-pool';
import { ListingMemo } from './listing-memo';
import type { CommitRoute } from './commit-route';
import { ClusterCommitRoute, type RoutingStats } from './cluster-commit-route';
import { createClusterReadConnection, isClusterConfig } from './cluster-connections';
import { CONNECTION_DEFAULTS, createReadConnection, discard, whenReady, type RedisConnectionConfig } from './connections';
import type { WorldPointer } from './epoch-pointer';
import { readCommittedEpoch, readEpoch, readWorldPointer, readRequest, retainedEpochs, type ReadContext, type ReserveChunkBytes, type StoredEpoch } from './read';
import { readChunks } from './read-chunks';
import { rethrowAsStoreError } from './redis-failures';
import type { RequestRecord } from './request-record';
import { readWorldStatus, type WorldStatus } from './world-status';
import { listWorlds, type ListWorldsOptions, type WorldSummary } from './list-worlds';

/** Everything a RedisStore is made from. */
export interface RedisStoreOptions {
  redis: RedisConnectionConfig;
  settings: StoreSettings;
  /** Commit connection pool sizes (in cluster mode: of each master's pool). */
  pool?: CommitPoolOptions;
  /** Strict durability with replicas: WAIT for them before a commit or replay is answered (commit.ts step 6). */
  replicaAck?: ReplicaAck;
}

const PREFIX = /^[A-Za-z0-9._-]{1,32}$/;

function checkSettings(s: StoreSettings): void {
  if (!PREFIX.test(s.prefix)) throw new RangeError(`store-redis: prefix ${JSON.stringify(s.prefix)} must match ${PREFIX}`);
  for (const [name, v] of [
    ['retention', s.retention],
    ['requestTtlSeconds', s.requestTtlSeconds],
    ['stageTtlSeconds', s.stageTtlSeconds],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`store-redis: ${name} must be a positive integer, got ${v}`);
  }
}

/**
 * The persistence store over one standalone Redis or a Redis Cluster (`redis.clusterSeeds`):
 * commits on dedicated, pooled connections (in a cluster, to the master of the world's slot,
 * one pool per master) and reads on one shared connection (in a cluster, ioredis's Cluster
 * client). It knows bytes and epochs, never game rules. Every expected failure is a StoreError;
 * every other outcome of a commit is a CommitResult.
 */
export class RedisStore {
  private readonly read: Redis | Cluster;
  private readonly route: CommitRoute;
  private readonly clusterRoute?: ClusterCommitRoute;
  private readonly ctx: ReadContext;
  /** `cluster` when built with cluster seeds. */
  readonly topology: 'standalone' | 'cluster';
  private readonly replicaAck?: ReplicaAck;
  /** What the epochs this store committed last list: their next commit's base (listing-memo.ts). */
  readonly listings = new ListingMemo();
  readonly settings: Readonly<StoreSettings>;

  constructor(options: RedisStoreOptions) {
    checkSettings(options.settings);
    if (options.replicaAck) {
      const { replicas, timeoutMs } = options.replicaAck;
      const commandTimeout = options.redis.commandTimeoutMs ?? CONNECTION_DEFAULTS.commandTimeoutMs;
      if (!(replicas >= 1) || !(timeoutMs >= 1) || timeoutMs >= commandTimeout) throw new RangeError(`store-redis: replicaAck needs replicas ≥ 1 and 1 ≤ timeoutMs < ${commandTimeout}`);
      this.replicaAck = { replicas, timeoutMs };
    }
    this.settings = Object.freeze({ ...options.settings });
    const readyTimeoutMs = options.redis.connectTimeoutMs ?? CONNECTION_DEFAULTS.connectTimeoutMs;
    if (isClusterConfig(options.redis)) {
      const cluster = createClusterReadConnection(options.redis);
      this.read = cluster;
      this.clusterRoute = new ClusterCommitRoute(cluster, options.redis, options.pool, readyTimeoutMs);
      this.route = this.clusterRoute;
      this.topology = 'cluster';
    } else {
      this.read = createReadConnection(options.redis);
      this.route = new CommitPool(options.redis, options.pool);
      this.topology = 'standalone';
    }
    this.ctx = { redis: this.read, settings: this.settings, readyTimeoutMs };
  }

  /**
   * Opens `n` commit connections now, so the first saves after a start do not each pay a connect
   * and a ready check (standalone; in cluster mode a master's pool fills on first use). Best
   * effort: a connection that cannot be made is left for the first commit to meet and report.
   */
  async openCommitConnections(n: number): Promise<void> {
    if (this.topology !== 'standalone') return;
    const leases = await Promise.allSettled(Array.from({ length: n }, () => this.route.lease(0)));
    for (const l of leases) if (l.status === 'fulfilled') l.value.release(true);
  }

  /** Commits a new epoch (see commit.ts for steps and outcomes). */
  commit(input: CommitInput): Promise<CommitResult> {
    return commitEpoch(this.route, this.settings, input, this.replicaAck, this.listings);
  }

  /** Deletes a world whole if its committed epoch is still the expected one (see delete-world.ts). */
  deleteWorld(input: DeleteInput): Promise<DeleteResult> {
    return deleteWorld(this.route, this.settings, input);
  }

  /** Gives up the chunks of a live world that no epoch lists (sweep-unlisted.ts): what retention could not judge. */
  sweepUnlistedChunks(input: UnlistedSweepInput): Promise<UnlistedSweep> {
    return sweepUnlistedChunks(this.route, this.settings, input);
  }

  /** Removes a scratch world of at most one epoch whole, tombstone-free: the daemon's warm-up save (see discard-world.ts). */
  discardWorld(worldId: string, requestId: string): Promise<DiscardReport> {
    return discardWorld(this.route, this.settings, worldId, requestId);
  }

  /** Cluster mode: redirections and failovers the commits met, and the masters they used (undefined standalone). */
  routingStats(): RoutingStats | undefined {
    return this.clusterRoute?.stats();
  }

  /** The committed epoch of a world; 0n if never saved. */
  /** The committed epoch and, for a deleted world, the epoch it was deleted at. */
  readWorldPointer(worldId: string): Promise<WorldPointer> {
    return readWorldPointer(this.ctx, worldId);
  }

  readCommittedEpoch(worldId: string): Promise<bigint> {
    return readCommittedEpoch(this.ctx, worldId);
  }

  /** A retained epoch with all its chunks (0n = the committed one); `reserve` is told their size before they are read. */
  readEpoch(worldId: string, epoch: bigint, reserve?: ReserveChunkBytes): Promise<StoredEpoch> {
    return readEpoch(this.ctx, worldId, epoch, true, reserve);
  }

  /** A retained epoch's meta alone, with the same pointer and retention checks as readEpoch. */
  readEpochMeta(worldId: string, epoch: bigint): Promise<StoredEpoch> {
    return readEpoch(this.ctx, worldId, epoch, false);
  }

  /** Chunks by id, as stored, the absent left out (read-chunks.ts). */
  readChunks(worldId: string, ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    return readChunks(this.ctx, worldId, ids);
  }

  /** Committed epoch, retained epochs, digests and deleted epoch, from one consistent read (world-status.ts). */
  worldStatus(worldId: string): Promise<WorldStatus> {
    return readWorldStatus(this.ctx, worldId);
  }

  /**
   * Every world under the prefix with what it holds (list-worlds.ts): SCAN in bounded steps on
   * the one Redis, or on every master of a cluster. Read-only.
   */
  async listWorlds(options: ListWorldsOptions = {}): Promise<WorldSummary[]> {
    try {
      await whenReady(this.read, this.ctx.readyTimeoutMs);
      const nodes = this.topology === 'cluster' ? (this.read as Cluster).nodes('master') : [this.read as Redis];
      return await listWorlds(nodes.map((redis) => ({ redis, name: `${redis.options.host}:${redis.options.port}` })), this.settings, options);
    } catch (e) {
      rethrowAsStoreError(e, 'before-exec');
    }
  }

  /** Retained epochs, ascending. */
  retainedEpochs(worldId: string): Promise<bigint[]> {
    return retainedEpochs(this.ctx, worldId);
  }

  /** What a committed request id recorded, if still remembered. */
  readRequest(worldId: string, requestId: string): Promise<RequestRecord | undefined> {
    return readRequest(this.ctx, worldId, requestId);
  }

  /** Resolves when Redis answers PING on the read connection (in a cluster: some master); STORE_UNAVAILABLE otherwise. For health checks. */
  async ping(): Promise<void> {
    try {
      await whenReady(this.read, this.ctx.readyTimeoutMs);
      await this.read.ping();
    } catch (e) {
      rethrowAsStoreError(e, 'before-exec');
    }
  }

  /**
   * Closes the read connection and idle commit connections; a commit in flight keeps its
   * connection until it ends, then that one is closed too. Later calls fail with STORE_UNAVAILABLE.
   */
  async close(): Promise<void> {
    this.route.close();
    if (this.read.status === 'ready') {
      await this.read.quit().catch(() => discard(this.read));
    } else {
      discard(this.read);
    }
  }
}
