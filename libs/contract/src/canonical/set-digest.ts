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

/** The lowercase hex the request carries: 64 digits, zero-padded. */
export function setDigestHex(sum: bigint): string {
  return sum.toString(16).padStart(64, '0');
}
