import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { prng } from './world-generator';

/**
 * A TCP proxy that injects real network faults between two processes on loopback (persistd and
 * Redis, or a client and persistd): cut every connection now, cut when a byte pattern passes,
 * delay or stall traffic, or cut at random with a seed. Tests and the chaos harness use it; the
 * daemon never knows it is there.
 */

export type Direction = 'up' | 'down'; // up: client -> target; down: target -> client

/** A rule checked against every chunk of bytes passing one way. */
export interface CutRule {
  direction: Direction;
  /** Cut when this text appears in the passing bytes. */
  pattern: string;
  /** `before`: the matching bytes never reach the other side; `after`: they do, then the cut. */
  when: 'before' | 'after';
  /** Cut only the connection the bytes were on (default) or every connection. */
  scope?: 'connection' | 'all';
  /** How many matches to cut on before the rule retires (default 1). */
  times?: number;
}

/** Random faults: per chunk of bytes, the chance of each. */
export interface ChaosOptions {
  seed: number;
  cutChance?: number;
  delayChance?: number;
  maxDelayMs?: number;
}

export interface FaultCounts {
  connections: number;
  cuts: number;
  delays: number;
  bytesUp: number;
  bytesDown: number;
}

interface Pair {
  client: Socket;
  target: Socket;
}

export class FaultProxy {
  private server?: Server;
  private readonly pairs = new Set<Pair>();
  /** Sockets paused while a random delay holds their bytes. */
  private readonly delayed = new Set<Socket>();
  private rules: (CutRule & { left: number })[] = [];
  private delayMs = 0;
  private stalled = false;
  private refusing = false;
  private chaos?: ChaosOptions & { rnd: () => number };
  readonly counts: FaultCounts = { connections: 0, cuts: 0, delays: 0, bytesUp: 0, bytesDown: 0 };

  constructor(private readonly target: { host: string; port: number }) {}

  /** Starts listening on 127.0.0.1 and resolves the port. */
  async listen(port = 0): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  /** `redis://127.0.0.1:<port>` for a Redis behind the proxy. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Cuts every open connection now (both sides see a reset). */
  cutAll(): void {
    for (const p of [...this.pairs]) this.cut(p);
  }

  /** Adds a rule that cuts when a byte pattern passes. */
  cutOn(rule: CutRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
  }

  clearRules(): void {
    this.rules = [];
  }

  /** Delays every chunk of bytes by `ms` (0 = off). */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Holds all traffic (connections stay open, nothing passes) until stall(false). */
  stall(on: boolean): void {
    this.stalled = on;
    for (const p of this.pairs) {
      if (on) {
        p.client.pause();
        p.target.pause();
      } else {
        // A socket paused for a pending random delay resumes when that delay ends, not here:
        // resuming it early would let later bytes overtake the delayed ones.
        if (!this.delayed.has(p.client)) p.client.resume();
        if (!this.delayed.has(p.target)) p.target.resume();
      }
    }
  }

  /** Refuses new connections (closes them at once) until refuse(false). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Random faults with a seed, so a failing run can be replayed; undefined turns them off. */
  setChaos(options: ChaosOptions | undefined): void {
    this.chaos = options ? { ...options, rnd: prng(options.seed) } : undefined;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    this.counts.connections++;
    const target = new Socket();
    const pair: Pair = { client, target };
    this.pairs.add(pair);
    const end = () => this.cut(pair, false);
    client.on('error', end).on('close', end);
    target.on('error', end).on('close', end);
    if (this.stalled) client.pause();
    target.connect(this.target.port, this.target.host);
    client.on('data', (b) => this.pass(pair, 'up', b));
    target.on('data', (b) => this.pass(pair, 'down', b));
  }

  private pass(pair: Pair, direction: Direction, bytes: Buffer): void {
    const to = direction === 'up' ? pair.target : pair.client;
    if (direction === 'up') this.counts.bytesUp += bytes.length;
    else this.counts.bytesDown += bytes.length;

    const text = bytes.toString('latin1');
    const rule = this.rules.find((r) => r.left > 0 && r.direction === direction && text.includes(r.pattern));
    if (rule) {
      rule.left--;
      const doCut = () => (rule.scope === 'all' ? this.cutAll() : this.cut(pair));
      if (rule.when === 'before') return doCut();
      to.write(bytes, () => setImmediate(doCut));
      return;
    }
    if (this.chaos) {
      const { rnd, cutChance = 0, delayChance = 0, maxDelayMs = 50 } = this.chaos;
      if (rnd() < cutChance) return this.cut(pair);
      if (rnd() < delayChance) {
        this.counts.delays++;
        const from = direction === 'up' ? pair.client : pair.target;
        from.pause();
        this.delayed.add(from);
        setTimeout(() => {
          if (!to.destroyed) to.write(bytes);
          this.delayed.delete(from);
          if (!this.stalled) from.resume();
        }, Math.floor(rnd() * maxDelayMs));
        return;
      }
    }
    if (this.delayMs > 0) {
      this.counts.delays++;
      setTimeout(() => !to.destroyed && to.write(bytes), this.delayMs);
      return;
    }
    to.write(bytes);
  }

  private cut(pair: Pair, fault = true): void {
    if (!this.pairs.delete(pair)) return;
    if (fault) this.counts.cuts++;
    pair.client.resetAndDestroy();
    pair.target.resetAndDestroy();
  }
}
