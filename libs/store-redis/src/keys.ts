/**
 * The one place that builds Redis key strings (DESIGN §5 "Keys"). Nothing else in persistd
 * assembles a key, so the layout can be read, changed and tested here alone.
 *
 *   P:{w}:epoch              the committed epoch (decimal integer)
 *   P:{w}:meta:<N>           encoded EpochMeta of retained epoch N
 *   P:{w}:chunk:<chunk_id>   chunk bytes, shared by every retained epoch that lists the id
 *   P:{w}:req:<request_id>   the outcome of a committed request (see request-record.ts)
 *
 * The world id sits in braces, a Redis Cluster hash tag: every key of a world hashes to one slot,
 * so a WATCH/MULTI/EXEC over a world's keys is legal on a cluster too.
 */

/** Every key of one world. */
export interface WorldKeys {
  /** The committed-epoch pointer. */
  readonly epoch: string;
  /** The stored EpochMeta of epoch `n`. */
  meta(n: bigint): string;
  /** A chunk, by its id (lowercase hex SHA-256 of its bytes). */
  chunk(id: string): string;
  /** The record of a committed request id. */
  req(requestId: string): string;
}

/**
 * Characters allowed in every key part. Ids are validated upstream (DESIGN §4 field rules); this
 * guard only keeps a stray `{`, `}`, `:` or space from moving a key into another slot or
 * another key's namespace.
 */
const KEY_PART = /^[A-Za-z0-9._-]{1,128}$/;

function part(kind: string, value: string): string {
  if (!KEY_PART.test(value)) {
    throw new RangeError(`store-redis: ${kind} ${JSON.stringify(value)} is not a valid key part (${KEY_PART})`);
  }
  return value;
}

/** The keys of world `worldId` under key prefix `prefix` (`PERSISTD_KEY_PREFIX`). */
export function worldKeys(prefix: string, worldId: string): WorldKeys {
  const base = `${part('prefix', prefix)}:{${part('world id', worldId)}}:`;
  return {
    epoch: `${base}epoch`,
    meta: (n: bigint) => {
      if (n < 1n) throw new RangeError(`store-redis: epoch ${n} has no meta (epochs start at 1)`);
      return `${base}meta:${n}`;
    },
    chunk: (id: string) => `${base}chunk:${part('chunk id', id)}`,
    req: (requestId: string) => `${base}req:${part('request id', requestId)}`,
  };
}
