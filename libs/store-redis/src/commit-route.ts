import type { CommitLease } from './commit-pool';
import type { Redirection } from './cluster-redirect';

/**
 * Where a world's commit attempts run. A standalone store's CommitPool is one (every slot is
 * served by the one Redis, and it has no `reroute`: a redirection there is a plain failure); in
 * cluster mode, ClusterCommitRoute leases from the pool of the master that owns the slot.
 */
export interface CommitRoute {
  /** A connection, leased to one attempt, to the master that serves `slot`. */
  lease(slot: number): Promise<CommitLease>;
  /**
   * Cluster mode only. An attempt on `lease` failed before anything could apply: with a
   * `redirection` (MOVED, ASK, TRYAGAIN, CLUSTERDOWN), or — `redirection` undefined — with the
   * connection lost or refused. Learns what it can (MOVED names the owner; otherwise the slot map
   * is read again) and resolves true when a new attempt, from staging, against the slot's owner
   * is worth making; false means the failure stands.
   */
  reroute?(slot: number, lease: CommitLease, redirection: Redirection | undefined): Promise<boolean>;
  /** Closes idle connections; leased ones close as they come back. */
  close(): void;
}
