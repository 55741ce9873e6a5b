import * as crypto from 'node:crypto';

/** Node's one-shot digest (20.12+), about 3× faster than a Hash object on small inputs — stored form 2's chunks, single records; absent from older typings. */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: string) => string | Buffer }).hash;

/** Lowercase hex SHA-256 of `bytes`: chunk ids, record digests. */
export function sha256Hex(bytes: Uint8Array): string {
  return oneShot ? (oneShot('sha256', bytes, 'hex') as string) : crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * SHA-256 of `bytes` as 32 latin1 characters, one per byte (charCodeAt reads them): what a sum of
 * many record digests reads without a bigint per record. Not a Buffer: the one-shot digest makes
 * a Buffer five times slower than a string (Node 20: 250,000 record digests 360 ms, against 70).
 */
export function sha256Latin1(bytes: Uint8Array): string {
  return oneShot ? (oneShot('sha256', bytes, 'latin1') as string) : crypto.createHash('sha256').update(bytes).digest().toString('latin1');
}
