import type Redis from 'ioredis';
import { createCommitConnection, discard, whenReady, CONNECTION_DEFAULTS, type RedisConnectionConfig } from './connections';
import { unavailable } from './redis-failures';

/** Pool sizes; defaults filled by `CommitPool`. */
export interface CommitPoolOptions {
  /** Idle connections kept for the next commit (default 16: a busy daemon commits several worlds at once, and a new connection costs a connect and a ready check). */
  maxIdle?: number;
  /** Connections open at once, leased or idle (default 32); further leases wait their turn. */
  maxConnections?: number;
}

/** A connection lent to exactly one commit attempt. */
export interface CommitLease {
  readonly conn: Redis;
  /** Cluster mode: the master (`host:port`) the connection goes to. */
  readonly node?: string;
  /**
   * Gives the connection back. `clean` = the attempt ended with no WATCH or MULTI left open on it
   * (an EXEC reply or an UNWATCH reply was received). Anything else, or a connection that is no
   * longer `ready`, is disconnected rather than reused.
   */
  release(clean: boolean): void;
}

/**
 * Dedicated commit connections (see `createCommitConnection`). A connection is leased to one
 * attempt at a time, so no other caller's command can run between its WATCH and its EXEC, and
 * comes back only in a known-clean state.
 */
export class CommitPool {
  private readonly idle: Redis[] = [];
  private readonly waiters: Array<() => void> = [];
  private open = 0;
  private closed = false;
  private readonly maxIdle: number;
  private readonly maxConnections: number;
  private readonly connectTimeoutMs: number;

  constructor(
    private readonly config: RedisConnectionConfig,
    options: CommitPoolOptions = {},
  ) {
    this.maxIdle = options.maxIdle ?? 16;
    this.maxConnections = options.maxConnections ?? 32;
    this.connectTimeoutMs = config.connectTimeoutMs ?? CONNECTION_DEFAULTS.connectTimeoutMs;
    if (!(this.maxConnections >= 1) || !(this.maxIdle >= 0)) throw new RangeError('store-redis: invalid commit pool size');
  }

  /** Open connections, leased and idle: for tests and metrics. */
  stats(): { open: number; idle: number; waiting: number } {
    return { open: this.open, idle: this.idle.length, waiting: this.waiters.length };
  }

  /** A ready connection for one attempt, or STORE_UNAVAILABLE if none can be made. */
  async lease(): Promise<CommitLease> {
    for (;;) {
      if (this.closed) throw unavailable('closed', 'the store is closed');
      const reused = this.takeIdle();
      if (reused) return this.leaseOf(reused);
      if (this.open < this.maxConnections) break;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.open += 1;
    const conn = createCommitConnection(this.config);
    try {
      await whenReady(conn, this.connectTimeoutMs);
    } catch (e) {
      this.drop(conn);
      throw e;
    }
    return this.leaseOf(conn);
  }

  /** Disconnects idle connections; leased ones are disconnected as they come back. */
  close(): void {
    this.closed = true;
    for (const conn of this.idle.splice(0)) this.drop(conn);
    for (const wake of this.waiters.splice(0)) wake();
  }

  private takeIdle(): Redis | undefined {
    for (let conn = this.idle.pop(); conn; conn = this.idle.pop()) {
      if (conn.status === 'ready') return conn;
      this.drop(conn); // closed while idle (server timeout, restart): never hand it out
    }
    return undefined;
  }

  private leaseOf(conn: Redis): CommitLease {
    let returned = false;
    return {
      conn,
      release: (clean: boolean) => {
        if (returned) return;
        returned = true;
        if (clean && !this.closed && conn.status === 'ready' && this.idle.length < this.maxIdle) {
          this.idle.push(conn);
          this.waiters.shift()?.();
        } else {
          this.drop(conn);
        }
      },
    };
  }

  private drop(conn: Redis): void {
    this.open -= 1;
    discard(conn);
    this.waiters.shift()?.();
  }
}
