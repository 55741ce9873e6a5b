import * as crypto from 'node:crypto';

/** Node's one-shot digest (20.12+), about 3× faster than a Hash object on small inputs — stored form 2's chunks, single records; absent from older typings. */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;

/** Lowercase hex SHA-256 of `bytes`: chunk ids, record digests. */
export function sha256Hex(bytes: Uint8Array): string {
  return oneShot ? oneShot('sha256', bytes, 'hex') : crypto.createHash('sha256').update(bytes).digest('hex');
}
