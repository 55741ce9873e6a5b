/**
 * Commit routing in Redis Cluster mode (DESIGN §5 "Redis Cluster").
 *
 * A world's keys share one slot (keys.ts, cluster-slot.ts); its commit runs on a dedicated
 * standalone connection to that slot's master, leased from a CommitPool of that master alone —
 * never on the shared Cluster client. The owner of a slot is, in this order:
 *   1. the node a MOVED reply named for it (newer than any map: the master that answered it has
 *      just handed the slot over);
 *   2. the Cluster client's slot map (`Cluster.slots`, from CLUSTER SLOTS, refreshed by ioredis
 *      on its own MOVED replies, every `slotsRefreshInterval`, and here on demand).
 *
 * When an attempt fails before anything could apply (commit.ts), `reroute` decides whether a new
 * attempt is worth it:
 *   MOVED                  remember the new owner; go again at once
 *   ASK, TRYAGAIN          the slot is migrating; the owner is unchanged until it ends: go again
 *                          after a pause (commit.ts)
 *   CLUSTERDOWN            read the map again; go again after a pause
 *   connection lost/refused  read the map again; go again only if another node owns the slot now
 *                          (a failover happened); otherwise the failure stands — STORE_UNAVAILABLE
 * A master's pool stays while the store lives (a few idle connections at most); connections to
 * a node that went away are dropped when next taken from its pool.
 */
import type { Cluster } from 'ioredis';
import { CommitPool, type CommitLease, type CommitPoolOptions } from './commit-pool';
import type { CommitRoute } from './commit-route';
import { addressOfKey, nodeConfig } from './cluster-connections';
import type { Redirection, RedirectionKind } from './cluster-redirect';
import { whenReady, type RedisConnectionConfig } from './connections';
import { isStoreError } from './store-error';
import { unavailable } from './redis-failures';

/** What the router has met since the store started: for metrics, logs and tests. */
export interface RoutingStats {
  /** Redirections a commit attempt met, by kind. */
  redirections: Record<RedirectionKind, number>;
  /** Commit attempts whose master could not be reached (refused, reset, closed before EXEC). */
  unreachable: number;
  /** Slot map reads on demand. */
  refreshes: number;
  /** Masters that have (had) a commit pool. */
  masters: string[];
}

/** The commit route of a cluster store (see the module comment). */
export class ClusterCommitRoute implements CommitRoute {
  private readonly pools = new Map<string, CommitPool>();
  private readonly moved = new Map<number, string>();
  private readonly counts: Omit<RoutingStats, 'masters'> = { redirections: { MOVED: 0, ASK: 0, TRYAGAIN: 0, CLUSTERDOWN: 0 }, unreachable: 0, refreshes: 0 };
  private closed = false;
  private ready?: Promise<void>;

  constructor(
    private readonly cluster: Cluster,
    private readonly config: RedisConnectionConfig,
    private readonly poolOptions: CommitPoolOptions | undefined,
    private readonly readyTimeoutMs: number,
  ) {}

  async lease(slot: number): Promise<CommitLease> {
    // A master that cannot be reached may have been failed over already: look once more.
    for (let look = 0; ; look++) {
      const node = await this.ownerOf(slot);
      try {
        const lease = await this.poolOf(node).lease();
        return { conn: lease.conn, release: lease.release, node };
      } catch (e) {
        if (look >= 1 || !isStoreError(e) || e.code !== 'STORE_UNAVAILABLE' || e.metadata?.failure === 'closed') throw e;
        this.counts.unreachable += 1;
        this.moved.delete(slot);
        await this.refresh();
        if ((await this.ownerOf(slot)) === node) throw e;
      }
    }
  }

  async reroute(slot: number, lease: CommitLease, redirection: Redirection | undefined): Promise<boolean> {
    if (this.closed) return false;
    if (redirection) {
      this.counts.redirections[redirection.kind] += 1;
      if (redirection.kind === 'MOVED' && redirection.node && redirection.slot === slot) {
        this.moved.set(slot, redirection.node);
        this.cluster.refreshSlotsCache(); // let reads learn it too; not awaited
      } else if (redirection.kind === 'CLUSTERDOWN') {
        this.moved.delete(slot);
        await this.refresh();
      }
      return true;
    }
    this.counts.unreachable += 1;
    this.moved.delete(slot);
    await this.refresh();
    return (await this.ownerOf(slot).catch(() => lease.node)) !== lease.node;
  }

  stats(): RoutingStats {
    return { redirections: { ...this.counts.redirections }, unreachable: this.counts.unreachable, refreshes: this.counts.refreshes, masters: [...this.pools.keys()].sort() };
  }

  close(): void {
    this.closed = true;
    for (const pool of this.pools.values()) pool.close();
  }

  /** The master of `slot` now (see the module comment). */
  private async ownerOf(slot: number): Promise<string> {
    if (this.closed) throw unavailable('closed', 'the store is closed');
    const moved = this.moved.get(slot);
    if (moved) return moved;
    if (this.cluster.status !== 'ready') {
      // One wait shared by every commit arriving while the client connects.
      await (this.ready ??= whenReady(this.cluster, this.readyTimeoutMs).finally(() => (this.ready = undefined)));
    }
    let owner = this.cluster.slots[slot]?.[0];
    if (!owner) {
      await this.refresh();
      owner = this.cluster.slots[slot]?.[0];
    }
    if (!owner) throw unavailable('slot-unassigned', `no master of the Redis Cluster serves slot ${slot}`);
    return owner;
  }

  /** Reads the slot map again (one refresh at a time in ioredis; callers share it). */
  private refresh(): Promise<void> {
    this.counts.refreshes += 1;
    return new Promise<void>((resolve) => this.cluster.refreshSlotsCache(() => resolve()));
  }

  private poolOf(node: string): CommitPool {
    let pool = this.pools.get(node);
    if (!pool) {
      pool = new CommitPool(nodeConfig(this.config, addressOfKey(node)), this.poolOptions);
      this.pools.set(node, pool);
    }
    return pool;
  }
}
