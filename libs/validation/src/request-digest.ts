import { createHash, type Hash } from 'node:crypto';

/** The two requests that commit an epoch, and so leave a request record to replay from. */
export type CommittingMethod = 'Save' | 'SaveChanges';

/**
 * Marks each method's digest input, so a Save's request digest never equals a SaveChanges' (one
 * request id names one request across both, DESIGN §3) nor anything else the daemon hashes.
 * The SaveChanges domain is the one its digests were first stored under: changing it would make
 * every stored SaveChanges record look like another request.
 */
const DOMAINS: Readonly<Record<CommittingMethod, Buffer>> = {
  Save: Buffer.from('persistd Save request v1\n'),
  SaveChanges: Buffer.from('persistd SaveChanges request v1\n'),
};

/**
 * The request digest that decides replays (DESIGN §3, §5), one definition for both methods:
 * lowercase hex SHA-256 of the method's domain followed by the bytes `toBinary` writes for the
 * request in canonical form with `request_id` left out (records canonical and sorted by id). It
 * depends on what the request asks, never on the stored form it is written in. Returns the hash
 * with the domain already written: the caller feeds it the canonical request's bytes, in pieces
 * if it has them in pieces, and calls `digest('hex')`.
 */
export function requestDigestHash(method: CommittingMethod): Hash {
  return createHash('sha256').update(DOMAINS[method]);
}
