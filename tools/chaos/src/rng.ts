import { prng } from '@persistd/testkit';

/**
 * The one source of randomness of a chaos run. Every choice (sizes, timings, faults, hostile
 * bytes) comes from a seeded generator, so a failing run can be replayed with `--seed`. Timing
 * still differs between runs (real processes, real sockets), so a replay repeats the same
 * choices, not necessarily the same interleaving.
 */
export class Rng {
  private readonly next: () => number;

  constructor(readonly seed: number) {
    this.next = prng(seed >>> 0);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi] inclusive. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** Random bytes (not cryptographic: reproducible). */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** A short lowercase hex tag, for request ids. */
  hex(chars = 8): string {
    let s = '';
    while (s.length < chars) s += this.int(0x10000).toString(16).padStart(4, '0');
    return s.slice(0, chars);
  }

  /** An independent generator for one part of a run, derived from this seed and a label. */
  fork(label: string): Rng {
    return new Rng(deriveSeed(this.seed, label));
  }
}

/** A 32-bit seed derived from a seed and a label (FNV-1a over both): stable across runs. */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const ch of `${seed}:${label}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A fresh seed for a run that was given none (printed, so the run can be replayed). */
export function randomSeed(): number {
  return (Math.random() * 0x1_0000_0000) >>> 0;
}
