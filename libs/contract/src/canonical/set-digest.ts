import { sha256Hex } from './sha256';

/**
 * The expectations' set digest (DESIGN §3): the sum, modulo 2^256, of SHA-256 of each record's
 * canonical bytes read as a big-endian integer. Order-independent, and updatable in O(change):
 * subtract what left, add what came. Lives in the contract because both ends compute it: the
 * SDK fills `expected_digest`, the daemon checks the result against it.
 */

/** SHA-256 of one record's canonical bytes, as the integer the sum adds. */
export function recordDigest(canonical: Uint8Array): bigint {
  return BigInt(`0x${sha256Hex(canonical)}`);
}

// Modulo 2^256 as the low 256 bits (two's complement for a difference below 0): half the cost
// of `%`, which a whole base's sum pays once per record.

/** a + b mod 2^256. */
export function addDigest(a: bigint, b: bigint): bigint {
  return BigInt.asUintN(256, a + b);
}

/** a - b mod 2^256. */
export function subtractDigest(a: bigint, b: bigint): bigint {
  return BigInt.asUintN(256, a - b);
}

/** The big-endian 32-bit word at `at` of a digest in latin1 (sha256Latin1). */
export const wordAt = (sha: string, at: number): number => ((sha.charCodeAt(at) << 24) | (sha.charCodeAt(at + 1) << 16) | (sha.charCodeAt(at + 2) << 8) | sha.charCodeAt(at + 3)) >>> 0;

/** 32-bit limbs a DigestSum adds before it carries: each stays below 2^52, exact in a double. */
const CARRY_EVERY = 1 << 19;

/**
 * The sum of many record digests, each given as SHA-256's 32 bytes in latin1 (sha256Latin1), added as eight
 * 32-bit limbs in doubles: a whole base's sum costs no bigint per record (a quarter of a
 * million records added as bigints took some 100 ms). value() is the addDigest sum of the same
 * digests read as recordDigest does.
 */
export class DigestSum {
  /** Most significant limb first, each the sum of that limb of the digests added since the last carry. */
  private readonly limbs = new Float64Array(8);
  private added = 0;

  add(sha: string): void {
    const l = this.limbs;
    for (let i = 0; i < 8; i++) l[i] += wordAt(sha, 4 * i);
    if (++this.added === CARRY_EVERY) this.carry();
  }

  /** The sum modulo 2^256. */
  value(): bigint {
    this.carry();
    let v = 0n;
    for (const limb of this.limbs) v = (v << 32n) | BigInt(limb);
    return v;
  }

  /** Moves each limb's overflow into the next more significant one; the top limb's is dropped (mod 2^256). */
  private carry(): void {
    const l = this.limbs;
    for (let i = 7; i >= 0; i--) {
      const over = Math.floor(l[i] / 2 ** 32);
      l[i] -= over * 2 ** 32;
      if (i > 0) l[i - 1] += over;
    }
    this.added = 0;
  }
}

/** The lowercase hex the request carries: 64 digits, zero-padded. */
export function setDigestHex(sum: bigint): string {
  return sum.toString(16).padStart(64, '0');
}
